import { randomUUID } from 'node:crypto';
import type { ActorContext } from '@govblocks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagingService } from '../ports.js';

/** How the service kit gets the implementation under test. */
export interface MessagingServiceHarness {
  setup(): Promise<MessagingService>;
  /** Delivers what is queued (runs the workers), when the implementation can be driven. */
  drain?(): Promise<void>;
  teardown?(): Promise<void>;
}

/** Skip keys of the service kit, each given with its reason. */
export type MessagingServiceSkip = 'idempotent-replay' | 'status-counts';

const context: ActorContext = {
  actor: { type: 'service', id: 'conformance', roles: [] },
  requestId: 'conformance-request',
};

/**
 * The port conformance kit: every `MessagingService` — the engine, the GovStack remote adapter
 * over our HTTP binding, a vendor's adapter — runs it. Capabilities the implementation does not
 * declare (templates, per-message status) are skipped; other skips need a reason.
 *
 * @example
 * describeMessagingService('engine', { setup: async () => engine, drain: async () => { await engine.processDue({ limit: 100 }); } });
 */
export function describeMessagingService(
  name: string,
  harness: MessagingServiceHarness,
  skip: Partial<Record<MessagingServiceSkip, string>> = {},
): void {
  describe(`MessagingService conformance: ${name}`, () => {
    let service: MessagingService;
    beforeAll(async () => {
      service = await harness.setup();
    });
    afterAll(async () => {
      await harness.teardown?.();
    });
    const key = () => `conformance-${randomUUID()}`;
    const email = (idempotencyKey: string) => ({
      idempotencyKey,
      channel: 'email' as const,
      to: 'citizen@example.org',
      content: {
        subject: 'Appointment for {{name}}',
        text: 'Dear {{name}}, your appointment moved to 10:30.',
      },
      personalisation: { name: 'Ada' },
    });

    it('declares its version and capabilities', () => {
      expect(service.specificationVersion).toBe('messaging/v1');
      expect(service.capabilities.channels).toContain('email');
    });

    it('send queues a message and returns it', async () => {
      const message = await service.send(context, email(key()));
      expect(message.id).toEqual(expect.any(String));
      expect(message.status).toBe('queued');
      expect(message.content).toMatchObject({
        subject: 'Appointment for Ada',
        text: 'Dear Ada, your appointment moved to 10:30.',
      });
    });

    it.skipIf(skip['idempotent-replay'] !== undefined)(
      'a repeat with the same idempotency key returns the first message',
      async () => {
        const idempotencyKey = key();
        const first = await service.send(context, email(idempotencyKey));
        const again = await service.send(context, email(idempotencyKey));
        expect(again.id).toBe(first.id);
      },
    );

    it('missing personalisation is MISSING_PERSONALISATION, an invalid address VALIDATION_FAILED', async () => {
      await expect(
        service.send(context, { ...email(key()), personalisation: {} }),
      ).rejects.toMatchObject({ code: 'MISSING_PERSONALISATION', missing: ['name'] });
      await expect(
        service.send(context, { ...email(key()), to: 'not an address' }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    });

    it('preview renders without sending, escaping HTML values', async () => {
      const preview = await service.preview(context, {
        channel: 'email',
        content: { subject: 'Hi {{name}}', text: 'Hi {{name}}', html: '<p>Hi {{name}}</p>' },
        personalisation: { name: '<Ada>' },
      });
      expect(preview.content).toEqual({
        subject: 'Hi <Ada>',
        text: 'Hi <Ada>',
        html: '<p>Hi &lt;Ada&gt;</p>',
      });
    });

    it('a batch is accepted with one message per recipient', async () => {
      const recipients = ['a@example.org', 'b@example.org', 'c@example.org'].map((to, index) => ({
        to,
        personalisation: { name: `P${index}` },
      }));
      const receipt = await service.sendBatch(
        context,
        {
          idempotencyKey: key(),
          channel: 'email',
          content: { subject: 'Notice', text: 'Dear {{name}}' },
        },
        recipients,
      );
      expect(receipt.accepted).toBe(3);
      if (skip['status-counts'] !== undefined) return;
      const before = await service.getBatchStatus(context, receipt.batchId);
      expect(before.total).toBe(3);
      if (harness.drain) {
        await harness.drain();
        expect((await service.getBatchStatus(context, receipt.batchId)).counts.delivered).toBe(3);
      }
    });

    describe('templates (capability)', () => {
      it('defines versions and sends by template', async (test) => {
        if (!service.capabilities.templates) return test.skip('no templates capability');
        const id = `conformance-${randomUUID().slice(0, 8)}`;
        const v1 = await service.defineTemplate(context, {
          id,
          channel: 'email',
          defaultLanguage: 'en',
          languages: { en: { subject: 'S {{n}}', text: 'T {{n}}' } },
        });
        expect(v1.version).toBe(1);
        const message = await service.send(context, {
          idempotencyKey: key(),
          channel: 'email',
          to: 'x@example.org',
          template: { id },
          personalisation: { n: 1 },
        });
        expect(message.template).toEqual({ id, version: 1, language: 'en' });
        expect(message.content).toEqual({ subject: 'S 1', text: 'T 1' });
      });
    });

    describe('per-message status (capability)', () => {
      it('reads a message back and sees it delivered after draining', async (test) => {
        if (!service.capabilities.messageStatus) return test.skip('no messageStatus capability');
        const message = await service.send(context, email(key()));
        expect(await service.getMessage(context, message.id)).toEqual(message);
        if (harness.drain) {
          await harness.drain();
          expect((await service.getMessage(context, message.id)).status).toBe('delivered');
        }
        await expect(service.getMessage(context, 'no-such-message')).rejects.toMatchObject({
          code: 'MESSAGE_NOT_FOUND',
        });
      });
    });
  });
}
