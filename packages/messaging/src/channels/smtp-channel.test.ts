import { simpleParser } from 'mailparser';
import { describeChannel } from '../testing/channel-conformance.js';
import { type LocalSmtpServer, startLocalSmtpServer } from '../testing/local-smtp-server.js';
import { smtpChannel } from './smtp-channel.js';

let server: LocalSmtpServer;

describeChannel('smtp (nodemailer → smtp-server on loopback)', {
  recipient: 'ada@example.org',
  refusedRecipient: 'nobody@refused.example',
  async setup() {
    server = await startLocalSmtpServer({
      refuse: (address) => address.endsWith('@refused.example'),
    });
    return smtpChannel({
      host: server.host,
      port: server.port,
      from: { address: 'noreply@agency.example', name: 'Agency' },
      timeoutMs: 5_000,
    });
  },
  async received() {
    return Promise.all(
      server.take().map(async (mail) => {
        const parsed = await simpleParser(mail.raw);
        return {
          to: mail.recipients[0] as string,
          text: parsed.text?.trim(),
          subject: parsed.subject,
          idempotencyMark: mail.messageId,
        };
      }),
    );
  },
  failNextTemporarily: () => server.failNext(451),
  teardown: () => server.close(),
});
