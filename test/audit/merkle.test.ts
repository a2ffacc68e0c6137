/**
 * The RFC 6962 Merkle tree and its proof verifiers: the reference vectors certificate
 * transparency uses (transparency-dev/merkle testonly/constants.go and proof/verify_test.go,
 * eight leaves), then properties over every size up to 70: each proof the tree makes verifies,
 * and every forgery — a flipped bit, a wrong sibling, size or index, a proof cut short or
 * padded — is refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createMerkleTree,
  EMPTY_ROOT,
  leafHash,
  nodeHash,
  verifyConsistency,
  verifyInclusion,
  type MerkleTree,
} from '../../src/audit/merkle.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
/** Root for each size 0..8. */
const ROOTS = [
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
/** [leaf index (0-based), tree size, audit path]. */
const INCLUSION: readonly [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [0, 1, []],
];
/** [from, to, proof]. */
const CONSISTENCY: readonly [number, number, string[]][] = [
  [1, 1, []],
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

function referenceTree(): MerkleTree {
  const tree = createMerkleTree();
  for (const leaf of LEAVES) tree.append(leafHash(leaf));
  return tree;
}

describe('RFC 6962 reference vectors', () => {
  it('gives the published root at every size 0..8', () => {
    const tree = referenceTree();
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
    for (let size = 0; size <= LEAVES.length; size++)
      expect(hex(tree.root(size)), `size ${size}`).toBe(ROOTS[size]);
  });

  it('makes the published inclusion proofs, and they verify', () => {
    const tree = referenceTree();
    for (const [index, size, path] of INCLUSION) {
      expect(tree.inclusionProof(index, size).map(hex), `leaf ${index} of ${size}`).toEqual(path);
      expect(
        verifyInclusion(
          BigInt(index),
          BigInt(size),
          leafHash(LEAVES[index]!),
          path.map(unhex),
          unhex(ROOTS[size]!),
        ),
      ).toBe(true);
    }
  });

  it('makes the published consistency proofs, and they verify', () => {
    const tree = referenceTree();
    for (const [from, to, proof] of CONSISTENCY) {
      expect(tree.consistencyProof(from, to).map(hex), `${from} → ${to}`).toEqual(proof);
      expect(
        verifyConsistency(
          BigInt(from),
          BigInt(to),
          unhex(ROOTS[from]!),
          unhex(ROOTS[to]!),
          proof.map(unhex),
        ),
      ).toBe(true);
    }
  });

  it('refuses sizes and indexes outside the tree rather than inventing a proof', () => {
    const tree = referenceTree();
    expect(() => tree.root(9)).toThrow(RangeError);
    expect(() => tree.inclusionProof(8, 8)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, 0)).toThrow(RangeError);
    expect(() => tree.consistencyProof(0, 8)).toThrow(RangeError);
    expect(() => tree.consistencyProof(5, 4)).toThrow(RangeError);
    expect(() => tree.consistencyProof(1, 9)).toThrow(RangeError);
  });
});

const MAX_SIZE = 70;
const flipBit = (b: Uint8Array, byte: number, bit: number) => {
  const copy = Buffer.from(b);
  copy[byte] = copy[byte]! ^ (1 << bit);
  return copy;
};

/** A tree of `MAX_SIZE` distinct leaves, shared by the properties. */
const big = (() => {
  const leaves = Array.from({ length: MAX_SIZE }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
  const tree = createMerkleTree();
  for (const leaf of leaves) tree.append(leaf);
  return { leaves, tree };
})();

/** A naive MTH straight from the RFC's definition, to check the incremental tree against. */
function naiveRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return nodeHash(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)));
}

describe('properties for every size up to 70', () => {
  it('the incremental root equals the RFC definition at every size', () => {
    for (let size = 0; size <= MAX_SIZE; size++)
      expect(hex(big.tree.root(size))).toBe(hex(naiveRoot(big.leaves.slice(0, size))));
  });

  it('every inclusion proof verifies, for every leaf of every size', () => {
    for (let size = 1; size <= MAX_SIZE; size++) {
      const root = big.tree.root(size);
      for (let index = 0; index < size; index++) {
        expect(
          verifyInclusion(
            BigInt(index),
            BigInt(size),
            big.leaves[index]!,
            big.tree.inclusionProof(index, size),
            root,
          ),
          `${index}/${size}`,
        ).toBe(true);
      }
    }
  });

  it('every consistency proof verifies, for every 1 ≤ m ≤ n ≤ 70', () => {
    for (let to = 1; to <= MAX_SIZE; to++) {
      for (let from = 1; from <= to; from++) {
        expect(
          verifyConsistency(
            BigInt(from),
            BigInt(to),
            big.tree.root(from),
            big.tree.root(to),
            big.tree.consistencyProof(from, to),
          ),
          `${from}→${to}`,
        ).toBe(true);
      }
    }
  });

  const inclusionCase = fc
    .integer({ min: 1, max: MAX_SIZE })
    .chain((size) =>
      fc.record({ size: fc.constant(size), index: fc.integer({ min: 0, max: size - 1 }) }),
    );

  it('an inclusion proof with a flipped bit (in a sibling, the leaf or the root) is refused', () => {
    fc.assert(
      fc.property(
        inclusionCase,
        fc.nat(),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        ({ size, index }, which, byte, bit) => {
          const proof = big.tree.inclusionProof(index, size);
          const root = big.tree.root(size);
          const leaf = big.leaves[index]!;
          const target = which % (proof.length + 2);
          const forged = proof.map((p, i) => (i === target ? flipBit(p, byte, bit) : p));
          const forgedLeaf = target === proof.length ? flipBit(leaf, byte, bit) : leaf;
          const forgedRoot = target === proof.length + 1 ? flipBit(root, byte, bit) : root;
          expect(verifyInclusion(BigInt(index), BigInt(size), forgedLeaf, forged, forgedRoot)).toBe(
            false,
          );
        },
      ),
    );
  });

  it('an inclusion proof is refused with a wrong sibling, index or size, or cut short or padded', () => {
    fc.assert(
      fc.property(
        inclusionCase,
        fc.integer({ min: 1, max: MAX_SIZE }),
        fc.integer({ min: 0, max: MAX_SIZE }),
        ({ size, index }, otherSize, otherIndex) => {
          const proof = big.tree.inclusionProof(index, size);
          const root = big.tree.root(size);
          const leaf = big.leaves[index]!;
          const i = BigInt(index);
          const n = BigInt(size);
          if (proof.length > 0) {
            // A sibling taken from elsewhere in the tree (another leaf's hash).
            const wrong = proof.map((p, k) =>
              k === 0
                ? big.leaves[(index + 1) % MAX_SIZE]!.equals(p)
                  ? big.leaves[(index + 2) % MAX_SIZE]!
                  : big.leaves[(index + 1) % MAX_SIZE]!
                : p,
            );
            expect(verifyInclusion(i, n, leaf, wrong, root)).toBe(false);
            expect(verifyInclusion(i, n, leaf, proof.slice(0, -1), root)).toBe(false);
          }
          expect(verifyInclusion(i, n, leaf, [...proof, root], root)).toBe(false);
          expect(verifyInclusion(i, n, leaf, [root, ...proof], root)).toBe(false);
          if (otherIndex !== index)
            expect(verifyInclusion(BigInt(otherIndex), n, leaf, proof, root)).toBe(false);
          // A proof checked against another size's real root (a checkpoint of another size) fails,
          // unless it is, hash for hash, that size's own proof too.
          if (otherSize !== size) {
            const genuine =
              index < otherSize &&
              hex(Buffer.concat(big.tree.inclusionProof(index, otherSize))) ===
                hex(Buffer.concat(proof));
            expect(
              verifyInclusion(
                i,
                BigInt(otherSize),
                leaf,
                proof,
                big.tree.root(Math.min(otherSize, MAX_SIZE)),
              ),
            ).toBe(genuine);
          }
        },
      ),
    );
  });

  const consistencyCase = fc
    .integer({ min: 2, max: MAX_SIZE })
    .chain((to) => fc.record({ to: fc.constant(to), from: fc.integer({ min: 1, max: to - 1 }) }));

  it('a consistency proof with a flipped bit (in the proof or either root) is refused', () => {
    fc.assert(
      fc.property(
        consistencyCase,
        fc.nat(),
        fc.integer({ min: 0, max: 31 }),
        fc.integer({ min: 0, max: 7 }),
        ({ from, to }, which, byte, bit) => {
          const proof = big.tree.consistencyProof(from, to);
          const fromRoot = big.tree.root(from);
          const toRoot = big.tree.root(to);
          const target = which % (proof.length + 2);
          const forged = proof.map((p, i) => (i === target ? flipBit(p, byte, bit) : p));
          const forgedFrom = target === proof.length ? flipBit(fromRoot, byte, bit) : fromRoot;
          const forgedTo = target === proof.length + 1 ? flipBit(toRoot, byte, bit) : toRoot;
          expect(verifyConsistency(BigInt(from), BigInt(to), forgedFrom, forgedTo, forged)).toBe(
            false,
          );
        },
      ),
    );
  });

  it('a consistency proof is refused with wrong sizes, swapped roots, or cut short or padded', () => {
    fc.assert(
      // Other sizes stay inside the tree: a size needs its real root to be a fair forgery.
      fc.property(
        consistencyCase,
        fc.integer({ min: 1, max: MAX_SIZE }),
        ({ from, to }, otherSize) => {
          const proof = big.tree.consistencyProof(from, to);
          const fromRoot = big.tree.root(from);
          const toRoot = big.tree.root(to);
          const m = BigInt(from);
          const n = BigInt(to);
          expect(verifyConsistency(m, n, toRoot, fromRoot, proof)).toBe(false);
          expect(verifyConsistency(m, n, fromRoot, toRoot, [])).toBe(false);
          expect(verifyConsistency(m, n, fromRoot, toRoot, proof.slice(0, -1))).toBe(false);
          expect(verifyConsistency(m, n, fromRoot, toRoot, [...proof, toRoot])).toBe(false);
          expect(verifyConsistency(m, n, fromRoot, toRoot, [fromRoot, ...proof])).toBe(false);
          // Another size, with that size's real root (as an auditor's checkpoint would give it):
          // refused unless the proof is, hash for hash, the proof for those sizes too.
          const sameProof = (f: number, t: number) =>
            f >= 1 &&
            f <= t &&
            hex(Buffer.concat(big.tree.consistencyProof(f, t))) === hex(Buffer.concat(proof));
          const rootOf = (size: number) => big.tree.root(size);
          if (otherSize !== from)
            expect(verifyConsistency(BigInt(otherSize), n, rootOf(otherSize), toRoot, proof)).toBe(
              sameProof(otherSize, to),
            );
          if (otherSize !== to)
            expect(
              verifyConsistency(m, BigInt(otherSize), fromRoot, rootOf(otherSize), proof),
            ).toBe(sameProof(from, otherSize));
          // Backwards in time is never consistent.
          expect(verifyConsistency(n, m, toRoot, fromRoot, proof)).toBe(false);
        },
      ),
    );
  });
});

describe('a large tree', () => {
  // Past the storage's first growth (1,024 hashes a row) many times over: every level grows.
  const LARGE_SIZE = 50_000;

  it('answers roots and proofs at any earlier size, and they verify, after the rows have grown', () => {
    const leaves = Array.from({ length: LARGE_SIZE }, (_, i) =>
      leafHash(Buffer.from(`large ${i}`)),
    );
    const tree = createMerkleTree();
    for (const leaf of leaves) tree.append(leaf);
    expect(hex(tree.root(2_000))).toBe(hex(naiveRoot(leaves.slice(0, 2_000))));
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: LARGE_SIZE })
          .chain((size) =>
            fc.tuple(
              fc.constant(size),
              fc.integer({ min: 0, max: size - 1 }),
              fc.integer({ min: 1, max: size }),
            ),
          ),
        ([size, index, from]) => {
          const root = tree.root(size);
          expect(
            verifyInclusion(
              BigInt(index),
              BigInt(size),
              leaves[index]!,
              tree.inclusionProof(index, size),
              root,
            ),
          ).toBe(true);
          expect(
            verifyConsistency(
              BigInt(from),
              BigInt(size),
              tree.root(from),
              root,
              tree.consistencyProof(from, size),
            ),
          ).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
