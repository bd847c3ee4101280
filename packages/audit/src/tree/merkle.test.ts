import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  appendLeaves,
  compactRangeKeys,
  compactRangeRoot,
  emptyCompactRange,
} from './compact-range.js';
import {
  consistencyProofRanges,
  type Hash,
  hashLeaf,
  hashRanges,
  inclusionProofRanges,
  type NodeKey,
  rootFromLeafHashes,
  verifyConsistency,
  verifyInclusion,
} from './merkle.js';

// An independent transcription of RFC 9162 §2.1 over raw leaf data (not leaf hashes), used to
// compute the expected answers: MTH, PATH and PROOF/SUBPROOF exactly as the RFC writes them.
const sha = (...parts: Uint8Array[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
const mth = (d: Uint8Array[]): Uint8Array => {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Uint8Array.of(0), d[0]!);
  const split = k(d.length);
  return sha(Uint8Array.of(1), mth(d.slice(0, split)), mth(d.slice(split)));
};
const path = (m: number, d: Uint8Array[]): Uint8Array[] => {
  if (d.length <= 1) return [];
  const split = k(d.length);
  return m < split
    ? [...path(m, d.slice(0, split)), mth(d.slice(split))]
    : [...path(m - split, d.slice(split)), mth(d.slice(0, split))];
};
const subproof = (m: number, d: Uint8Array[], b: boolean): Uint8Array[] => {
  const n = d.length;
  if (m === n) return b ? [] : [mth(d)];
  const split = k(n);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
};
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

// The eight leaves of the Certificate Transparency reference test data (RFC 6962 era).
const ctLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((value) => new Uint8Array(Buffer.from(value, 'hex')));
const ctRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const leavesOf = (n: number) =>
  Array.from({ length: n }, (_, index) => new Uint8Array(Buffer.from(`leaf ${index}`)));

/** A node reader over all leaf hashes, as a store would answer. */
const readerOver = (leafHashes: Hash[]) => (keys: readonly NodeKey[]) =>
  keys.map((key) =>
    rootFromLeafHashes(leafHashes, key.index * 2 ** key.level, (key.index + 1) * 2 ** key.level),
  );

async function inclusionProof(leafHashes: Hash[], index: number) {
  return hashRanges(inclusionProofRanges(index, leafHashes.length), readerOver(leafHashes));
}
async function consistencyProof(leafHashes: Hash[], first: number) {
  return hashRanges(consistencyProofRanges(first, leafHashes.length), readerOver(leafHashes));
}

describe('RFC 9162 tree hashes', () => {
  it('match the Certificate Transparency reference roots for sizes 0–8', () => {
    for (let size = 0; size <= 8; size++) {
      const data = ctLeaves.slice(0, size);
      expect(hex(mth(data))).toBe(ctRoots[size]);
      expect(hex(rootFromLeafHashes(data.map((leaf) => hashLeaf(leaf))))).toBe(ctRoots[size]);
    }
  });

  it('match the reference inclusion proof of leaf 0 in the 8-leaf tree', async () => {
    const proof = await inclusionProof(
      ctLeaves.map((leaf) => hashLeaf(leaf)),
      0,
    );
    expect(proof.map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('a compact range gives the same root as MTH at every size, and completes the right nodes', () => {
    const data = leavesOf(70);
    let range = emptyCompactRange();
    const nodes = new Map<string, string>();
    for (let size = 0; size <= data.length; size++) {
      expect(hex(compactRangeRoot(range))).toBe(hex(mth(data.slice(0, size))));
      expect(compactRangeKeys(size).length).toBe(range.hashes.length);
      if (size < data.length) {
        range = appendLeaves(range, [hashLeaf(data[size]!)], (node) =>
          nodes.set(`${node.level}:${node.index}`, hex(node.hash)),
        );
      }
    }
    // Every completed perfect subtree is exactly the MTH of its leaves.
    for (const [key, hash] of nodes) {
      const [level, index] = key.split(':').map(Number) as [number, number];
      expect(hash).toBe(hex(mth(data.slice(index * 2 ** level, (index + 1) * 2 ** level))));
    }
  });

  it('inclusion proofs equal the RFC PATH for every leaf of sizes 1–33, and sampled leaves of larger trees', async () => {
    for (const size of [
      ...Array.from({ length: 33 }, (_, index) => index + 1),
      63,
      64,
      65,
      100,
      127,
      255,
      257,
    ]) {
      const data = leavesOf(size);
      const leafHashes = data.map((leaf) => hashLeaf(leaf));
      const root = mth(data);
      // Every leaf of the small trees; both ends and a stride of the larger ones.
      const indexes =
        size <= 33
          ? [...Array(size).keys()]
          : [0, 1, size - 2, size - 1, ...[...Array(size).keys()].filter((n) => n % 17 === 5)];
      for (const index of indexes) {
        const proof = await inclusionProof(leafHashes, index);
        expect(proof.map(hex)).toEqual(path(index, data).map(hex));
        expect(verifyInclusion(leafHashes[index]!, index, size, proof, root)).toBe(true);
      }
    }
  });

  it('consistency proofs equal the RFC PROOF for every pair of sizes up to 33', async () => {
    for (let second = 1; second <= 33; second++) {
      const data = leavesOf(second);
      const leafHashes = data.map((leaf) => hashLeaf(leaf));
      for (let first = 1; first <= second; first++) {
        const proof = await consistencyProof(leafHashes, first);
        expect(proof.map(hex)).toEqual(subproof(first, data, true).map(hex));
        expect(verifyConsistency(first, second, proof, mth(data.slice(0, first)), mth(data))).toBe(
          true,
        );
      }
    }
  });

  it('size 0 and size 1 edge cases', () => {
    const empty = mth([]);
    const one = mth(leavesOf(1));
    expect(verifyInclusion(hashLeaf(leavesOf(1)[0]!), 0, 1, [], one)).toBe(true);
    expect(verifyInclusion(hashLeaf(leavesOf(1)[0]!), 0, 0, [], empty)).toBe(false);
    expect(verifyConsistency(0, 1, [], empty, one)).toBe(true);
    expect(verifyConsistency(0, 0, [], empty, empty)).toBe(true);
    expect(verifyConsistency(1, 1, [], one, one)).toBe(true);
    expect(verifyConsistency(1, 1, [], one, empty)).toBe(false);
    expect(() => inclusionProofRanges(0, 0)).toThrow(RangeError);
    expect(() => consistencyProofRanges(2, 1)).toThrow(RangeError);
  });
});

describe('proof properties', () => {
  const flip = (hash: Hash, bit: number) => {
    const copy = new Uint8Array(hash);
    copy[Math.floor(bit / 8) % 32]! ^= 1 << (bit % 8);
    return copy;
  };

  it('every inclusion proof verifies; any tampering fails', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 300 })
          .chain((size) =>
            fc.tuple(
              fc.constant(size),
              fc.nat(size - 1),
              fc.nat(size - 1),
              fc.nat(255),
              fc.nat(40),
            ),
          ),
        async ([size, index, otherIndex, bit, element]) => {
          const leafHashes = leavesOf(size).map((leaf) => hashLeaf(leaf));
          const root = rootFromLeafHashes(leafHashes);
          const proof = await inclusionProof(leafHashes, index);
          expect(verifyInclusion(leafHashes[index]!, index, size, proof, root)).toBe(true);
          // A different leaf, a changed leaf, a changed root, a changed or missing or extra element.
          if (otherIndex !== index)
            expect(verifyInclusion(leafHashes[otherIndex]!, index, size, proof, root)).toBe(false);
          expect(verifyInclusion(flip(leafHashes[index]!, bit), index, size, proof, root)).toBe(
            false,
          );
          expect(verifyInclusion(leafHashes[index]!, index, size, proof, flip(root, bit))).toBe(
            false,
          );
          if (proof.length > 0) {
            const position = element % proof.length;
            const changed = proof.map((hash, at) => (at === position ? flip(hash, bit) : hash));
            expect(verifyInclusion(leafHashes[index]!, index, size, changed, root)).toBe(false);
            expect(verifyInclusion(leafHashes[index]!, index, size, proof.slice(0, -1), root)).toBe(
              false,
            );
          }
          expect(verifyInclusion(leafHashes[index]!, index, size, [...proof, root], root)).toBe(
            false,
          );
          if (otherIndex !== index) {
            expect(verifyInclusion(leafHashes[index]!, otherIndex, size, proof, root)).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('every consistency proof verifies; tampering and forks fail', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 2, max: 300 })
          .chain((second) =>
            fc.tuple(
              fc.integer({ min: 1, max: second - 1 }),
              fc.constant(second),
              fc.nat(255),
              fc.nat(40),
              fc.nat(second - 1),
            ),
          ),
        async ([first, second, bit, element, forkAt]) => {
          const leafHashes = leavesOf(second).map((leaf) => hashLeaf(leaf));
          const firstRoot = rootFromLeafHashes(leafHashes, 0, first);
          const secondRoot = rootFromLeafHashes(leafHashes);
          const proof = await consistencyProof(leafHashes, first);
          expect(verifyConsistency(first, second, proof, firstRoot, secondRoot)).toBe(true);
          expect(verifyConsistency(first, second, proof, flip(firstRoot, bit), secondRoot)).toBe(
            false,
          );
          expect(verifyConsistency(first, second, proof, firstRoot, flip(secondRoot, bit))).toBe(
            false,
          );
          const position = element % proof.length;
          const changed = proof.map((hash, at) => (at === position ? flip(hash, bit) : hash));
          expect(verifyConsistency(first, second, changed, firstRoot, secondRoot)).toBe(false);
          // A fork: the second tree rewrote one leaf of the first. Its honest proof cannot link them.
          if (forkAt < first) {
            const forked = [...leafHashes];
            forked[forkAt] = flip(forked[forkAt]!, bit);
            const forkProof = await consistencyProof(forked, first);
            expect(
              verifyConsistency(first, second, forkProof, firstRoot, rootFromLeafHashes(forked)),
            ).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
