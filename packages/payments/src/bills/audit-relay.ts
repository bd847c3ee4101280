import type { AuditSink } from '@govblocks/core';
import { createPassQueue } from '../engine/pass-queue.js';
import type { BillPaymentStore } from './ports.js';

/**
 * Forwards the audit events of the bill store's outbox to the `AuditSink`, oldest first, then
 * removes them from the outbox. At least once: a crash (or a failing removal) between the
 * forwarding and the removal forwards an event again, with the same `details.eventId`; so does
 * a second process relaying the same store at the same moment (there is no relay lease). Never
 * runs inside a store transaction. A sink that throws stops the pass: the events before it are
 * removed, it and the rest stay for the next pass, and the sink's error is re-thrown.
 *
 * (The disbursement engine's `createAuditRelay` is bound to the `PaymentStore` and its leases;
 * the bill store has neither, hence this small relay.)
 */
export function createBillAuditRelay(options: {
  store: Pick<BillPaymentStore, 'readAuditOutbox' | 'acknowledgeAuditOutbox'>;
  audit: AuditSink;
  /** Events read per round trip. Default 32. */
  batchSize?: number;
}) {
  const { store, audit } = options;
  const batchSize = options.batchSize ?? 32;
  const enqueue = createPassQueue<number>();

  const pass = async (): Promise<number> => {
    let forwarded = 0;
    for (;;) {
      const entries = await store.readAuditOutbox(batchSize);
      if (entries.length === 0) return forwarded;
      const done: number[] = [];
      try {
        for (const entry of entries) {
          await audit.record(entry.event);
          done.push(entry.position);
        }
      } finally {
        if (done.length > 0) await store.acknowledgeAuditOutbox(done);
        forwarded += done.length;
      }
    }
  };

  return {
    /**
     * Forwards until the outbox is empty; returns how many events it forwarded. One pass at a
     * time in this process: a call while one is queued shares it.
     */
    flush(): Promise<number> {
      return enqueue(pass);
    },
  };
}

export type BillAuditRelay = ReturnType<typeof createBillAuditRelay>;
