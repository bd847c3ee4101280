import type { AddressInfo } from 'node:net';

/** One message as the local SMTP server received it. */
export interface ReceivedMail {
  /** Envelope recipients (RCPT TO). */
  recipients: string[];
  /** Envelope sender (MAIL FROM). */
  from: string;
  /** The raw RFC 5322 message. */
  raw: string;
  /** The Message-ID header, when present. */
  messageId: string | undefined;
}

/** A real SMTP server on loopback for tests, demos and the README (the `smtp-server` package). */
export interface LocalSmtpServer {
  host: string;
  port: number;
  /** Every message accepted so far. */
  readonly received: ReceivedMail[];
  /** Returns and forgets what was received. */
  take(): ReceivedMail[];
  /** The next `count` messages are answered with `code` (e.g. 451 temporary, 554 permanent) at DATA. */
  failNext(code: number, count?: number): void;
  close(): Promise<void>;
}

export interface LocalSmtpServerOptions {
  /** Default 0 (a free port). */
  port?: number;
  /** Recipients answered with 550 at RCPT TO. */
  refuse?: (address: string) => boolean;
}

/**
 * Starts a real SMTP server on 127.0.0.1 (no TLS, no authentication) that keeps what it
 * receives. Needs the optional peer dependency `smtp-server`.
 *
 * @example
 * const server = await startLocalSmtpServer();
 * const email = smtpChannel({ host: server.host, port: server.port, from: { address: 'noreply@agency.example' } });
 */
export async function startLocalSmtpServer(
  options: LocalSmtpServerOptions = {},
): Promise<LocalSmtpServer> {
  const { SMTPServer } = await import('smtp-server');
  const received: ReceivedMail[] = [];
  let failures: { code: number; count: number } | undefined;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 10 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      if (options.refuse?.(address.address)) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (failures && failures.count > 0) {
          failures.count -= 1;
          const error = new Error(
            failures.code >= 500 ? 'Message refused' : 'Try again later',
          ) as Error & { responseCode: number };
          error.responseCode = failures.code;
          if (failures.count === 0) failures = undefined;
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        const messageId = /^message-id:\s*(.+)$/im.exec(raw)?.[1]?.trim();
        received.push({
          recipients: session.envelope.rcptTo.map((rcpt) => rcpt.address),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          raw,
          messageId,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port: address.port,
    received,
    take: () => received.splice(0, received.length),
    failNext(code, count = 1) {
      failures = { code, count };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
