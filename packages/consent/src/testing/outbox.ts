import { manualClock, memoryAuditSink } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConsentService } from '../engine/consent-service.js';
import type { ConsentService } from '../ports.js';
import type { ConsentStore } from '../store.js';
import { createWebhookDispatcher, verifyWebhookSignature } from '../webhooks.js';
import { dataConsumer, exampleAgreement, examplePolicy, operator } from './conformance.js';

/**
 * Checks a {@link ConsentStore}'s durable outbox through the engine and the webhook
 * dispatcher: messages exist exactly when their change committed, deliveries are signed,
 * failures are retried with backoff, and a message is given up after `maxAttempts`.
 */
export function describeConsentOutboxConformance(
  name: string,
  freshStore: () => Promise<ConsentStore>,
): void {
  describe(`consent outbox: ${name}`, () => {
    const secret = 'a-long-shared-secret-value';
    let store: ConsentStore;
    let consent: ConsentService;
    const clock = manualClock('2025-03-01T12:00:00.000Z');

    beforeEach(async () => {
      store = await freshStore();
      consent = createConsentService({ store, audit: memoryAuditSink(), clock });
    });

    const seed = async () => {
      const { policy } = await consent.createPolicy(operator, examplePolicy);
      const { dataAgreement } = await consent.createDataAgreement(
        operator,
        exampleAgreement(policy.id),
      );
      const { individual } = await consent.createIndividual(operator, {
        externalId: 'webhook-person',
      });
      await consent.createWebhook(operator, {
        payloadUrl: 'https://consumer.example/hooks',
        secretKey: secret,
        events: ['consent.record.withdrawn'],
      });
      return { dataAgreement, individual };
    };

    it('announces a withdrawal once, signed, retrying until the receiver accepts it', async () => {
      const { dataAgreement, individual } = await seed();
      const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
        individualId: individual.id,
        dataAgreementId: dataAgreement.id,
        optIn: true,
      });
      expect((await store.listOutbox({ offset: 0, limit: 10 })).total).toBe(0); // not subscribed to "created"
      await consent.updateConsentRecord(dataConsumer, {
        individualId: individual.id,
        consentRecordId: consentRecord.id,
        optIn: false,
      });
      expect((await store.listOutbox({ offset: 0, limit: 10 })).total).toBe(1);

      const received: Array<{ headers: Record<string, string>; body: string }> = [];
      let answer = 500;
      const dispatcher = createWebhookDispatcher({
        store,
        clock,
        fetch: async (_url, init) => {
          received.push({ headers: init.headers, body: init.body });
          return { status: answer };
        },
      });
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 0, failed: 1, gaveUp: 0 });
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 0, failed: 0, gaveUp: 0 }); // backing off
      clock.advance(60_000);
      answer = 204;
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 1, failed: 0, gaveUp: 0 });
      clock.advance(3_600_000);
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 0, failed: 0, gaveUp: 0 });

      const last = received.at(-1) as { headers: Record<string, string>; body: string };
      expect(
        verifyWebhookSignature(secret, last.headers['X-GovBlocks-Signature'], last.body, {
          now: clock.now(),
          toleranceSeconds: 4000,
        }),
      ).toBe(true);
      expect(
        verifyWebhookSignature(
          'another-secret-value',
          last.headers['X-GovBlocks-Signature'],
          last.body,
          { now: clock.now() },
        ),
      ).toBe(false);
      const event = JSON.parse(last.body);
      expect(event).toMatchObject({
        type: 'consent.record.withdrawn',
        data: { consentRecordId: consentRecord.id, optIn: false },
      });
      expect(received[0]?.body).toBe(last.body); // the same event id across retries
      const [message] = (await store.listOutbox({ offset: 0, limit: 10 })).items;
      expect(message).toMatchObject({ attempts: 2, lastError: 'answered 500' });
      expect(message?.deliveredAt).not.toBeNull();
    });

    it('writes no message for a change that failed, and gives up after maxAttempts', async () => {
      const { dataAgreement, individual } = await seed();
      const { consentRecord } = await consent.createConsentRecord(dataConsumer, {
        individualId: individual.id,
        dataAgreementId: dataAgreement.id,
        optIn: true,
      });
      await expect(
        consent.updateConsentRecord(dataConsumer, {
          individualId: individual.id,
          consentRecordId: consentRecord.id,
          optIn: false,
          expectedRevisionNumber: 9,
        }),
      ).rejects.toMatchObject({ code: 'CONSENT_CONCURRENT_UPDATE' });
      expect((await store.listOutbox({ offset: 0, limit: 10 })).total).toBe(0);
      await consent.updateConsentRecord(dataConsumer, {
        individualId: individual.id,
        consentRecordId: consentRecord.id,
        optIn: false,
      });
      const dispatcher = createWebhookDispatcher({
        store,
        clock,
        maxAttempts: 2,
        fetch: async () => {
          throw new TypeError('connection refused');
        },
      });
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 0, failed: 1, gaveUp: 0 });
      clock.advance(3_600_000);
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 0, failed: 0, gaveUp: 1 });
      clock.advance(24 * 3_600_000);
      expect(await dispatcher.deliverDue()).toEqual({ delivered: 0, failed: 0, gaveUp: 0 });
    });
  });
}
