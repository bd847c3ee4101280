import { memoryAuditSink } from '@govblocks/core';
import { createMessagingService, memoryMessagingStore } from '@govblocks/messaging';
import { smtpChannel, startLocalSmtpServer } from '@govblocks/messaging/smtp';

const smtp = await startLocalSmtpServer(); // a real SMTP server on 127.0.0.1, for the demo
const email = smtpChannel({
  host: smtp.host,
  port: smtp.port,
  from: { address: 'noreply@agency.example' },
});
const messaging = createMessagingService({
  store: memoryMessagingStore(),
  channels: [email],
  audit: memoryAuditSink(),
});
const context = { actor: { type: 'service' as const, id: 'permits', roles: [] } };
await messaging.defineTemplate(context, {
  id: 'permit-approved',
  channel: 'email',
  defaultLanguage: 'en',
  languages: {
    en: {
      subject: 'Permit {{ref}} approved',
      text: 'Dear {{name}}, permit {{ref}} is approved.',
      html: '<p>Dear {{name}}, permit <b>{{ref}}</b> is approved.</p>',
    },
  },
});
await messaging.send(context, {
  idempotencyKey: 'permit-P-42-approved',
  channel: 'email',
  to: 'ada@example.org',
  template: { id: 'permit-approved' },
  personalisation: { name: 'Ada <Lovelace>', ref: 'P-42' },
});
await messaging.processDue(); // a worker delivers: startWorker() runs this in a loop
console.log(smtp.received.length, 'email received'); // 1 email received

export const received = smtp.received;
await email.close?.();
await smtp.close();
