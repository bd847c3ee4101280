import { createHash, hash } from 'node:crypto';
import { sha256Node } from './sha256-node.js';

/**
 * The Merkle tree of RFC 9162 (Certificate Transparency v2), §2.1, with SHA-256:
 * `MTH({}) = SHA-256()`, `MTH({d}) = SHA-256(0x00 ‖ d)`,
 * `MTH(D[n]) = SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))` with k the largest power of two < n.
 *
 * Everything here is pure and needs no store: auditors use the `verify*` functions with a
 * proof, a leaf and a signed tree head they obtained elsewhere.
 */

/** A 32-byte SHA-256 digest. */
export type Hash = Uint8Array;

const leafPrefix = new Uint8Array([0]);
const nodePrefix = new Uint8Array([1]);

/** `SHA-256(0x00 ‖ data)`: the hash of one leaf (RFC 9162 §2.1.1). */
export function hashLeaf(data: Uint8Array | string): Hash {
  // One-shot crypto.hash is markedly faster than createHash for small inputs; a string leaf
  // gets its 0x00 prefix as U+0000, which UTF-8 encodes as the single byte 0x00.
  if (typeof data === 'string') return hash('sha256', `\u0000${data}`, 'buffer');
  return createHash('sha256').update(leafPrefix).update(data).digest();
}

/** `SHA-256(0x01 ‖ left ‖ right)`: the hash of an interior node. */
export function hashChildren(left: Hash, right: Hash): Hash {
  if (left.length === 32 && right.length === 32) return sha256Node(left, right);
  return hash('sha256', Buffer.concat([nodePrefix, left, right]), 'buffer');
}

/** The root of the empty tree, `SHA-256()` of no bytes. */
export function emptyRoot(): Hash {
  return createHash('sha256').digest();
}

/** The largest power of two strictly less than `n` (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * MTH over leaf hashes, straight from the definition. O(n) memory: for tests, small trees and
 * known-answer vectors. Stores and bundle verifiers use {@link CompactRange} instead.
 */
export function rootFromLeafHashes(
  leafHashes: readonly Hash[],
  start = 0,
  end = leafHashes.length,
): Hash {
  const n = end - start;
  if (n === 0) return emptyRoot();
  if (n === 1) return leafHashes[start]!;
  const k = splitPoint(n);
  return hashChildren(
    rootFromLeafHashes(leafHashes, start, start + k),
    rootFromLeafHashes(leafHashes, start + k, end),
  );
}

/** A half-open range of leaf indexes `[start, end)` whose MTH is one proof element. */
export type LeafRange = readonly [start: number, end: number];

/**
 * The leaf ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size`
 * leaves, in proof order (RFC 9162 §2.1.3.1, `PATH(m, D[n])`: nearest the leaf first).
 */
export function inclusionProofRanges(index: number, size: number): LeafRange[] {
  assertIndex(index, size);
  const out: LeafRange[] = [];
  const walk = (m: number, offset: number, n: number) => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      walk(m, offset, k);
      out.push([offset + k, offset + n]);
    } else {
      walk(m - k, offset + k, n - k);
      out.push([offset, offset + k]);
    }
  };
  walk(index, 0, size);
  return out;
}

/**
 * The leaf ranges whose hashes form the consistency proof from a tree of `first` leaves to one
 * of `second` leaves (RFC 9162 §2.1.4.1, `PROOF(m, D[n])`). Empty when `first` is 0 or equals
 * `second`.
 */
export function consistencyProofRanges(first: number, second: number): LeafRange[] {
  if (
    !Number.isSafeInteger(first) ||
    !Number.isSafeInteger(second) ||
    first < 0 ||
    first > second
  ) {
    throw new RangeError(`consistency proof needs 0 ≤ first ≤ second (got ${first}, ${second})`);
  }
  const out: LeafRange[] = [];
  if (first === 0 || first === second) return out;
  const sub = (m: number, offset: number, n: number, complete: boolean) => {
    if (m === n) {
      if (!complete) out.push([offset, offset + n]);
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      sub(m, offset, k, complete);
      out.push([offset + k, offset + n]);
    } else {
      sub(m - k, offset + k, n - k, false);
      out.push([offset, offset + k]);
    }
  };
  sub(first, 0, second, true);
  return out;
}

/**
 * A perfect subtree: `2^level` leaves starting at leaf `index · 2^level`. Level 0 is a leaf hash.
 * Every subtree a proof needs is a perfect subtree or a right-ragged fold of a few of them.
 */
export interface NodeKey {
  level: number;
  index: number;
}

/**
 * Splits `[start, end)` into perfect subtrees, left to right, largest first. The ranges that
 * RFC 9162's proofs use always start at a multiple of their largest power-of-two part, so the
 * pieces are aligned and their number is at most log₂(end − start) + 1.
 */
export function perfectSubtrees(start: number, end: number): NodeKey[] {
  const keys: NodeKey[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    // Largest power of two that both fits in what is left and is aligned at `at`.
    while (at % (size * 2) === 0 && at + size * 2 <= end) size *= 2;
    keys.push({ level: Math.log2(size), index: at / size });
    at += size;
  }
  return keys;
}

/** MTH of a range from the hashes of its perfect subtrees (as {@link perfectSubtrees} lists them). */
export function foldRange(pieces: readonly Hash[]): Hash {
  if (pieces.length === 0) return emptyRoot();
  let hash = pieces[pieces.length - 1]!;
  for (let position = pieces.length - 2; position >= 0; position--)
    hash = hashChildren(pieces[position]!, hash);
  return hash;
}

/** Reads the hashes of perfect subtrees, in the order asked. Stores implement it. */
export type NodeReader = (keys: readonly NodeKey[]) => Promise<Hash[]> | Hash[];

/**
 * Hashes of the given ranges, reading every perfect subtree they need in one call to `read`
 * (one round trip for a SQL store): O(log n) nodes for a proof at any size.
 */
export async function hashRanges(ranges: readonly LeafRange[], read: NodeReader): Promise<Hash[]> {
  const pieces = ranges.map(([start, end]) => perfectSubtrees(start, end));
  const unique = new Map<string, NodeKey>();
  for (const keys of pieces) for (const key of keys) unique.set(`${key.level}:${key.index}`, key);
  const wanted = [...unique.values()];
  const hashes = await read(wanted);
  const byKey = new Map<string, Hash>();
  for (const [position, key] of wanted.entries())
    byKey.set(`${key.level}:${key.index}`, hashes[position]!);
  return pieces.map((keys) =>
    foldRange(keys.map((key) => byKey.get(`${key.level}:${key.index}`)!)),
  );
}

function assertIndex(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is not in a tree of ${size} leaves`);
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let position = 0; position < a.length; position++) difference |= a[position]! ^ b[position]!;
  return difference === 0;
}

/** Constant-time equality of two hashes. */
export function hashesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return equal(a, b);
}

/**
 * Verifies an inclusion proof by RFC 9162 §2.1.3.2: that the leaf with hash `leafHash` is at
 * `index` in the tree of `size` leaves whose root is `root`. Returns false (never throws) for
 * any malformed or wrong proof.
 */
export function verifyInclusion(
  leafHash: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== 32) return false;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equal(r, root);
}

/**
 * Verifies a consistency proof by RFC 9162 §2.1.4.2: that the tree of `first` leaves with root
 * `firstRoot` is a prefix of the tree of `second` leaves with root `secondRoot`. Equal sizes need
 * an empty proof and equal roots; size 0 is consistent with anything (empty proof). Returns
 * false (never throws) for any malformed or wrong proof.
 */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Hash[],
  firstRoot: Hash,
  secondRoot: Hash,
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (first === 0) {
    return (
      proof.length === 0 &&
      equal(firstRoot, emptyRoot()) &&
      (second > 0 || equal(secondRoot, firstRoot))
    );
  }
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  if (proof.length === 0 || proof.some((hash) => hash.length !== 32)) return false;
  const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return equal(fr, firstRoot) && equal(sr, secondRoot) && sn === 0;
}
