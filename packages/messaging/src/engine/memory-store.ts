import { randomUUID } from 'node:crypto';
import type {
  AttemptOutcome,
  ClaimedMessage,
  MessagingStore,
  NewMessage,
  StoredBatch,
  StoredTemplate,
} from '../ports.js';
import {
  type Message,
  type MessageStatus,
  messageStatuses,
  type StatusCounts,
} from '../schemas.js';

interface Row {
  message: Message;
  requestHash: string;
  claimToken: string | null;
  /** `message.nextAttemptAt` in ms (kept with it), for claims. */
  due: number | null;
  /** Queue mode: when the relay last published it (null: not since it was queued), and how often. */
  publishedAt: number | null;
  publications: number;
}

const copy = <T>(value: T): T => structuredClone(value);
const dueOf = (message: Message) =>
  message.nextAttemptAt === null ? null : Date.parse(message.nextAttemptAt);

/**
 * An in-process {@link MessagingStore} for tests, demos and single-process tools. Nothing
 * survives a restart: use the sql store (`@govblocks/messaging/sql`) for a durable outbox.
 */
export function memoryMessagingStore(): MessagingStore {
  const templates = new Map<string, StoredTemplate[]>();
  const messages = new Map<string, Row>();
  const byKey = new Map<string, string>();
  const batches = new Map<string, StoredBatch>();
  const batchByKey = new Map<string, string>();

  const emptyCounts = (): StatusCounts => ({
    queued: 0,
    deferred: 0,
    sending: 0,
    delivered: 0,
    failed: 0,
    'dead-lettered': 0,
  });

  const isDue = (row: Row, at: number) => {
    const { status, batchId } = row.message;
    if (status !== 'queued' && status !== 'sending') return false;
    if (row.due === null || row.due > at) return false;
    return batchId === null || batches.get(batchId)?.released === true;
  };
  /**
   * Up to `limit` due messages (queued, or sending with an ended lease) of released batches that
   * `accept` takes, soonest first: one pass keeping the `limit` soonest, so a claim costs
   * O(messages), not a sort of the whole outbox.
   */
  const dueRows = (
    at: number,
    limit: number,
    accept?: (row: Row) => boolean,
    rows: Iterable<Row> = messages.values(),
  ): Row[] => {
    const due: Row[] = [];
    if (limit < 1) return due;
    for (const row of rows) {
      const last = due[limit - 1];
      if (last && (row.due as number) >= (last.due as number)) continue;
      if (!isDue(row, at) || (accept && !accept(row))) continue;
      let index = due.length;
      while (index > 0 && ((due[index - 1] as Row).due as number) > (row.due as number)) index -= 1;
      due.splice(index, 0, row);
      if (due.length > limit) due.pop();
    }
    return due;
  };
  const take = (due: Row[], now: Date, limit: number, leaseMs: number): ClaimedMessage[] =>
    due.slice(0, limit).map((row): ClaimedMessage => {
      row.claimToken = randomUUID();
      row.message.status = 'sending';
      row.message.attempts += 1;
      row.message.nextAttemptAt = new Date(now.getTime() + leaseMs).toISOString();
      row.due = now.getTime() + leaseMs;
      row.message.updatedAt = now.toISOString();
      return { message: copy(row.message), claimToken: row.claimToken };
    });

  return {
    async insertTemplate(template) {
      const versions = templates.get(template.id) ?? [];
      if (versions.some((existing) => existing.version === template.version)) return false;
      versions.push(copy(template));
      versions.sort((a, b) => a.version - b.version);
      templates.set(template.id, versions);
      return true;
    },
    async getTemplate(id, version) {
      const versions = templates.get(id);
      if (!versions?.length) return undefined;
      const found =
        version === undefined ? versions.at(-1) : versions.find((item) => item.version === version);
      return found ? copy(found) : undefined;
    },

    async insertMessages(items: NewMessage[]) {
      return items.map(({ message, requestHash }) => {
        const existingId = byKey.get(message.idempotencyKey);
        const existing = existingId === undefined ? undefined : messages.get(existingId);
        if (existing)
          return {
            message: copy(existing.message),
            requestHash: existing.requestHash,
            inserted: false,
          };
        messages.set(message.id, {
          message: copy(message),
          requestHash,
          claimToken: null,
          due: dueOf(message),
          publishedAt: null,
          publications: 0,
        });
        byKey.set(message.idempotencyKey, message.id);
        return { message: copy(message), requestHash, inserted: true };
      });
    },
    async getMessage(id) {
      const row = messages.get(id);
      return row ? copy(row.message) : undefined;
    },

    async createBatch(batch) {
      const existingId = batchByKey.get(batch.idempotencyKey);
      const existing = existingId === undefined ? undefined : batches.get(existingId);
      if (existing) return { batch: { ...existing }, created: false };
      batches.set(batch.id, { ...batch });
      batchByKey.set(batch.idempotencyKey, batch.id);
      return { batch: { ...batch }, created: true };
    },
    async getBatch(id) {
      const batch = batches.get(id);
      return batch ? { ...batch } : undefined;
    },
    async releaseBatch(id, accepted) {
      const batch = batches.get(id);
      if (!batch) return;
      batch.accepted = accepted;
      batch.released = true;
    },
    async discardBatch(id) {
      const batch = batches.get(id);
      if (!batch || batch.released) return;
      for (const [messageId, row] of messages) {
        if (row.message.batchId === id) {
          messages.delete(messageId);
          byKey.delete(row.message.idempotencyKey);
        }
      }
      batches.delete(id);
      batchByKey.delete(batch.idempotencyKey);
    },
    async countBatch(id) {
      const counts = emptyCounts();
      for (const row of messages.values()) {
        if (row.message.batchId !== id) continue;
        const { status, attempts } = row.message;
        if (status === 'queued' && attempts > 0) counts.deferred += 1;
        else counts[status] += 1;
      }
      return counts;
    },

    async claim({ now, limit, leaseMs }) {
      return take(dueRows(now.getTime(), limit), now, limit, leaseMs);
    },
    async claimIds({ ids, now, leaseMs }) {
      const rows = [...new Set(ids)]
        .map((id) => messages.get(id))
        .filter((row): row is Row => row !== undefined);
      const claimable = dueRows(now.getTime(), rows.length, undefined, rows);
      return take(claimable, now, claimable.length, leaseMs);
    },
    async pendingPublication({ now, staleBefore, limit }) {
      const stale = staleBefore.getTime();
      return dueRows(
        now.getTime(),
        limit,
        (row) =>
          row.publishedAt === null || (row.publishedAt < stale && (row.due as number) <= stale),
      ).map((row) => ({ id: row.message.id, publications: row.publications }));
    },
    async markPublished(items, at) {
      for (const item of items) {
        const row = messages.get(item.id);
        if (!row || row.publications !== item.publications) continue;
        row.publications += 1;
        row.publishedAt = at.getTime();
      }
    },
    async unpublish(id) {
      const row = messages.get(id);
      if (row?.message.status === 'queued') row.publishedAt = null;
    },
    async finish({
      id,
      claimToken,
      outcome,
    }: {
      id: string;
      claimToken: string;
      outcome: AttemptOutcome;
    }) {
      const row = messages.get(id);
      if (!row || row.claimToken !== claimToken || row.message.status !== 'sending') return false;
      row.claimToken = null;
      applyOutcome(row.message, outcome);
      row.due = dueOf(row.message);
      return true;
    },
    async countByStatus() {
      const counts = Object.fromEntries(messageStatuses.map((status) => [status, 0])) as Record<
        MessageStatus,
        number
      >;
      for (const row of messages.values()) counts[row.message.status] += 1;
      return counts;
    },
  };
}

/** Applies an attempt's outcome to a message (shared with tests of other stores). */
export function applyOutcome(message: Message, outcome: AttemptOutcome): void {
  const at = outcome.at.toISOString();
  message.updatedAt = at;
  if (outcome.status === 'throttled') {
    message.status = 'queued';
    message.attempts = Math.max(0, message.attempts - 1);
    message.nextAttemptAt = outcome.nextAttemptAt.toISOString();
    return;
  }
  message.status = outcome.status;
  if (outcome.status === 'delivered') {
    message.deliveredBy = outcome.deliveredBy;
    message.providerMessageId = outcome.providerMessageId;
    message.deliveredAt = at;
    message.nextAttemptAt = null;
  } else if (outcome.status === 'queued') {
    message.lastError = outcome.error;
    message.nextAttemptAt = outcome.nextAttemptAt.toISOString();
  } else {
    message.lastError = outcome.error;
    message.nextAttemptAt = null;
  }
}
