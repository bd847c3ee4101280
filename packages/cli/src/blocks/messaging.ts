import type { BlockModule } from '../block-module.js';
import { openServeAudit } from '../serve-audit.js';

/**
 * `govblocks serve messaging`: the GovStack Messaging BB API over the messaging engine, with a
 * worker draining the outbox. Flags (write them with `=`): `--smtp=host:port` and
 * `--from=address` send email over SMTP (default: a console channel that prints one line per
 * message, never the recipient); `--api-key=key1,key2` turns development mode off.
 */
export const messagingBlock: BlockModule = {
  name: 'messaging',
  summary: 'Templated email/SMS with a durable outbox (GovStack Messaging BB)',
  async serve(options) {
    const [
      { openDatabase },
      { startServer },
      messaging,
      { sqlMessagingStore },
      { messagingHttpApp },
    ] = await Promise.all([
      import('@govblocks/core/sql'),
      import('@govblocks/core/http'),
      import('@govblocks/messaging'),
      import('@govblocks/messaging/sql'),
      import('@govblocks/messaging/http'),
    ]);
    const client = await openDatabase(options.databaseUrl);
    const store = await sqlMessagingStore(client);
    for (const flag of ['smtp', 'from', 'api-key']) {
      if (options.flags[flag] === true) throw new Error(`write --${flag}=value (with '=')`);
    }
    const smtp = typeof options.flags.smtp === 'string' ? options.flags.smtp : undefined;
    const from =
      typeof options.flags.from === 'string' ? options.flags.from : 'noreply@govblocks.localhost';
    const write = (line: string) => options.io.out(`${line}\n`);
    let email = messaging.consoleChannel({ kind: 'email', write });
    if (smtp) {
      const { smtpChannel } = await import('@govblocks/messaging/smtp');
      const [host, port] = smtp.split(':');
      email = smtpChannel({
        host: host || '127.0.0.1',
        port: Number(port || 25),
        from: { address: from },
      });
    }
    const serveAudit = await openServeAudit(client, options.io, process.env, options.databaseUrl);
    const service = messaging.createMessagingService({
      store,
      channels: [email, messaging.consoleChannel({ kind: 'sms', write })],
      // Recorded in the tamper-evident audit log on the same database.
      audit: serveAudit.sink,
    });
    const worker = service.startWorker({ batchSize: 20, pollIntervalMs: 500 });
    const keys =
      typeof options.flags['api-key'] === 'string'
        ? options.flags['api-key']
            .split(',')
            .map((key, index) => ({ key: key.trim(), id: `cli-key-${index + 1}` }))
        : undefined;
    const server = await startServer(messagingHttpApp(service, { apiKeys: keys }), {
      port: options.port,
      host: options.host,
    });
    return {
      url: server.url,
      async close() {
        await server.close();
        await worker.stop();
        await email.close?.();
        await serveAudit.close();
        await client.close();
      },
    };
  },
};
