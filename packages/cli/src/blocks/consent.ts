import type { BlockModule } from '../block-module.js';
import { openServeAudit } from '../serve-audit.js';

/**
 * `govblocks serve consent`: the GovStack Consent BB API on embedded PGlite (or
 * `--database-url postgres://…`), with `--seed` loading GovStack's example fixtures.
 *
 * Credentials: `--api-key=<key>[,<key>…]` or the `CONSENT_API_KEYS` environment
 * variable; with none, the server runs in the kit's explicit development mode (loud warning).
 */
export const consentBlock: BlockModule = {
  name: 'consent',
  summary: 'GovStack Consent building block (policies, data agreements, consent records)',
  async serve(options) {
    const [
      { systemActor, uuidv7Generator },
      { openDatabase, ...sqlKit },
      { startServer },
      consent,
      sql,
      http,
      govstack,
    ] = await Promise.all([
      import('@govblocks/core'),
      import('@govblocks/core/sql'),
      import('@govblocks/core/http'),
      import('@govblocks/consent'),
      import('@govblocks/consent/sql'),
      import('@govblocks/consent/http'),
      import('@govblocks/consent/govstack'),
    ]);
    const client = await openDatabase(options.databaseUrl);
    const store = await sql.sqlConsentStore(client);
    const { ids, useId } = govstack.queuedIds(uuidv7Generator());
    // Every change is recorded in the tamper-evident audit log on the same database.
    const serveAudit = await openServeAudit(client, options.io, process.env, options.databaseUrl);
    const audit = serveAudit.sink;
    const service = consent.createConsentService({ store, audit, ids });
    // Webhook notifications leave the durable outbox once a second.
    const dispatcher = consent.createWebhookDispatcher({ store });
    let delivering = false;
    const timer = setInterval(() => {
      if (delivering) return;
      delivering = true;
      dispatcher
        .deliverDue()
        .catch((error: unknown) =>
          options.io.err(
            `govblocks: webhook delivery failed (${error instanceof Error ? error.name : 'error'})\n`,
          ),
        )
        .finally(() => {
          delivering = false;
        });
    }, 1_000);
    timer.unref();
    if (options.seed) {
      const existing = await service.listPolicies(systemActor, { limit: 1 });
      if (existing.total === 0) {
        await govstack.seedGovstackFixtures(service, systemActor, { useId });
        options.io.out('govblocks: consent seeded with the GovStack example fixtures\n');
      } else {
        options.io.out('govblocks: consent store is not empty; --seed skipped\n');
      }
    }
    const flagKeys =
      typeof options.flags['api-key'] === 'string'
        ? options.flags['api-key']
        : process.env.CONSENT_API_KEYS;
    const keys = (flagKeys ?? '')
      .split(',')
      .map((key) => key.trim())
      .filter(Boolean)
      .map((key, index) => ({ key, id: `api-key-${index + 1}` }));
    const app = http.consentHttpApp(service, {
      idempotency: sqlKit.sqlIdempotencyStore(client),
      auth:
        keys.length > 0
          ? { apiKeys: { headers: ['X-API-Key', 'apiKey', 'api_key'], keys } }
          : { development: true, mode: 'optional' },
      ...(keys.length > 0
        ? {}
        : {
            anonymousActor: { actor: { type: 'service' as const, id: 'development', roles: [] } },
          }),
      healthCheck: async () => {
        await client.query('select 1');
      },
    });
    const server = await startServer(app, { port: options.port, host: options.host });
    return {
      url: server.url,
      async close() {
        clearInterval(timer);
        await server.close();
        await serveAudit.close();
        await client.close();
      },
    };
  },
};
