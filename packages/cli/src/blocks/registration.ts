import type { DocumentStore, RegistrationStore } from '@govblocks/registration';
import type { BlockModule, RunningServer, ServeOptions } from '../block-module.js';
import { openServeAudit } from '../serve-audit.js';

/** Authentication of a served block: API keys from `--api-key`, otherwise explicit development mode. */
function authOf(options: ServeOptions) {
  const key = options.flags['api-key'];
  if (typeof key === 'string' && key !== '') {
    return {
      apiKeys: {
        headers: ['X-API-Key', 'apiKey', 'api_key'],
        keys: [{ key, id: 'cli-api-key', roles: ['registry-admin'] }],
      },
    };
  }
  // No credentials: development mode, and the Information-Mediator-Client header names the caller.
  return {
    development: true,
    mode: 'optional' as const,
    warn: (message: string) => options.io.err(`${message}\n`),
  };
}

async function openRegistry(options: ServeOptions) {
  const { createRegistry, memoryAuditTrail, memoryRegistryStore } = await import(
    '@govblocks/registration'
  );
  if (options.databaseUrl) {
    const { openDatabase } = await import('@govblocks/core/sql');
    const { createSqlRegistryStore } = await import('@govblocks/registration/sql');
    const client = await openDatabase(options.databaseUrl);
    const store = await createSqlRegistryStore(client);
    // Every change and every read by another party goes to the tamper-evident audit log on the
    // same database; "who used my data" is answered from it.
    const serveAudit = await openServeAudit(client, options.io, process.env, options.databaseUrl);
    const { sink: audit, reader } = serveAudit;
    return {
      registry: createRegistry({ store, audit, auditReader: reader }),
      audit,
      client,
      async close() {
        await serveAudit.close();
        await client.close();
      },
    };
  }
  // Without a database everything lives in memory for the life of the process.
  const audit = memoryAuditTrail();
  return {
    registry: createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit }),
    audit,
    client: undefined,
    close: async () => {},
  };
}

/** `govblocks serve registries`: the GovStack Digital Registries BB API. */
export const registriesBlock: BlockModule = {
  name: 'registries',
  summary: 'Digital Registries (GovStack Digital Registries BB API)',
  async serve(options): Promise<RunningServer> {
    const { registriesHttpApp, seedGovStackRegistries } = await import(
      '@govblocks/registration/http'
    );
    const { startServer } = await import('@govblocks/core/http');
    const { registry, close } = await openRegistry(options);
    if (options.seed) {
      await seedGovStackRegistries(registry, {
        actor: { type: 'system', id: 'govblocks-seed', roles: [] },
      });
    }
    const server = await startServer(registriesHttpApp(registry, { auth: authOf(options) }), {
      port: options.port,
      host: options.host,
    });
    return {
      url: server.url,
      async close() {
        await server.close();
        await close();
      },
    };
  },
};

/** `govblocks serve registration`: the GovStack Registration BB API, with registries behind it. */
export const registrationBlock: BlockModule = {
  name: 'registration',
  summary:
    'Registration (GovStack Registration BB API: e-services, applications, tasks, statistics)',
  async serve(options): Promise<RunningServer> {
    const registration = await import('@govblocks/registration');
    const { registrationHttpApp } = await import('@govblocks/registration/http');
    const { startServer } = await import('@govblocks/core/http');
    // One database (and one audit log) for the registry and the registration service.
    const { registry, audit, client, close } = await openRegistry(options);
    let store: RegistrationStore = registration.memoryRegistrationStore();
    let documents: DocumentStore = registration.memoryDocumentStore();
    if (client) {
      const sql = await import('@govblocks/registration/sql');
      store = await sql.createSqlRegistrationStore(client);
      documents = await sql.createSqlDocumentStore(client);
    }
    const service = registration.createRegistrationService({ store, registry, audit, documents });
    const auth = authOf(options);
    const development = 'development' in auth;
    const server = await startServer(
      registrationHttpApp(service, {
        auth,
        // Development mode: callers named only by the mediator header may do everything.
        ...(development ? { mediatorRoles: [registration.registrationAdminRole] } : {}),
      }),
      { port: options.port, host: options.host },
    );
    return {
      url: server.url,
      async close() {
        await server.close();
        await close();
      },
    };
  },
};
