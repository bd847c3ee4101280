import { ConfigurationError, parse } from '@govblocks/core';
import { canonicalize } from '../canonical.js';
import { signCheckpoint } from '../checkpoint/checkpoint.js';
import type { NoteSigner } from '../checkpoint/keys.js';
import { AuditError } from '../errors.js';
import type {
  AuditEntry,
  AuditLog,
  AuditPage,
  AuditReceipt,
  AuditStore,
  ConsistencyProof,
  InclusionProof,
  PreparedLeaf,
  StoredLeaf,
  TreeHead,
} from '../ports.js';
import { type AuditEvent, auditEventSchema, auditQuerySchema } from '../schemas.js';
import {
  consistencyProofRanges,
  type Hash,
  hashLeaf,
  hashRanges,
  inclusionProofRanges,
  type LeafRange,
} from '../tree/merkle.js';

export interface AuditLogOptions {
  store: AuditStore;
  /** The checkpoint origin: a unique, schema-less URL-like name of this log (`gov.example/audit`). */
  origin: string;
  /** Signs checkpoints. Without one, {@link AuditLog.checkpoint} throws `CONFIGURATION_ERROR`. */
  signer?: NoteSigner;
  /** Most leaves committed in one store transaction. Default 2,000. */
  maxBatch?: number;
}

/** The canonical leaf of an event and its queryable fields. */
export function prepareLeaf(event: AuditEvent): PreparedLeaf {
  const leaf = canonicalize(event);
  return {
    leaf,
    leafHash: hashLeaf(leaf),
    fields: {
      id: event.id,
      time: event.time,
      block: event.block,
      action: event.action,
      actorId: event.actor.id,
      subjectPseudonym: event.subject?.pseudonym,
      outcome: event.outcome,
    },
  };
}

function decode(stored: StoredLeaf): AuditEntry {
  return { ...stored, event: JSON.parse(stored.leaf) as AuditEvent };
}

const outOfRange = (what: string) =>
  new AuditError('AUDIT_INDEX_OUT_OF_RANGE', `[audit/log] ${what}`);

/**
 * Creates the audit log engine over a store. Appends made in the same tick (and those arriving
 * while a batch is being committed) are group-committed: one store transaction per batch.
 *
 * @example
 * const log = createAuditLog({ store: memoryAuditStore(), origin: 'gov.example/audit', signer });
 * const { index } = await log.append(event);
 * const proof = await log.inclusionProof(index);
 */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { store } = options;
  if (store?.specificationVersion !== 'audit-store/v1') {
    throw new ConfigurationError('[audit/log] store must implement audit-store/v1');
  }
  if (!options.origin || /\s/.test(options.origin))
    throw new ConfigurationError('[audit/log] origin must be a non-empty name without spaces');
  const maxBatch = options.maxBatch ?? 2_000;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) {
    throw new ConfigurationError('[audit/log] maxBatch must be a positive integer');
  }

  interface Pending {
    prepared: PreparedLeaf;
    resolve: (receipt: AuditReceipt) => void;
    reject: (error: unknown) => void;
  }
  let queue: Pending[] = [];
  let draining: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const { first } = await store.append(batch.map((pending) => pending.prepared));
        for (const [offset, pending] of batch.entries()) {
          pending.resolve({
            index: first + offset,
            id: pending.prepared.fields.id,
            leafHash: pending.prepared.leafHash,
          });
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    draining = undefined;
  }

  async function readRanges(ranges: LeafRange[]): Promise<Hash[]> {
    return hashRanges(ranges, (keys) => store.nodes(keys));
  }

  async function checkSize(size: number | undefined): Promise<TreeHead & { requested: number }> {
    const head = await store.head();
    const requested = size ?? head.size;
    if (!Number.isSafeInteger(requested) || requested < 0 || requested > head.size) {
      throw outOfRange(`tree size ${requested} is beyond the log (size ${head.size})`);
    }
    return { ...head, requested };
  }

  const log: AuditLog = {
    specificationVersion: 'audit/v1',
    origin: options.origin,

    append(event) {
      let prepared: PreparedLeaf;
      try {
        prepared = prepareLeaf(parse(auditEventSchema, event));
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<AuditReceipt>((resolve, reject) => {
        queue.push({ prepared, resolve, reject });
        // Start a drain on the next microtask, so every append of this tick joins the batch.
        draining ??= Promise.resolve().then(drain);
      });
    },

    head: () => store.head(),

    async checkpoint(size) {
      if (!options.signer)
        throw new ConfigurationError(
          '[audit/log] this log has no signer: pass `signer` to createAuditLog',
        );
      const head = await checkSize(size);
      const rootHash =
        head.requested === head.size ? head.rootHash : await log.rootAt(head.requested);
      return signCheckpoint(options.origin, { size: head.requested, rootHash }, options.signer);
    },

    async inclusionProof(index, size) {
      // With an explicit size (an auditor proving against a checkpoint) the head is not read:
      // the nodes of a tree of that size exist exactly when the log has reached it (the leaf
      // `size − 1` is in the last range), so a missing node is AUDIT_INDEX_OUT_OF_RANGE. One read.
      const requested = size ?? (await store.head()).size;
      if (!Number.isSafeInteger(requested) || requested < 0)
        throw outOfRange(`tree size ${size} is not a size`);
      if (!Number.isSafeInteger(index) || index < 0 || index >= requested) {
        throw outOfRange(`leaf ${index} is not in a tree of ${requested} leaves`);
      }
      const hashes = await readRanges([
        [index, index + 1],
        ...inclusionProofRanges(index, requested),
      ]);
      return {
        index,
        size: requested,
        leafHash: hashes[0]!,
        path: hashes.slice(1),
      } satisfies InclusionProof;
    },

    async consistencyProof(first, second) {
      const head = await checkSize(second);
      if (!Number.isSafeInteger(first) || first < 0 || first > head.requested) {
        throw outOfRange(`first size ${first} is not within ${head.requested}`);
      }
      const path = await readRanges(consistencyProofRanges(first, head.requested));
      return { first, second: head.requested, path } satisfies ConsistencyProof;
    },

    async rootAt(size) {
      const head = await checkSize(size);
      if (head.requested === head.size) return head.rootHash;
      const [root] = await readRanges([[0, head.requested]]);
      return root!;
    },

    async entry(index) {
      if (!Number.isSafeInteger(index) || index < 0) throw outOfRange(`no entry ${index}`);
      const [stored] = await store.leaves(index, index + 1);
      if (!stored) throw outOfRange(`no entry ${index}`);
      return decode(stored);
    },

    leaves: (from, to) => store.leaves(from, to),

    async query(query) {
      const parsed = parse(auditQuerySchema, query);
      const page = await store.query(parsed);
      const result: AuditPage = { entries: page.leaves.map(decode) };
      if (page.next !== undefined) result.next = page.next;
      return result;
    },

    async flush() {
      while (draining) await draining;
    },
  };
  return log;
}
