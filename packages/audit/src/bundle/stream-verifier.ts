import { type CompletedNode, compactRangeRoot } from '../tree/compact-range.js';
import { type Hash, hashChildren, hashesEqual, hashLeaf } from '../tree/merkle.js';

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
  /** As {@link StreamVerifier.push}, for a caller that hashed the leaf and compared it with the claimed hash itself. */
  pushHashed(index: number, leafHash: Hash, matchesClaim: boolean): VerificationFailure | undefined;
  /** Checks the count and root against what was signed. */
  finish(expected: { size: number; rootHash: Hash }): VerificationResult;
  readonly count: number;
}

export function createStreamVerifier(
  options: {
    /** Called with every interior node (level ≥ 1) the stream completes, e.g. to compare with stored ones. */
    onNode?: (node: CompletedNode) => void;
  } = {},
): StreamVerifier {
  // The right edge of the tree so far (perfect subtree hashes, largest first), merged in place.
  const stack: Hash[] = [];
  let count = 0;
  const add = (leafHash: Hash) => {
    let hash = leafHash;
    let level = 0;
    for (let bits = count; bits % 2 === 1; bits = Math.floor(bits / 2)) {
      hash = hashChildren(stack.pop()!, hash);
      level += 1;
      options.onNode?.({ level, index: Math.floor(count / 2 ** level), hash });
    }

    stack.push(hash);
    count += 1;
  };
  const verifier: StreamVerifier = {
    get count() {
      return count;
    },
    push(index, leaf, claimedHash) {
      const leafHash = hashLeaf(leaf);
      return verifier.pushHashed(index, leafHash, hashesEqual(leafHash, claimedHash));
    },
    pushHashed(index, leafHash, matchesClaim) {
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
      if (!matchesClaim)
        return {
          ok: false,
          index,
          reason: `entry ${index} does not match its leaf hash (changed entry)`,
        };
      add(leafHash);
      return undefined;
    },
    finish(expected) {
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
      const rootHash = compactRangeRoot({ size: count, hashes: stack });
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
  return verifier;
}
