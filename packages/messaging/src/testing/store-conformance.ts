import { type ActorContext, manualClock, memoryAuditSink } from '@govblocks/core';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { memoryChannel } from '../channels/memory-channel.js';
import { createMessagingService } from '../engine/create-messaging-service.js';
import type { MessagingStore } from '../ports.js';
import type { BatchRecipient } from '../schemas.js';

/** How the kit gets a fresh store for each test. */
export interface MessagingStoreHarness {
  /** A store with no data (called before every test). */
  create(): Promise<MessagingStore>;
  /** Called once after the suite (close databases). */
  close?(): Promise<void>;
}

const context: ActorContext = { actor: { type: 'service', id: 'conformance', roles: [] } };

/**
 * The store conformance kit: runs the engine over a store and checks what was persisted —
 * idempotent inserts, atomic claims that never hand one message to two workers, lease takeover,
 * lost claims, batch hold and discard, counts. Every `MessagingStore` runs it.
 *
 * @example
 * describeMessagingStore('memory', { create: async () => memoryMessagingStore() });
 */
export function describeMessagingStore(name: string, harness: MessagingStoreHarness): void {
  describe(`MessagingStore conformance: ${name}`, () => {
    let store: MessagingStore;
    const clock = manualClock('2030-01-01T00:00:00.000Z');
    beforeEach(async () => {
      clock.set('2030-01-01T00:00:00.000Z');
      store = await harness.create();
    });
    afterAll(async () => {
      await harness.close?.();
    });

    const setup = (
      options: {
        fail?: Parameters<typeof memoryChannel>[0]['fail'];
        maxAttempts?: number;
        leaseMs?: number;
      } = {},
    ) => {
      const channel = memoryChannel({ kind: 'email', fail: options.fail, deduplicate: false });
      const audit = memoryAuditSink();
      const engine = createMessagingService({
        store,
        channels: [channel],
        audit,
        clock,
        random: () => 0.5,
        retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 1_000 },
        leaseMs: options.leaseMs ?? 30_000,
        batchChunkSize: 7,
      });
      return { engine, channel, audit };
    };
    const email = (key: string, to = 'ada@example.org') => ({
      idempotencyKey: key,
      channel: 'email' as const,
      to,
      content: { subject: 'Hello {{name}}', text: 'Dear {{name}}', html: '<p>Dear {{name}}</p>' },
      personalisation: { name: 'Ada & <Bob>' },
    });

    it('stores a message before any attempt and reads it back', async () => {
      const { engine, channel } = setup();
      const message = await engine.send(context, email('k1'));
      expect(channel.sent).toHaveLength(0);
      const stored = await engine.getMessage(context, message.id);
      expect(stored).toEqual(message);
      expect(stored).toMatchObject({ status: 'queued', attempts: 0, to: 'ada@example.org' });
      expect(stored.content.html).toBe('<p>Dear Ada &amp; &lt;Bob&gt;</p>');
      expect(stored.content.text).toBe('Dear Ada & <Bob>');
    });

    it('a repeated idempotency key returns the first message and never delivers twice', async () => {
      const { engine, channel, audit } = setup();
      const first = await engine.send(context, email('same'));
      await engine.processDue();
      const again = await engine.send(context, email('same'));
      expect(again.id).toBe(first.id);
      expect(again.status).toBe('delivered');
      await engine.processDue();
      expect(channel.sent).toHaveLength(1);
      expect(
        audit.events.filter((event) => event.action === 'messaging.message.queued'),
      ).toHaveLength(1);
      await expect(engine.send(context, email('same', 'other@example.org'))).rejects.toMatchObject({
        code: 'IDEMPOTENCY_KEY_MISMATCH',
      });
    });

    it('delivers, retries with backoff, and dead-letters with the last error', async () => {
      const { engine, audit } = setup({ fail: () => 'temporary', maxAttempts: 3 });
      const message = await engine.send(context, email('retry'));
      expect(await engine.processDue()).toMatchObject({ claimed: 1, retried: 1 });
      let stored = await engine.getMessage(context, message.id);
      expect(stored).toMatchObject({ status: 'queued', attempts: 1 });
      expect(stored.lastError).toMatchObject({
        code: 'CHANNEL_UNAVAILABLE',
        channel: 'memory-email',
      });
      // Equal jitter with random 0.5: 1,000 ms ceiling → 750 ms.
      expect(stored.nextAttemptAt).toBe('2030-01-01T00:00:00.750Z');
      expect(await engine.processDue()).toMatchObject({ claimed: 0 });
      clock.advance(750);
      expect(await engine.processDue()).toMatchObject({ claimed: 1, retried: 1 });
      stored = await engine.getMessage(context, message.id);
      expect(stored.nextAttemptAt).toBe('2030-01-01T00:00:02.250Z'); // 2,000 ms ceiling → 1,500 ms
      clock.advance(1_500);
      expect(await engine.processDue()).toMatchObject({ claimed: 1, deadLettered: 1 });
      stored = await engine.getMessage(context, message.id);
      expect(stored).toMatchObject({ status: 'dead-lettered', attempts: 3, nextAttemptAt: null });
      expect(stored.lastError?.code).toBe('CHANNEL_UNAVAILABLE');
      const actions = audit.events.map((event) => event.action);
      expect(actions).toEqual([
        'messaging.message.queued',
        'messaging.message.deferred',
        'messaging.message.deferred',
        'messaging.message.dead-lettered',
      ]);
      for (const event of audit.events) {
        expect(event.subject?.id).toMatch(/^hmac-sha256:[0-9a-f]{32}$/);
        expect(JSON.stringify(event)).not.toContain('ada@example.org');
      }
    });

    it('a permanent refusal fails at once', async () => {
      const { engine } = setup({ fail: () => 'permanent' });
      const message = await engine.send(context, email('perm'));
      expect(await engine.processDue()).toMatchObject({ failed: 1 });
      expect(await engine.getMessage(context, message.id)).toMatchObject({
        status: 'failed',
        attempts: 1,
        lastError: { code: 'CHANNEL_REJECTED' },
      });
    });

    it('concurrent claims never share a message', async () => {
      const { engine } = setup();
      for (let index = 0; index < 20; index++)
        await engine.send(context, email(`c${index}`, `p${index}@example.org`));
      const claims = await Promise.all(
        [1, 2, 3, 4].map(() => store.claim({ now: clock.now(), limit: 8, leaseMs: 10_000 })),
      );
      const ids = claims.flat().map((claim) => claim.message.id);
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
    });

    it('takes over a message whose worker died, and refuses the dead worker’s late finish', async () => {
      const { engine, channel } = setup({ leaseMs: 10_000 });
      const message = await engine.send(context, email('lease'));
      const [dead] = await store.claim({ now: clock.now(), limit: 1, leaseMs: 10_000 });
      expect(dead?.message.status).toBe('sending');
      expect(await engine.processDue()).toMatchObject({ claimed: 0 });
      clock.advance(10_001);
      expect(await engine.processDue()).toMatchObject({ claimed: 1, delivered: 1 });
      const late = await store.finish({
        id: message.id,
        claimToken: dead?.claimToken as string,
        outcome: {
          status: 'failed',
          at: clock.now(),
          error: { code: 'X', message: 'x', at: clock.now().toISOString() },
        },
      });
      expect(late).toBe(false);
      expect(await engine.getMessage(context, message.id)).toMatchObject({
        status: 'delivered',
        attempts: 2,
      });
      expect(channel.sent).toHaveLength(1);
    });

    it('queues a batch in chunks, holds it until complete, and counts statuses', async () => {
      const { engine, channel, audit } = setup();
      const recipients = function* () {
        for (let index = 0; index < 25; index++)
          yield { to: `r${index}@example.org`, personalisation: { name: `R${index}` } };
      };
      const receipt = await engine.sendBatch(
        context,
        { idempotencyKey: 'b1', channel: 'email', content: { subject: 'Hi', text: 'Hi {{name}}' } },
        recipients(),
      );
      expect(receipt.accepted).toBe(25);
      expect(await engine.getBatchStatus(context, receipt.batchId)).toMatchObject({
        total: 25,
        counts: { queued: 25 },
      });
      const repeat = await engine.sendBatch(
        context,
        { idempotencyKey: 'b1', channel: 'email', content: { subject: 'Hi', text: 'Hi {{name}}' } },
        recipients(),
      );
      expect(repeat).toEqual(receipt);
      while ((await engine.processDue({ limit: 10 })).claimed > 0);
      expect(channel.sent).toHaveLength(25);
      expect(new Set(channel.sent.map((message) => message.to)).size).toBe(25);
      expect(await engine.getBatchStatus(context, receipt.batchId)).toMatchObject({
        total: 25,
        counts: { delivered: 25, queued: 0 },
      });
      expect(
        audit.events.filter((event) => event.action === 'messaging.batch.queued'),
      ).toHaveLength(1);
    });

    it('an invalid recipient leaves nothing of the batch behind', async () => {
      const { engine, channel } = setup();
      const recipients: BatchRecipient[] = Array.from({ length: 20 }, (_, index) => ({
        to: `r${index}@example.org`,
        personalisation: index === 15 ? {} : ({ name: 'x' } as Record<string, string>),
      }));
      const attempt = engine.sendBatch(
        context,
        {
          idempotencyKey: 'bad',
          channel: 'email',
          content: { subject: 'Hi', text: 'Hi {{name}}' },
        },
        recipients,
      );
      await expect(attempt).rejects.toMatchObject({
        code: 'MISSING_PERSONALISATION',
        recipientIndex: 15,
      });
      expect(await engine.processDue({ limit: 50 })).toMatchObject({ claimed: 0 });
      expect(channel.sent).toHaveLength(0);
      expect(Object.values(await store.countByStatus()).reduce((a, b) => a + b, 0)).toBe(0);
      // The key is free again: a corrected batch goes through.
      recipients[15] = { to: 'r15@example.org', personalisation: { name: 'x' } };
      const receipt = await engine.sendBatch(
        context,
        {
          idempotencyKey: 'bad',
          channel: 'email',
          content: { subject: 'Hi', text: 'Hi {{name}}' },
        },
        recipients,
      );
      expect(receipt.accepted).toBe(20);
    });

    it('missing personalisation is a typed error before anything is stored', async () => {
      const { engine } = setup();
      await expect(
        engine.send(context, { ...email('m'), personalisation: {} }),
      ).rejects.toMatchObject({ code: 'MISSING_PERSONALISATION', missing: ['name'] });
      expect(Object.values(await store.countByStatus()).reduce((a, b) => a + b, 0)).toBe(0);
    });

    it('versions templates and renders a language', async () => {
      const { engine } = setup();
      const input = {
        id: 'approved',
        channel: 'email' as const,
        defaultLanguage: 'en',
        languages: {
          en: { subject: 'Approved', text: 'Hello {{name}}' },
          fr: { subject: 'Approuvé', text: 'Bonjour {{name}}' },
        },
      };
      const v1 = await engine.defineTemplate(context, input);
      expect(v1.version).toBe(1);
      expect((await engine.defineTemplate(context, input)).version).toBe(1);
      const v2 = await engine.defineTemplate(context, {
        ...input,
        languages: { ...input.languages, en: { subject: 'Approved!', text: 'Hi {{name}}' } },
      });
      expect(v2.version).toBe(2);
      expect(
        (await engine.getTemplate(context, { id: 'approved', version: 1 })).languages.en?.subject,
      ).toBe('Approved');
      const message = await engine.send(context, {
        idempotencyKey: 't',
        channel: 'email',
        to: 'a@example.org',
        template: { id: 'approved', version: 1, language: 'fr-CA' },
        personalisation: { name: 'Zoé' },
      });
      expect(message.template).toEqual({ id: 'approved', version: 1, language: 'fr' });
      expect(message.content).toEqual({ subject: 'Approuvé', text: 'Bonjour Zoé' });
      await expect(engine.getTemplate(context, { id: 'nope' })).rejects.toMatchObject({
        code: 'TEMPLATE_NOT_FOUND',
      });
    });

    it('queue mode: lists what the relay must publish, records publications, claims by id', async () => {
      const { engine } = setup({ fail: () => 'temporary' });
      const a = await engine.send(context, email('qa'));
      const b = await engine.send(context, email('qb'));
      clock.advance(1);
      const now = clock.now();
      const stale = new Date(now.getTime() - 60_000);
      expect(await store.pendingPublication({ now, staleBefore: stale, limit: 10 })).toEqual([
        { id: a.id, publications: 0 },
        { id: b.id, publications: 0 },
      ]);
      await store.markPublished(
        [
          { id: a.id, publications: 0 },
          { id: a.id, publications: 0 }, // a second relay recording the same publication
        ],
        now,
      );
      expect(await store.pendingPublication({ now, staleBefore: stale, limit: 10 })).toEqual([
        { id: b.id, publications: 0 },
      ]);
      // Claims by id: only those asked for, and never one held by a live claim.
      const claimed = await store.claimIds({ ids: [a.id], now, leaseMs: 30_000 });
      expect(
        claimed.map((item) => [item.message.id, item.message.status, item.message.attempts]),
      ).toEqual([[a.id, 'sending', 1]]);
      expect(await store.claimIds({ ids: [a.id], now, leaseMs: 30_000 })).toEqual([]);
      expect(await store.claimIds({ ids: ['unknown'], now, leaseMs: 30_000 })).toEqual([]);
      // A rate limit sent it back: unpublished, it is listed again once due.
      const at = clock.now();
      expect(
        await store.finish({
          id: a.id,
          claimToken: claimed[0]?.claimToken as string,
          outcome: { status: 'throttled', at, nextAttemptAt: new Date(at.getTime() + 1_000) },
        }),
      ).toBe(true);
      await store.unpublish(a.id);
      const listed = async () =>
        (
          await store.pendingPublication({
            now: clock.now(),
            staleBefore: new Date(clock.now().getTime() - 60_000),
            limit: 10,
          })
        ).map((item) => item.id);
      expect(await listed()).toEqual([b.id]);
      clock.advance(1_000);
      expect(
        await store.pendingPublication({ now: clock.now(), staleBefore: stale, limit: 10 }),
      ).toEqual([
        { id: b.id, publications: 0 },
        { id: a.id, publications: 1 },
      ]);
      // Published and then forgotten by the queue: listed again once due for the stale period.
      await store.markPublished(
        [
          { id: a.id, publications: 1 },
          { id: b.id, publications: 0 },
        ],
        clock.now(),
      );
      expect(await listed()).toEqual([]);
      clock.advance(60_001);
      expect(
        await store.pendingPublication({
          now: clock.now(),
          staleBefore: new Date(clock.now().getTime() - 60_000),
          limit: 10,
        }),
      ).toEqual([
        { id: b.id, publications: 1 },
        { id: a.id, publications: 2 },
      ]);
    });

    it('queue mode: messages of an unreleased batch are not published', async () => {
      const { engine } = setup();
      const recipients = async function* () {
        yield { to: 'a@example.org' };
        // The batch is still being written while the relay looks.
        expect(
          await store.pendingPublication({
            now: new Date(clock.now().getTime() + 1),
            staleBefore: new Date(0),
            limit: 10,
          }),
        ).toEqual([]);
        yield { to: 'b@example.org' };
      };
      await engine.sendBatch(
        context,
        { idempotencyKey: 'unreleased', channel: 'email', content: { subject: 's', text: 'x' } },
        recipients(),
      );
      expect(
        await store.pendingPublication({
          now: new Date(clock.now().getTime() + 1),
          staleBefore: new Date(0),
          limit: 10,
        }),
      ).toHaveLength(2);
    });
  });
}
