import { memoryAuditSink } from '@govblocks/core';
import { createMessagingService, memoryChannel, memoryMessagingStore } from '@govblocks/messaging';
import { natsMessageQueue } from '@govblocks/messaging/nats';
import { connect } from '@nats-io/transport-node';

const connection = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
const queue = await natsMessageQueue({ connection }); // creates the stream and consumer if missing
const sms = memoryChannel({ kind: 'sms' }); // in production: httpSmsChannel({ … })
const messaging = createMessagingService({
  store: memoryMessagingStore(), // in production: sqlMessagingStore(…) on PostgreSQL
  channels: [sms],
  audit: memoryAuditSink(),
  queue,
});
const context = { actor: { type: 'service' as const, id: 'clinic', roles: [] } };
await messaging.sendBatch(
  context,
  {
    idempotencyKey: `reminders-${Date.now()}`,
    channel: 'sms',
    content: { text: 'Your appointment is on {{date}}.' },
    personalisation: { date: '3 March' },
  },
  [{ to: '+15551234567' }, { to: '+15557654321', auditSubject: { type: 'person', id: 'P-77' } }],
);
const worker = messaging.startWorker(); // relays the outbox to JetStream and consumes from it
while (sms.sent.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
await worker.stop();
await queue.close();
await connection.close();
console.log(sms.sent.length, 'SMS sent through JetStream'); // 2 SMS sent through JetStream

export const sent = sms.sent;
