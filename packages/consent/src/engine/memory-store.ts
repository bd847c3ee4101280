import { ConflictError } from '@govblocks/core';
import { concurrentUpdate, recordExists } from '../errors.js';
import type { ConsentRecord, Page, Revision, Signature } from '../schemas.js';
import type {
  CheckCandidate,
  ConsentObjects,
  ConsentStore,
  ConsentStoreSession,
  ObjectFilter,
  ObjectKind,
  OutboxMessage,
  RecordFilter,
  StorePage,
} from '../store.js';

const clone = <T>(value: T): T => structuredClone(value);

function paged<T>(items: T[], page: StorePage): Page<T> {
  return {
    items: items.slice(page.offset, page.offset + page.limit),
    offset: page.offset,
    limit: page.limit,
    total: items.length,
  };
}

/**
 * A {@link ConsentStore} in process memory: for tests and throw-away demos. Transactions are
 * serialised and rolled back with an undo log, so it honours the same atomicity as the SQL store.
 * Objects are copied in and out (callers never share references with the store). Reads outside
 * a transaction are not isolated from one in progress (they may see its writes before it
 * commits or rolls back) — one more reason it is not for production.
 */
export function memoryConsentStore(): ConsentStore {
  const objects: { [K in ObjectKind]: Map<string, ConsentObjects[K]> } = {
    Policy: new Map(),
    DataAgreement: new Map(),
    Individual: new Map(),
    Webhook: new Map(),
  };
  const records = new Map<string, ConsentRecord>();
  // (individual, agreement) → record ids: the hot path of check() must not scan every record.
  const recordIndex = new Map<string, readonly string[]>();
  const pairKey = (individualId: string, dataAgreementId: string) =>
    `${individualId}\u0000${dataAgreementId}`;
  const revisions = new Map<string, Revision>();
  const revisionIndex = new Map<string, string[]>(); // `${schema}/${objectId}` → ids in number order
  const signatures = new Map<string, { signature: Signature; consentRecordId: string }>();
  const outbox = new Map<string, OutboxMessage>();

  let undo: Array<() => void> | null = null;
  const remember = <K, V>(map: Map<K, V>, key: K) => {
    if (!undo) return;
    const had = map.has(key);
    const previous = map.get(key);
    undo.push(() => {
      if (had) map.set(key, previous as V);
      else map.delete(key);
    });
  };
  const set = <K, V>(map: Map<K, V>, key: K, value: V) => {
    remember(map, key);
    map.set(key, value);
  };
  const remove = <K, V>(map: Map<K, V>, key: K) => {
    remember(map, key);
    map.delete(key);
  };

  const matches = (kind: ObjectKind, object: Record<string, unknown>, filter: ObjectFilter) => {
    if (kind === 'DataAgreement') {
      const published = object.active === true && object.lifecycle === 'complete';
      if (filter.active !== undefined && filter.active !== published) return false;
      if (filter.purpose !== undefined && object.purpose !== filter.purpose) return false;
      if (filter.policyId !== undefined && object.policyId !== filter.policyId) return false;
    }
    if (
      kind === 'Individual' &&
      filter.externalId !== undefined &&
      object.externalId !== filter.externalId
    )
      return false;
    return true;
  };

  const newestFirst = (a: ConsentRecord, b: ConsentRecord) =>
    a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;

  const filteredRecords = (filter: RecordFilter) => {
    let list = [...records.values()].filter(
      (item) =>
        (filter.individualId === undefined || item.individualId === filter.individualId) &&
        (filter.dataAgreementId === undefined || item.dataAgreementId === filter.dataAgreementId),
    );
    list.sort(newestFirst);
    if (filter.currentOnly) {
      const seen = new Set<string>();
      list = list.filter((item) => {
        const key = `${item.individualId}/${item.dataAgreementId}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    }
    if (filter.optIn !== undefined) list = list.filter((item) => item.optIn === filter.optIn);
    return list;
  };

  const session: ConsentStoreSession = {
    async getObject(kind, id) {
      const found = objects[kind].get(id);
      return found ? clone(found) : null;
    },
    async insertObject(kind, object) {
      const map = objects[kind] as Map<string, typeof object>;
      if (map.has(object.id))
        throw new ConflictError(`[consent/memory] ${kind} ${object.id} exists`);
      set(map, object.id, clone(object));
    },
    async replaceObject(kind, object, expectedRevisionNumber) {
      const map = objects[kind] as Map<string, typeof object>;
      const current = map.get(object.id);
      if (!current || current.revisionNumber !== expectedRevisionNumber) return false;
      set(map, object.id, clone(object));
      return true;
    },
    async deleteObject(kind, id, expectedRevisionNumber) {
      const map = objects[kind] as Map<string, { revisionNumber: number }>;
      const current = map.get(id);
      if (!current || current.revisionNumber !== expectedRevisionNumber) return false;
      remove(map, id);
      return true;
    },
    async listObjects(kind, filter, page) {
      const list = [...objects[kind].values()]
        .filter((object) => matches(kind, object as unknown as Record<string, unknown>, filter))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      return clone(paged(list, page)) as Page<ConsentObjects[typeof kind]>;
    },

    async getRecord(id) {
      const found = records.get(id);
      return found ? clone(found) : null;
    },
    async insertRecord(record) {
      if (records.has(record.id)) throw new ConflictError('[consent/memory] record exists');
      for (const other of records.values()) {
        if (
          other.individualId === record.individualId &&
          other.dataAgreementRevisionId === record.dataAgreementRevisionId
        ) {
          throw recordExists();
        }
      }
      set(records, record.id, clone(record));
      const key = pairKey(record.individualId, record.dataAgreementId);
      set(recordIndex, key, [...(recordIndex.get(key) ?? []), record.id]);
    },
    async replaceRecord(record, expectedRevisionNumber) {
      const current = records.get(record.id);
      if (!current || current.revisionNumber !== expectedRevisionNumber) return false;
      set(records, record.id, clone(record));
      return true;
    },
    async listRecords(filter, page) {
      return clone(paged(filteredRecords(filter), page));
    },
    async deleteRecords(ids) {
      for (const id of ids) {
        const found = records.get(id);
        if (!found) continue;
        const key = pairKey(found.individualId, found.dataAgreementId);
        set(
          recordIndex,
          key,
          (recordIndex.get(key) ?? []).filter((other) => other !== id),
        );
        remove(records, id);
      }
    },
    async checkCandidates(individualId, target) {
      const agreements =
        'dataAgreementId' in target
          ? [objects.DataAgreement.get(target.dataAgreementId)].filter(
              (agreement) => agreement !== undefined,
            )
          : [...objects.DataAgreement.values()].filter(
              (agreement) => agreement.purpose === target.purpose,
            );
      const candidates: CheckCandidate[] = [];
      for (const agreement of agreements) {
        let latest: ConsentRecord | null = null;
        for (const id of recordIndex.get(pairKey(individualId, agreement.id)) ?? []) {
          const item = records.get(id) as ConsentRecord;
          if (!latest || newestFirst(item, latest) < 0) latest = item;
        }
        candidates.push({ agreement: clone(agreement), record: latest ? clone(latest) : null });
      }
      return candidates;
    },

    async insertRevision(revision) {
      const key = `${revision.schemaName}/${revision.objectId}`;
      const list = revisionIndex.get(key) ?? [];
      if (list.length !== revision.number - 1) {
        throw concurrentUpdate(`${revision.schemaName} history`);
      }
      set(revisions, revision.id, clone(revision));
      set(revisionIndex, key, [...list, revision.id]);
    },
    async setRevisionSuccessor(revisionId, successorId) {
      const found = revisions.get(revisionId);
      if (found) set(revisions, revisionId, { ...found, successorId });
    },
    async getRevision(id) {
      const found = revisions.get(id);
      return found ? clone(found) : null;
    },
    async listRevisions(schemaName, objectId, page, order, range) {
      const list = (revisionIndex.get(`${schemaName}/${objectId}`) ?? [])
        .map((id) => revisions.get(id) as Revision)
        .filter(
          (revision) =>
            (range?.since === undefined || revision.timestamp >= range.since) &&
            (range?.until === undefined || revision.timestamp < range.until),
        );
      if (order === 'desc') list.reverse();
      return clone(paged(list, page));
    },
    async deleteRevisions(schemaName, objectIds) {
      for (const objectId of objectIds) {
        const key = `${schemaName}/${objectId}`;
        for (const id of revisionIndex.get(key) ?? []) remove(revisions, id);
        remove(revisionIndex, key);
      }
    },

    async insertSignature(signature, consentRecordId) {
      set(signatures, signature.id, { signature: clone(signature), consentRecordId });
    },
    async getSignature(id) {
      const found = signatures.get(id);
      return found ? clone(found.signature) : null;
    },
    async deleteSignaturesOfRecords(consentRecordIds) {
      const doomed = new Set(consentRecordIds);
      for (const [id, entry] of signatures)
        if (doomed.has(entry.consentRecordId)) remove(signatures, id);
    },

    async enqueueOutbox(messages) {
      for (const message of messages) set(outbox, message.id, clone(message));
    },
    async deleteOutboxOfWebhook(webhookId) {
      for (const [id, message] of outbox)
        if (message.webhookId === webhookId && !message.deliveredAt) remove(outbox, id);
    },
  };

  let queue: Promise<unknown> = Promise.resolve();

  return {
    name: 'memory',
    ...session,
    transaction<T>(fn: (tx: ConsentStoreSession) => Promise<T>): Promise<T> {
      const run = async () => {
        undo = [];
        try {
          const result = await fn(session);
          undo = null;
          return result;
        } catch (error) {
          const steps = undo ?? [];
          undo = null;
          for (const step of steps.reverse()) step();
          throw error;
        }
      };
      const next = queue.then(run, run);
      queue = next.catch(() => undefined);
      return next;
    },
    async claimOutbox(now, limit, leaseMs) {
      const due = [...outbox.values()]
        .filter(
          (message) => message.deliveredAt === null && message.nextAttemptAt <= now.toISOString(),
        )
        .sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : 1))
        .slice(0, limit);
      const leased = new Date(now.getTime() + leaseMs).toISOString();
      for (const message of due) message.nextAttemptAt = leased;
      return clone(due);
    },
    async settleOutbox(id, result) {
      const message = outbox.get(id);
      if (!message) return;
      if (result.delivered) {
        message.deliveredAt = result.at;
        message.attempts += 1;
      } else {
        message.attempts += 1;
        message.lastError = result.error.slice(0, 512);
        message.nextAttemptAt = result.giveUp ? '9999-12-31T23:59:59.999Z' : result.nextAttemptAt;
      }
    },
    async listOutbox(page) {
      return clone(
        paged(
          [...outbox.values()].sort((a, b) => (a.id < b.id ? -1 : 1)),
          page,
        ),
      );
    },
  };
}
