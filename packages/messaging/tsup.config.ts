import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'sql/index': 'src/sql/index.ts',
    'smtp/index': 'src/smtp/index.ts',
    'http/index': 'src/http/index.ts',
    'govstack/index': 'src/govstack/index.ts',
    'nats/index': 'src/nats/index.ts',
    'redis/index': 'src/redis/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest', 'smtp-server', /^@nats-io\//],
});
