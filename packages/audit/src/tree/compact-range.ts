import { emptyRoot, type Hash, hashChildren, type NodeKey } from './merkle.js';

/**
 * The right edge of a Merkle tree: the hashes of the perfect subtrees that make up its leaves
 * `[0, size)`, largest first — at most log₂(size) + 1 hashes. Appending a leaf merges equal
 * subtrees like a binary counter; the root is their right fold. Stores keep it in their head
 * so an append never reads old nodes; bundle verification streams through it in O(log n) memory.
 */
export interface CompactRange {
  readonly size: number;
  /** Perfect subtree hashes, largest (leftmost) first. */
  readonly hashes: readonly Hash[];
}

/** A node completed by an append: a perfect subtree that is now final. */
export interface CompletedNode extends NodeKey {
  hash: Hash;
}

/** The compact range of the empty tree. */
export function emptyCompactRange(): CompactRange {
  return { size: 0, hashes: [] };
}

/**
 * Appends leaf hashes. Returns the new range and every perfect subtree that became complete,
 * leaves (level 0) included, so a store can persist them for O(log n) proofs.
 */
export function appendLeaves(
  range: CompactRange,
  leafHashes: readonly Hash[],
  onNode?: (node: CompletedNode) => void,
): CompactRange {
  const hashes = [...range.hashes];
  let size = range.size;
  for (const leafHash of leafHashes) {
    let hash = leafHash;
    let level = 0;
    let index = size;
    onNode?.({ level, index, hash });
    // Each trailing one bit of `size` is a finished subtree of that level to merge with.
    let bits = size;
    while (bits % 2 === 1) {
      hash = hashChildren(hashes.pop()!, hash);
      level += 1;
      index = Math.floor(index / 2);
      onNode?.({ level, index, hash });
      bits = Math.floor(bits / 2);
    }
    hashes.push(hash);
    size += 1;
  }
  return { size, hashes };
}

/** The root hash of the tree the range describes (RFC 9162 MTH). */
export function compactRangeRoot(range: CompactRange): Hash {
  if (range.hashes.length === 0) return emptyRoot();
  let hash = range.hashes[range.hashes.length - 1]!;
  for (let position = range.hashes.length - 2; position >= 0; position--) {
    hash = hashChildren(range.hashes[position]!, hash);
  }
  return hash;
}

/** The node keys of the perfect subtrees in a compact range of `size` leaves, largest first. */
export function compactRangeKeys(size: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let start = 0;
  for (let level = Math.floor(Math.log2(Math.max(size, 1))); level >= 0; level--) {
    const width = 2 ** level;
    if (Math.floor(size / width) % 2 === 1) {
      keys.push({ level, index: start / width });
      start += width;
    }
  }
  return keys;
}
