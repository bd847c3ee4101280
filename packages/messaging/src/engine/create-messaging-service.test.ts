import { type ActorContext, memoryAuditSink } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { memoryChannel } from '../channels/memory-channel.js';
import type { Channel } from '../ports.js';
import { createMessagingService } from './create-messaging-service.js';
import { memoryMessagingStore } from './memory-store.js';

const context: ActorContext = {
  actor: { type: 'operator', id: 'clerk-7', roles: [] },
  requestId: 'req-1',
};
const engine = (
  channels: Channel[] = [memoryChannel({ kind: 'email' }), memoryChannel({ kind: 'sms' })],
) => createMessagingService({ store: memoryMessagingStore(), channels, audit: memoryAuditSink() });

/** An engine with an email channel and a memory audit sink, keyed for stable pseudonyms. */
const audited = () => {
  const audit = memoryAuditSink();
  const messaging = createMessagingService({
    store: memoryMessagingStore(),
    channels: [memoryChannel({ kind: 'email' })],
    audit,
    pseudonymisationKey: 'stable-key',
  });
  return { audit, messaging };
};

describe('createMessagingService', () => {
  it('previews an SMS with its encoding, parts and warnings, storing nothing', async () => {
    const messaging = engine();
    const preview = await messaging.preview(context, {
      channel: 'sms',
      content: { text: 'Bonjour {{name}}, votre rendez-vous est confirmé ✓ {{details}}' },
      personalisation: { name: 'Zoé', details: 'x'.repeat(60) },
    });
    expect(preview.sms).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    expect(preview.sms?.nonGsmCharacters).toEqual(['✓']);
    expect(preview.warnings.map((warning) => warning.code)).toEqual(['SMS_UCS2', 'SMS_MULTIPART']);
    expect(await messaging.processDue()).toMatchObject({ claimed: 0 });
  });

  it('stores SMS facts and warnings with the message', async () => {
    const messaging = engine();
    const message = await messaging.send(context, {
      idempotencyKey: 'sms-1',
      channel: 'sms',
      to: '+15551234567',
      content: { text: '€'.repeat(81) },
    });
    expect(message.sms).toMatchObject({ encoding: 'GSM-7', units: 162, segments: 2 });
    expect(message.warnings.map((warning) => warning.code)).toEqual(['SMS_MULTIPART']);
  });

  it('refuses sends for a kind without a channel, and bad configurations', async () => {
    const messaging = engine([memoryChannel({ kind: 'email' })]);
    await expect(
      messaging.send(context, {
        idempotencyKey: 'x',
        channel: 'sms',
        to: '+15551234567',
        content: { text: 'hi' },
      }),
    ).rejects.toMatchObject({ code: 'CHANNEL_NOT_CONFIGURED' });
    expect(() =>
      engine([memoryChannel({ kind: 'email' }), memoryChannel({ kind: 'email', name: 'second' })]),
    ).toThrow(/failoverChannel/);
    const future = {
      ...memoryChannel({ kind: 'email' }),
      specificationVersion: 'messaging-channel/v9',
    } as unknown as Channel;
    expect(() => engine([future])).toThrow(
      expect.objectContaining({ code: 'UNSUPPORTED_SPECIFICATION_VERSION' }),
    );
  });

  it('refuses a template of the other kind, SMS text with a subject, and unknown fields', async () => {
    const messaging = engine();
    await messaging.defineTemplate(context, {
      id: 'code',
      channel: 'sms',
      defaultLanguage: 'en',
      languages: { en: { text: 'Code {{code}}' } },
    });
    await expect(
      messaging.send(context, {
        idempotencyKey: 'a',
        channel: 'email',
        to: 'a@example.org',
        template: { id: 'code' },
        personalisation: { code: 1 },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      messaging.defineTemplate(context, {
        id: 'bad',
        channel: 'sms',
        defaultLanguage: 'en',
        languages: { en: { subject: 'x', text: 'y' } },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      messaging.send(context, {
        idempotencyKey: 'b',
        channel: 'sms',
        to: '+15551234567',
        content: { text: 'x' },
        surprise: true,
      } as never),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('writes the actor and request id to audit events, never the recipient', async () => {
    const { audit, messaging } = audited();
    await messaging.send(context, {
      idempotencyKey: 'a1',
      channel: 'email',
      to: 'Ada@Example.org',
      content: { subject: 's', text: 't' },
    });
    await messaging
      .send(context, {
        idempotencyKey: 'a2',
        channel: 'email',
        to: 'ada@example.org ',
        content: { subject: 's', text: 't' },
      })
      .catch(() => undefined);
    const [first] = audit.events;
    expect(first).toMatchObject({
      block: 'messaging',
      action: 'messaging.message.queued',
      actor: { type: 'operator', id: 'clerk-7' },
      requestId: 'req-1',
    });
    expect(JSON.stringify(audit.events).toLowerCase()).not.toContain('ada@example.org');
  });

  it("files a message's events under the caller's audit subject; the recipient stays pseudonymised", async () => {
    const { audit, messaging } = audited();
    await messaging.send(context, {
      idempotencyKey: 'subject-1',
      channel: 'email',
      to: 'ada@example.org',
      content: { subject: 'Hi', text: 'Hello' },
      auditSubject: { type: 'person', id: 'P-1234' },
    });
    await messaging.sendBatch(
      context,
      { idempotencyKey: 'subject-batch', channel: 'email', content: { subject: 'Hi', text: 'x' } },
      [
        { to: 'bob@example.org', auditSubject: { type: 'case', id: 'C-9', personal: false } },
        { to: 'eve@example.org' },
      ],
    );
    await messaging.processDue();
    const events = audit.events.filter((event) => event.action.startsWith('messaging.message.'));
    const byAction = (action: string) =>
      events.filter((event) => event.action === action).map((event) => event.subject);
    expect(byAction('messaging.message.queued')).toEqual([
      { type: 'person', id: 'P-1234', personal: true },
    ]);
    expect(byAction('messaging.message.delivered')).toEqual([
      { type: 'person', id: 'P-1234', personal: true },
      { type: 'case', id: 'C-9', personal: false },
      {
        type: 'recipient',
        id: expect.stringMatching(/^hmac-sha256:[0-9a-f]{32}$/),
        personal: true,
      },
    ]);
    // The recipient's address appears nowhere; its pseudonym links the events up.
    const serialised = JSON.stringify(audit.events);
    for (const address of ['ada@example.org', 'bob@example.org', 'eve@example.org'])
      expect(serialised).not.toContain(address);
    const ada = events.filter((event) => event.subject?.id === 'P-1234');
    expect(ada).toHaveLength(2);
    expect(ada[0]?.details?.recipient).toMatch(/^hmac-sha256:/);
    expect(ada[0]?.details?.recipient).toBe(ada[1]?.details?.recipient);
  });

  it('refuses an empty audit subject before storing anything', async () => {
    const messaging = engine();
    await expect(
      messaging.send(context, {
        idempotencyKey: 'subject-bad',
        channel: 'email',
        to: 'ada@example.org',
        content: { text: 'x' },
        auditSubject: { type: 'person', id: '' },
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await messaging.processDue()).toMatchObject({ claimed: 0 });
  });
});
