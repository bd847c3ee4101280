import type { AuditEventInput, AuditSink, Clock } from '@govblocks/core';
import { LeaseLostError } from '../errors.js';
import type { Lease, PaymentStore } from '../ports.js';
import type { Totals } from '../schemas.js';
import { createPassQueue } from './pass-queue.js';

/** A payment-status notification. Carries the payee's functional id: it is for delivery, not logs. */
export type PaymentEvent =
  | {
      type: 'payment.instruction.paid' | 'payment.instruction.failed';
      batchId: string;
      instructionId: string;
      payeeFunctionalId: string;
      amount: { amount: number; currency: string };
      rail: string;
      railReference?: string;
      reason?: string;
      at: string;
    }
  | { type: 'payment.batch.completed'; batchId: string; paid: Totals; failed: Totals; at: string };

/**
 * A payment-status event from the durable outbox. `eventId` is stable across redeliveries
 * (`<batchId>/<instructionId>/<state>`, `<batchId>/completed`): drop an id you already handled.
 */
export type PaymentStatusEvent = PaymentEvent & { eventId: string };

/** Handles one status event; resolving acknowledges it, throwing leaves it (and what follows) for redelivery. */
export type PaymentStatusHandler = (event: PaymentStatusEvent) => void | Promise<void>;

/**
 * Handles the events one transaction committed (in order; for consumers that write in bulk);
 * resolving acknowledges them all, throwing leaves them all for redelivery.
 */
export type PaymentStatusBatchHandler = (
  events: readonly PaymentStatusEvent[],
) => void | Promise<void>;

/** Options of a drain. */
export interface DrainOptions {
  /** Stop after about this many events (a batch handler gets whole batches). */
  limit?: number;
  /** Wait this long for the delivery lease while another consumer holds it. Default 0. */
  waitMs?: number;
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /** Polls for events committed by other processes this often. Default 1,000 ms. */
  pollIntervalMs?: number;
  /** Receives handler errors; the events are retried at the next poll. */
  onError?: (error: unknown) => void;
}

/**
 * The payment-status events of the engine (receipts for the messaging block or any consumer),
 * from the transactional outbox: an instruction's `paid`/`failed` event is committed in the same
 * transaction as the state change, so a crash can delay an event but never lose it.
 *
 * Delivery is at least once and in order (so in order per instruction): an event is
 * acknowledged when its handler resolves; a handler that throws, or a process that dies before
 * the acknowledgement, gets the event again. One consumer delivers at a time across every
 * process sharing the store (a lease with fencing decides which); events wait in the store until
 * acknowledged.
 */
export interface PaymentStatusEvents {
  /**
   * Delivers every waiting event (up to `limit`) to `handler`, one at a time, in order. Returns
   * how many were delivered and acknowledged; 0 when another consumer holds the delivery lease.
   * Re-throws the handler's error after acknowledging the events before it.
   */
  drain(handler: PaymentStatusHandler, options?: DrainOptions): Promise<number>;
  /** Like {@link drain}, one call per group of events committed together. */
  drainBatches(handler: PaymentStatusBatchHandler, options?: DrainOptions): Promise<number>;
  /**
   * Delivers continuously: at once after each change this engine commits, and every
   * `pollIntervalMs` for events committed by other processes. Returns the function that stops
   * it (resolves when the current delivery has ended).
   */
  subscribe(handler: PaymentStatusHandler, options?: SubscribeOptions): () => Promise<void>;
  /** Like {@link subscribe}, one call per group of events committed together. */
  subscribeBatches(
    handler: PaymentStatusBatchHandler,
    options?: SubscribeOptions,
  ): () => Promise<void>;
  /** How many events wait to be delivered. */
  backlog(): Promise<number>;
}

const sleep = (milliseconds: number) =>
  new Promise<void>((resolve) => setTimeout(resolve, milliseconds));

/** A lease this process holds: renewed in the background until released. */
export interface HeldLease {
  readonly lease: Lease;
  /** True once a renewal found the lease taken over (fenced writes then fail). */
  readonly lost: boolean;
  release(): Promise<void>;
}

/** Takes leases on a store and keeps them alive (renewal every third of the time to live). */
export function createLeaseKeeper(store: PaymentStore, clock: Clock, ttlMs: number) {
  return {
    ttlMs,
    /** Takes `name` for `holder`; waits up to `waitMs` while another holds it. */
    async acquire(name: string, holder: string, waitMs = 0): Promise<HeldLease | undefined> {
      const deadline = Date.now() + waitMs;
      let lease = await store.acquireLease(name, holder, ttlMs, clock.now());
      while (!lease && Date.now() < deadline) {
        await sleep(Math.max(5, Math.min(ttlMs / 4, 250, deadline - Date.now())));
        lease = await store.acquireLease(name, holder, ttlMs, clock.now());
      }
      if (!lease) return undefined;
      const taken = lease;
      let lost = false;
      let renewing: Promise<unknown> = Promise.resolve();
      const timer = setInterval(
        () => {
          renewing = store
            .renewLease(taken, ttlMs, clock.now())
            .then((renewed) => {
              if (!renewed) lost = true;
            })
            .catch(() => {
              // a failed renewal is retried at the next tick; fenced writes stay safe
            });
        },
        Math.max(1, Math.floor(ttlMs / 3)),
      );
      timer.unref?.();
      return {
        lease: taken,
        get lost() {
          return lost;
        },
        async release() {
          clearInterval(timer);
          await renewing;
          await store.releaseLease(taken).catch(() => {
            // it expires on its own
          });
        },
      };
    },
  };
}

export type LeaseKeeper = ReturnType<typeof createLeaseKeeper>;

/** Lease names of the outbox consumers (one relay/consumer per store at a time). */
const auditRelayLease = 'payments:outbox:audit';
const statusConsumerLease = 'payments:outbox:status';
const readEntries = 16;

/**
 * Forwards the audit events of the outbox to the `AuditSink`, oldest first, then acknowledges
 * them. At least once: a crash between the forwarding and the acknowledgement forwards again,
 * with the same `details.eventId`. Never runs inside a store transaction.
 */
export function createAuditRelay(options: {
  store: PaymentStore;
  audit: AuditSink;
  leases: LeaseKeeper;
  holder: string;
}) {
  const { store, audit, leases, holder } = options;
  const enqueue = createPassQueue<number>();

  const pass = async (waitMs: number): Promise<number> => {
    // Most passes find nothing: look before taking the lease (two writes).
    if (await store.outboxBacklog('audit').then((count) => count === 0)) return 0;
    const held = await leases.acquire(auditRelayLease, holder, waitMs);
    if (!held) return 0;
    let forwarded = 0;
    try {
      for (;;) {
        const entries = await store.readOutbox('audit', readEntries);
        if (entries.length === 0) break;
        for (const entry of entries) {
          const events = entry.events.slice(entry.acknowledged);
          await Promise.all(events.map((event) => audit.record(event.payload as AuditEventInput)));
          forwarded += events.length;
        }
        if (held.lost) throw new LeaseLostError(auditRelayLease);
        await store.acknowledgeOutbox(
          'audit',
          entries.map((entry) => ({ position: entry.position, acknowledged: entry.events.length })),
          held.lease,
        );
      }
    } finally {
      await held.release();
    }
    return forwarded;
  };

  return {
    /**
     * Forwards until the outbox has no audit event left; one pass at a time in this process.
     * With `waitMs`, waits that long for another process's relay lease (it may have died).
     */
    flush(waitMs = 0): Promise<number> {
      return enqueue(() => pass(waitMs), waitMs === 0);
    },
  };
}

export type AuditRelay = ReturnType<typeof createAuditRelay>;

/** The {@link PaymentStatusEvents} over a store's outbox. */
export function createStatusEvents(options: {
  store: PaymentStore;
  leases: LeaseKeeper;
  holder: string;
}): PaymentStatusEvents & { notify(): void } {
  const { store, leases, holder } = options;
  const wakers = new Set<() => void>();

  /**
   * Delivers entries in order under the consumer lease. `deliver` hands events to the handler
   * and reports how many it handled (also when it throws: `handled.count`), which are then
   * acknowledged.
   */
  const run = async (
    deliver: (events: PaymentStatusEvent[], handled: { count: number }) => Promise<void>,
    drainOptions: DrainOptions,
  ): Promise<number> => {
    const limit = drainOptions.limit ?? Number.POSITIVE_INFINITY;
    if ((await store.outboxBacklog('status')) === 0) return 0;
    const held = await leases.acquire(statusConsumerLease, holder, drainOptions.waitMs ?? 0);
    if (!held) return 0;
    let delivered = 0;
    try {
      while (delivered < limit) {
        const entries = await store.readOutbox('status', readEntries);
        if (entries.length === 0) break;
        for (const entry of entries) {
          if (held.lost) throw new LeaseLostError(statusConsumerLease);
          const events = entry.events
            .slice(entry.acknowledged, entry.acknowledged + limit - delivered)
            .map((event) => ({ ...(event.payload as PaymentEvent), eventId: event.id }));
          const handled = { count: 0 };
          try {
            await deliver(events, handled);
          } finally {
            if (handled.count > 0) {
              await store.acknowledgeOutbox(
                'status',
                [{ position: entry.position, acknowledged: entry.acknowledged + handled.count }],
                held.lease,
              );
              delivered += handled.count;
            }
          }
          if (delivered >= limit) break;
        }
      }
    } finally {
      await held.release();
    }
    return delivered;
  };

  const drain: PaymentStatusEvents['drain'] = (handler, drainOptions = {}) =>
    run(async (events, handled) => {
      for (const event of events) {
        await handler(event);
        handled.count += 1;
      }
    }, drainOptions);
  const drainBatches: PaymentStatusEvents['drainBatches'] = (handler, drainOptions = {}) =>
    run(async (events, handled) => {
      await handler(events);
      handled.count = events.length;
    }, drainOptions);

  const subscribeWith = (once: () => Promise<number>, subscribeOptions: SubscribeOptions) => {
    const pollIntervalMs = subscribeOptions.pollIntervalMs ?? 1000;
    let stopped = false;
    let wake: (() => void) | undefined;
    let pending = false;
    const waker = () => {
      pending = true;
      wake?.();
    };
    wakers.add(waker);
    const loop = (async () => {
      while (!stopped) {
        pending = false;
        let failed = false;
        try {
          await once();
        } catch (error) {
          failed = true;
          subscribeOptions.onError?.(error);
        }
        if (stopped || (pending && !failed)) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollIntervalMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
    })();
    return async () => {
      stopped = true;
      wakers.delete(waker);
      wake?.();
      await loop;
    };
  };

  return {
    drain,
    drainBatches,
    subscribe: (handler, subscribeOptions = {}) =>
      subscribeWith(() => drain(handler), subscribeOptions),
    subscribeBatches: (handler, subscribeOptions = {}) =>
      subscribeWith(() => drainBatches(handler), subscribeOptions),
    backlog: () => store.outboxBacklog('status'),
    notify() {
      for (const waker of wakers) waker();
    },
  };
}
