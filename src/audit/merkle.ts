/**
 * An RFC 6962 (Certificate Transparency) Merkle tree, with the proofs of RFC 6962 §2.1 and
 * their verification exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 specify. Pure: no I/O.
 *
 * leaf hash = SHA-256(0x00 ‖ leaf data), node hash = SHA-256(0x01 ‖ left ‖ right); the tree
 * of n leaves splits at the largest power of two below n, so a tree that grows only appends
 * and every earlier root stays provable from a later one (a consistency proof).
 *
 * Written here rather than taken from npm: the maintained packages either verify inclusion
 * only (@sigstore/verify), hash differently from RFC 6962 (merkletreejs), or rebuild the tree
 * from every entry for each proof (@transmute/rfc9162); the ledger needs both proofs, at any
 * earlier size, in O(log² n) from a tree it appends to as the log grows.
 */
import { createHash, hash as sha256 } from 'node:crypto';

export const HASH_BYTES = 32;
/** How the checkpoint, proofs and `potledger verify` name this scheme. */
export const MERKLE_ALGORITHM = 'RFC6962-SHA256';

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

// One-shot hashes over one buffer (prefix ‖ input): a Hash object per call costs more than the
// SHA-256 itself for inputs this small, and verify hashes about two nodes per event.
export function leafHash(leafData: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + leafData.length);
  input[0] = LEAF_PREFIX[0]!;
  input.set(leafData, 1);
  return sha256('sha256', input, 'buffer') as unknown as Buffer;
}

/** leafHash of the UTF-8 bytes of `leafText`, without a Buffer of its own for the text. */
export function leafHashOfText(leafText: string): Buffer {
  const input = Buffer.allocUnsafe(1 + Buffer.byteLength(leafText, 'utf8'));
  input[0] = LEAF_PREFIX[0]!;
  input.write(leafText, 1, 'utf8');
  return sha256('sha256', input, 'buffer') as unknown as Buffer;
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  const input = Buffer.allocUnsafe(1 + left.length + right.length);
  input[0] = NODE_PREFIX[0]!;
  input.set(left, 1);
  input.set(right, 1 + left.length);
  return sha256('sha256', input, 'buffer') as unknown as Buffer;
}

/** The root of the empty tree: SHA-256 of nothing (RFC 6962 §2.1). */
export const EMPTY_ROOT = createHash('sha256').digest();

/** The largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** h when n = 2^h, else null (plain arithmetic: JS bit operators stop at 32 bits). */
function powerOfTwoExponent(n: number): number | null {
  let h = 0;
  for (let k = 1; k < n; k *= 2) h++;
  return 2 ** h === n ? h : null;
}

/** Hashes stored back to back in one growing buffer: a Buffer object per hash would cost ~3× the hash itself. */
const INITIAL_ROW_CAPACITY_HASHES = 1_024;

interface HashRow {
  readonly length: number;
  push(hash: Uint8Array): void;
  /** A view of hash i (no copy); stored hashes never change, so a view stays right after the row grows. */
  at(i: number): Buffer;
  /** A view of every hash stored so far, back to back (no copy). */
  used(): Buffer;
}

/** A row from its hashes back to back (a snapshot's copy), or empty, with room for `capacity` before it grows. */
function createHashRow(
  from?: Uint8Array,
  initialCapacity: number = INITIAL_ROW_CAPACITY_HASHES,
): HashRow {
  if (from !== undefined && from.length % HASH_BYTES !== 0)
    throw new RangeError(
      `a row of hashes is a multiple of ${HASH_BYTES} bytes, got ${from.length}`,
    );
  let length = from === undefined ? 0 : from.length / HASH_BYTES;
  let capacity = Math.max(1, initialCapacity);
  while (capacity < length) capacity *= 2;
  let bytes = Buffer.alloc(capacity * HASH_BYTES);
  if (from !== undefined) bytes.set(from);
  return {
    get length() {
      return length;
    },
    push(hash) {
      if ((length + 1) * HASH_BYTES > bytes.length) {
        const grown = Buffer.alloc(bytes.length * 2);
        bytes.copy(grown, 0, 0, length * HASH_BYTES);
        bytes = grown;
      }
      bytes.set(hash, length * HASH_BYTES);
      length += 1;
    },
    at(i) {
      if (!Number.isSafeInteger(i) || i < 0 || i >= length)
        throw new RangeError(`no hash ${i} in a row of ${length}`);
      return bytes.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
    },
    used() {
      return bytes.subarray(0, length * HASH_BYTES);
    },
  };
}

/** MTH(D[start : start + n]) for 1 ≤ n, from wherever the caller keeps the hashes. */
export type RangeHash = (start: number, n: number) => Buffer;

/** RFC 6962 §2.1.1 PATH(index, D[0 : size]), over any source of range hashes. */
export function auditPath(hashOf: RangeHash, index: number, size: number): Buffer[] {
  function path(m: number, start: number, n: number): Buffer[] {
    if (n === 1) return [];
    const k = splitPoint(n);
    return m < k
      ? [...path(m, start, k), hashOf(start + k, n - k)]
      : [...path(m - k, start + k, n - k), hashOf(start, k)];
  }
  return path(index, 0, size);
}

/** RFC 6962 §2.1.2 PROOF(from, D[0 : to]), over any source of range hashes. */
export function consistencyPath(hashOf: RangeHash, from: number, to: number): Buffer[] {
  function subproof(m: number, start: number, n: number, startsAtRoot: boolean): Buffer[] {
    if (m === n) return startsAtRoot ? [] : [hashOf(start, n)];
    const k = splitPoint(n);
    return m <= k
      ? [...subproof(m, start, k, startsAtRoot), hashOf(start + k, n - k)]
      : [...subproof(m - k, start + k, n - k, false), hashOf(start, k)];
  }
  return subproof(from, 0, to, true);
}

/**
 * An append-only tree that keeps the hash of every complete, aligned subtree by level:
 * levels[h][i] covers leaves [i·2^h, (i+1)·2^h). Appending is O(log n); the root or a proof at
 * any size is O(log² n), because every subtree RFC 6962's recursion asks for splits into at
 * most log n complete ones.
 */
export interface MerkleTree {
  readonly size: number;
  append(leafHashValue: Uint8Array): void;
  leafHashAt(index: number): Buffer;
  root(size?: number): Buffer;
  /** Audit path for leaf `index` in the tree of the first `size` leaves (RFC 6962 §2.1.1). */
  inclusionProof(index: number, size?: number): Buffer[];
  /** Proof that the tree of `from` leaves is a prefix of the tree of `to` leaves (RFC 6962 §2.1.2). */
  consistencyProof(from: number, to?: number): Buffer[];
  /** MTH(D[start : start + n]), the hash of any range of leaves inside the tree (n ≥ 1). */
  rangeHash(start: number, n: number): Buffer;
  /** Every stored hash, level by level (views, no copy): what createMerkleTree(levels) restores. */
  levels(): Uint8Array[];
}

/**
 * An empty tree, or the tree whose levels() a snapshot kept: restoring copies the hashes
 * rather than hashing every leaf again (two SHA-256 per leaf). `initialLeaves` sizes its rows
 * before they first grow (a small tree, such as a chunk of a store-backed log, asks for less).
 */
export function createMerkleTree(
  from?: readonly Uint8Array[],
  initialLeaves: number = INITIAL_ROW_CAPACITY_HASHES,
): MerkleTree {
  const rowAt = (level: number, row?: Uint8Array) =>
    createHashRow(row, Math.floor(initialLeaves / 2 ** level));
  const levels: HashRow[] =
    from === undefined || from.length === 0
      ? [rowAt(0)]
      : from.map((row, level) => rowAt(level, row));
  for (let level = 1; level < levels.length; level++) {
    if (levels[level]!.length !== Math.floor(levels[level - 1]!.length / 2))
      throw new Error(`invariant: Merkle level ${level} does not pair the level below`);
  }

  function append(hash: Uint8Array): void {
    if (hash.length !== HASH_BYTES)
      throw new RangeError(`a leaf hash is ${HASH_BYTES} bytes, got ${hash.length}`);
    let node: Uint8Array = hash;
    for (let level = 0; ; level++) {
      levels[level] ??= rowAt(level);
      const row = levels[level]!;
      row.push(node);
      // A right child completes its parent: hash the pair one level up.
      if (row.length % 2 === 1) return;
      node = nodeHash(row.at(row.length - 2), node);
    }
  }

  /** MTH(D[start : start + n]) for a range RFC 6962's recursion reaches (its left parts are aligned). */
  function subtreeHash(start: number, n: number): Buffer {
    if (n === 1) return levels[0]!.at(start);
    const level = powerOfTwoExponent(n);
    if (level !== null && start % n === 0) return levels[level]!.at(start / n);
    const k = splitPoint(n);
    return nodeHash(subtreeHash(start, k), subtreeHash(start + k, n - k));
  }

  function checkSize(size: number): number {
    if (!Number.isSafeInteger(size) || size < 0 || size > levels[0]!.length) {
      throw new RangeError(`tree size ${size} is outside 0..${levels[0]!.length}`);
    }
    return size;
  }

  return {
    get size() {
      return levels[0]!.length;
    },
    append,
    leafHashAt(index) {
      return levels[0]!.at(index);
    },
    root(size = levels[0]!.length) {
      return checkSize(size) === 0 ? EMPTY_ROOT : subtreeHash(0, size);
    },
    inclusionProof(index, size = levels[0]!.length) {
      checkSize(size);
      if (!Number.isSafeInteger(index) || index < 0 || index >= size)
        throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
      return auditPath(subtreeHash, index, size);
    },
    consistencyProof(from, to = levels[0]!.length) {
      checkSize(to);
      if (!Number.isSafeInteger(from) || from < 1 || from > to)
        throw new RangeError(`no consistency proof from ${from} to ${to}`);
      return consistencyPath(subtreeHash, from, to);
    },
    rangeHash(start, n) {
      if (
        !Number.isSafeInteger(start) ||
        !Number.isSafeInteger(n) ||
        start < 0 ||
        n < 1 ||
        start + n > levels[0]!.length
      )
        throw new RangeError(
          `no range of ${n} from leaf ${start} in a tree of ${levels[0]!.length}`,
        );
      return subtreeHash(start, n);
    },
    levels() {
      return levels.map((row) => row.used());
    },
  };
}

function allHashes(proof: readonly Uint8Array[]): boolean {
  return proof.every((hash) => hash.length === HASH_BYTES);
}

/** Shifts fn and sn right together until fn's lowest bit is set or fn is 0 (RFC 9162 wording). */
function shiftUntilOddOrZero(state: { fn: bigint; sn: bigint }): void {
  while ((state.fn & 1n) === 0n && state.fn !== 0n) {
    state.fn >>= 1n;
    state.sn >>= 1n;
  }
}

/** RFC 9162 §2.1.3.2: does `proof` show leaf `index` (with `leaf` as its hash) in the tree of `size` whose root is `root`? */
export function verifyInclusion(
  index: bigint,
  size: bigint,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  if (
    index < 0n ||
    index >= size ||
    leaf.length !== HASH_BYTES ||
    root.length !== HASH_BYTES ||
    !allHashes(proof)
  )
    return false;
  const state = { fn: index, sn: size - 1n };
  let r: Uint8Array = leaf;
  for (const p of proof) {
    if (state.sn === 0n) return false;
    if ((state.fn & 1n) === 1n || state.fn === state.sn) {
      r = nodeHash(p, r);
      shiftUntilOddOrZero(state);
    } else {
      r = nodeHash(r, p);
    }
    state.fn >>= 1n;
    state.sn >>= 1n;
  }
  return state.sn === 0n && Buffer.from(r).equals(root);
}

/** RFC 9162 §2.1.4.2: does `proof` show the tree of `from` leaves (root `fromRoot`) is a prefix of the tree of `to` (root `toRoot`)? */
export function verifyConsistency(
  from: bigint,
  to: bigint,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (
    from < 1n ||
    from > to ||
    fromRoot.length !== HASH_BYTES ||
    toRoot.length !== HASH_BYTES ||
    !allHashes(proof)
  )
    return false;
  // Equal sizes: the proof is empty and the roots are the same tree.
  if (from === to) return proof.length === 0 && Buffer.from(fromRoot).equals(toRoot);
  if (proof.length === 0) return false;
  const path = (from & (from - 1n)) === 0n ? [fromRoot, ...proof] : [...proof];
  const state = { fn: from - 1n, sn: to - 1n };
  while ((state.fn & 1n) === 1n) {
    state.fn >>= 1n;
    state.sn >>= 1n;
  }
  let fr: Uint8Array = path[0]!;
  let sr: Uint8Array = path[0]!;
  for (const c of path.slice(1)) {
    if (state.sn === 0n) return false;
    if ((state.fn & 1n) === 1n || state.fn === state.sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      shiftUntilOddOrZero(state);
    } else {
      sr = nodeHash(sr, c);
    }
    state.fn >>= 1n;
    state.sn >>= 1n;
  }
  return state.sn === 0n && Buffer.from(fr).equals(fromRoot) && Buffer.from(sr).equals(toRoot);
}
