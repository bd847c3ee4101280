import type { DocumentStore, RegistrationStore } from '@govblocks/registration';
import type { BlockModule, RunningServer, ServeOptions } from '../block-module.js';

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
  // Until @govblocks/audit backs the AuditReader, audit events live in memory for the process.
  const audit = memoryAuditTrail();
  if (options.databaseUrl) {
    const { openDatabase } = await import('@govblocks/core/sql');
    const { createSqlRegistryStore } = await import('@govblocks/registration/sql');
    const client = await openDatabase(options.databaseUrl);
    const store = await createSqlRegistryStore(client);
    return {
      registry: createRegistry({ store, audit, auditReader: audit }),
      close: () => client.close(),
    };
  }
  return {
    registry: createRegistry({ store: memoryRegistryStore(), audit, auditReader: audit }),
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
    const { registry, close } = await openRegistry(options);
    const audit = registration.memoryAuditTrail();
    let store: RegistrationStore = registration.memoryRegistrationStore();
    let documents: DocumentStore = registration.memoryDocumentStore();
    let closeStore = async () => {};
    if (options.databaseUrl) {
      const { openDatabase } = await import('@govblocks/core/sql');
      const sql = await import('@govblocks/registration/sql');
      const client = await openDatabase(options.databaseUrl);
      store = await sql.createSqlRegistrationStore(client);
      documents = await sql.createSqlDocumentStore(client);
      closeStore = () => client.close();
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
        await closeStore();
        await close();
      },
    };
  },
};
