/**
 * `pnpm demo` — plays the journey headless for three personas and prints the story.
 * `pnpm demo --serve [--port 3000]` — serves the web UI for a person to click through.
 * `--database-url postgres://…` — PostgreSQL instead of the embedded PGlite.
 */
import { parseArgs } from 'node:util';
import { playDemo } from './demo.js';
import { createServices } from './services.js';

const { values } = parseArgs({
  options: {
    serve: { type: 'boolean', default: false },
    port: { type: 'string', default: process.env.PORT ?? '3000' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL },
    schema: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});

if (values.help) {
  console.log(
    `usage: pnpm demo [--serve] [--port 3000] [--database-url postgres://… [--schema name]]`,
  );
  process.exit(0);
}

async function main(): Promise<number> {
  const started = Date.now();
  const services = await createServices({
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
    ...(values.schema ? { schema: values.schema } : {}),
    log: (line) => console.log(line),
  });
  console.log(`govblocks social cash transfer — database: ${services.databaseLabel}`);
  if (values.serve) {
    const { serveApp } = await import('./app.js');
    const port = Number(values.port);
    const server = await serveApp(services, { port });
    console.log(`\nServing on ${server.url} — sign in as amina, dara or kofi (applicants),`);
    console.log('olu (operator), maya and chen (programme officers). Ctrl+C to stop.');
    const stop = async () => {
      await server.close();
      await services.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }
  try {
    const result = await playDemo(services);
    console.log(
      `\n${result.auditVerified ? '✔ Audit log verified' : '✘ Audit log verification FAILED'}: signed checkpoint, inclusion proofs and the whole log re-hashed (${((Date.now() - started) / 1000).toFixed(1)} s).`,
    );
    return result.auditVerified ? 0 : 1;
  } finally {
    await services.close();
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error) => {
    console.error('\n✘ The demo failed:', error);
    process.exit(1);
  },
);
