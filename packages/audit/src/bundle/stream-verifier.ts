import { createHash } from 'node:crypto';
import {
  appendLeaves,
  type CompactRange,
  compactRangeRoot,
  emptyCompactRange,
} from '../tree/compact-range.js';
import { type Hash, hashesEqual } from '../tree/merkle.js';

/** Why verification failed, and where: `index` is the first failing entry, absent when no single entry is to blame. */
export interface VerificationFailure {
  ok: false;
  index?: number;
  reason: string;
}

export interface VerificationSuccess {
  ok: true;
  size: number;
  rootHash: Hash;
}

export type VerificationResult = VerificationSuccess | VerificationFailure;

const leafPrefix = Uint8Array.of(0);

/**
 * Recomputes a log's root from its entries as they stream past, in O(log n) memory (a compact
 * range): each entry must come with the next index and a leaf hash that matches its bytes.
 * Used for bundles and for auditing a store.
 */
export interface StreamVerifier {
  /** Feeds entry `index` (claimed) with its leaf bytes and claimed leaf hash. Returns a failure, or undefined. */
  push(
    index: number,
    leaf: Uint8Array | string,
    claimedHash: Hash,
  ): VerificationFailure | undefined;
  /** Checks the count and root against what was signed. */
  finish(expected: { size: number; rootHash: Hash }): VerificationResult;
  readonly count: number;
}

export function createStreamVerifier(): StreamVerifier {
  let range: CompactRange = emptyCompactRange();
  let pending: Hash[] = [];
  const flush = () => {
    if (pending.length > 0) {
      range = appendLeaves(range, pending);
      pending = [];
    }
  };
  let count = 0;
  return {
    get count() {
      return count;
    },
    push(index, leaf, claimedHash) {
      if (index !== count) {
        return {
          ok: false,
          index: count,
          reason:
            index < count
              ? `entry ${count} is missing its place: found index ${index} again (duplicated or reordered entry)`
              : `entry ${count} is missing: found index ${index} (deleted or reordered entry)`,
        };
      }
      const hash = createHash('sha256').update(leafPrefix).update(leaf).digest();
      if (!hashesEqual(hash, claimedHash)) {
        return {
          ok: false,
          index,
          reason: `entry ${index} does not match its leaf hash (changed entry)`,
        };
      }
      pending.push(hash);
      if (pending.length >= 1024) flush();
      count += 1;
      return undefined;
    },
    finish(expected) {
      flush();
      if (count < expected.size) {
        return {
          ok: false,
          index: count,
          reason: `truncated: ${count} entries where the checkpoint signs ${expected.size}`,
        };
      }
      if (count > expected.size) {
        return {
          ok: false,
          index: expected.size,
          reason: `${count - expected.size} entries beyond the signed size ${expected.size}`,
        };
      }
      const rootHash = compactRangeRoot(range);
      if (!hashesEqual(rootHash, expected.rootHash)) {
        return {
          ok: false,
          reason:
            'the entries hash to a different root than the signed checkpoint: an entry was rewritten together with its leaf hash, or entries were renumbered',
        };
      }
      return { ok: true, size: count, rootHash };
    },
  };
}
