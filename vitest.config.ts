import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = readdirSync(new URL('./packages', import.meta.url));
const examples = readdirSync(new URL('./examples', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources of sibling packages, not their built dist.
    alias: [
      { find: /^@govblocks\/([a-z-]+)$/, replacement: `${root}packages/$1/src/index.ts` },
      {
        find: /^@govblocks\/([a-z-]+)\/([a-z-]+)$/,
        replacement: `${root}packages/$1/src/$2/index.ts`,
      },
    ],
  },
  test: {
    // In CI, also write a JSON report; .ci/run prints its plain 'N passed, N failed' line.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: `${root}test-output/vitest.json` },
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: `${root}packages/${name}`,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      })),
      ...examples.map((name) => ({
        extends: true as const,
        test: {
          name: `example-${name}`,
          root: `${root}examples/${name}`,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      })),
      {
        extends: true as const,
        test: { name: 'tools', root: `${root}tools`, include: ['**/*.test.ts'] },
      },
    ],
  },
});
