import type { AuditEvent, AuditQuery } from './schemas.js';
import type { Hash, NodeKey } from './tree/merkle.js';

/** The state of the log at one size: RFC 9162's tree head, unsigned. */
export interface TreeHead {
  /** Number of leaves. */
  size: number;
  /** MTH of the first `size` leaves (SHA-256 of nothing for the empty log). */
  rootHash: Hash;
}

/** What a store keeps of one leaf. */
export interface StoredLeaf {
  /** Position in the log, from 0, contiguous. */
  index: number;
  /** The canonical JSON (RFC 8785) text of the {@link AuditEvent}: the leaf data, byte for byte. */
  leaf: string;
  /** `SHA-256(0x00 ‖ utf8(leaf))`. */
  leafHash: Hash;
}

/** The queryable columns of a leaf, extracted once by the log before it reaches the store. */
export interface LeafFields {
  id: string;
  time: string;
  block: string;
  action: string;
  actorId: string;
  subjectPseudonym?: string;
  outcome: string;
}

/** A leaf ready to be sequenced: everything but its index. */
export interface PreparedLeaf {
  leaf: string;
  leafHash: Hash;
  fields: LeafFields;
}

/** One page of query results, in log order. */
export interface StoredLeafPage {
  leaves: StoredLeaf[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/**
 * The storage port of the audit log (`audit-store/v1`). A store sequences leaves, keeps the
 * perfect-subtree hashes that make proofs O(log n) reads, and answers indexed queries. It does no
 * hashing of events and no signing: the {@link AuditLog} engine does that, the same for every
 * store. Implementations: `memoryAuditStore()` and `sqlAuditStore()` (`@govblocks/audit/sql`);
 * every implementation must pass `describeAuditStoreConformance` (`@govblocks/audit/testing`).
 */
export interface AuditStore {
  readonly specificationVersion: 'audit-store/v1';
  /** Short name used in error messages (`memory`, `sql`). */
  readonly name: string;

  /**
   * Appends `leaves` after the current end of the log, atomically and in order: either all get
   * the next contiguous indexes, or none is written. Several callers (and, for a shared
   * database, several processes) may call concurrently; the store serialises them — one
   * sequencer — so the log never forks and never has a gap.
   *
   * Returns the index given to the first leaf and the tree head right after this batch.
   * Not idempotent (a retried call appends again). Throws `UNAVAILABLE` when storage fails; then
   * nothing of the batch was written.
   */
  append(leaves: readonly PreparedLeaf[]): Promise<{ first: number; head: TreeHead }>;

  /** The current tree head. */
  head(): Promise<TreeHead>;

  /**
   * Hashes of perfect subtrees (level 0 = leaf hashes), in the order asked, in one read.
   * Every key must lie inside the current tree; throws `AUDIT_INDEX_OUT_OF_RANGE` otherwise.
   */
  nodes(keys: readonly NodeKey[]): Promise<Hash[]>;

  /** Leaves `[from, to)` in index order (fewer when the log is shorter). */
  leaves(from: number, to: number): Promise<StoredLeaf[]>;

  /** Leaves matching the query, in index order, paged (`limit`, `cursor`). Uses indexes, not scans. */
  query(
    query: Required<Pick<AuditQuery, 'limit'>> & Omit<AuditQuery, 'limit'>,
  ): Promise<StoredLeafPage>;
}

/** Where an appended event landed. */
export interface AuditReceipt {
  index: number;
  id: string;
  leafHash: Hash;
}

/** RFC 9162 §2.1.3 inclusion proof. */
export interface InclusionProof {
  index: number;
  size: number;
  leafHash: Hash;
  /** Sibling hashes, nearest the leaf first. */
  path: Hash[];
}

/** RFC 9162 §2.1.4 consistency proof. */
export interface ConsistencyProof {
  first: number;
  second: number;
  path: Hash[];
}

/** One entry of the log with its decoded event. */
export interface AuditEntry extends StoredLeaf {
  event: AuditEvent;
}

/** A page of {@link AuditLog.query}. */
export interface AuditPage {
  entries: AuditEntry[];
  next?: string;
}

/**
 * The tamper-evident audit log (`audit/v1`): an append-only RFC 9162 Merkle tree of
 * {@link AuditEvent}s, with signed checkpoints and proofs anyone can check offline with the
 * standalone verifiers (`verifyInclusion`, `verifyConsistency`, `verifyCheckpoint`).
 *
 * Engines do not call this directly: they write through core's `AuditSink`, which
 * `createAuditSink({ log, … })` implements (pseudonymising subjects and sealing personal data).
 * Appending to the log is not itself audited — the log is the audit.
 */
export interface AuditLog {
  readonly specificationVersion: 'audit/v1';
  /** The checkpoint origin line, e.g. `gov.example/audit`. */
  readonly origin: string;

  /**
   * Appends one event (validated against `auditEventSchema`; `VALIDATION_FAILED` otherwise).
   * Concurrent calls in the same tick are committed together in one store transaction (group
   * commit); each resolves with its own index once its batch is durable. Not idempotent.
   * Throws `UNAVAILABLE` when the store fails (the event was not appended).
   */
  append(event: AuditEvent): Promise<AuditReceipt>;

  /** The current tree head. */
  head(): Promise<TreeHead>;

  /**
   * The current (or given-size) tree head as a signed checkpoint (C2SP tlog-checkpoint signed
   * note) with the log's signer. `CONFIGURATION_ERROR` when the log has no signer;
   * `AUDIT_INDEX_OUT_OF_RANGE` for a size beyond the log.
   */
  checkpoint(size?: number): Promise<string>;

  /**
   * Inclusion proof of leaf `index` in the tree of `size` leaves (default: current size).
   * O(log n) node reads. `AUDIT_INDEX_OUT_OF_RANGE` unless 0 ≤ index < size ≤ current size.
   */
  inclusionProof(index: number, size?: number): Promise<InclusionProof>;

  /**
   * Consistency proof between sizes `first` ≤ `second` (default: current size).
   * `AUDIT_INDEX_OUT_OF_RANGE` for sizes beyond the log.
   */
  consistencyProof(first: number, second?: number): Promise<ConsistencyProof>;

  /** The root hash of the tree of `size` leaves (≤ current), computed from stored nodes. */
  rootAt(size: number): Promise<Hash>;

  /** One entry. `AUDIT_INDEX_OUT_OF_RANGE` when there is none. */
  entry(index: number): Promise<AuditEntry>;

  /** Leaves `[from, to)` as stored, for export and audits. */
  leaves(from: number, to: number): Promise<StoredLeaf[]>;

  /** Entries by subject pseudonym, actor, action, block and time range, in log order, paged. */
  query(query: AuditQuery): Promise<AuditPage>;

  /** Commits whatever is queued and waits for it. */
  flush(): Promise<void>;
}
