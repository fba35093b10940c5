/**
 * RFC 9162 (Certificate Transparency v2, same hashing as RFC 6962) Merkle tree: leaf and node
 * hashing, tree heads, inclusion and consistency proofs, and their verification.
 *
 * Pure functions plus `MerkleTree`, an in-memory node cache that keeps the hash of every complete,
 * aligned subtree, so that the root at any size and any proof cost O(log n) cached lookups plus at
 * most O(log² n) hashes for the incomplete right edge. It is rebuilt from leaf hashes
 * (`MerkleTree.fromLeafHashes`) and holds about 64 bytes per leaf.
 *
 * Hashes are `Uint8Array`s of 32 bytes; `toHex`/`fromHex` convert for the wire (lowercase hex).
 */
import { createHash, hash as oneShotHash } from 'node:crypto';

export const HASH_SIZE = 32;

const LEAF_PREFIX = new Uint8Array([0x00]);
const NODE_PREFIX = new Uint8Array([0x01]);

/** SHA-256 of the empty string: the root of the empty tree (RFC 9162 section 2.1.1). */
export const EMPTY_ROOT: Uint8Array = new Uint8Array(createHash('sha256').digest());

/** SHA-256(0x00 || data). A string is hashed as its UTF-8 bytes. */
export function hashLeaf(data: Uint8Array | string): Uint8Array {
  // One-shot hashing is about a third cheaper than createHash() per call; U+0000 is the byte 0x00.
  if (typeof data === 'string') return oneShotHash('sha256', '\u0000' + data, 'buffer');
  return oneShotHash('sha256', Buffer.concat([LEAF_PREFIX, data]), 'buffer');
}

const nodeInput = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeInput[0] = 0x01;

/** SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
  }
  nodeInput.set(left, 1);
  nodeInput.set(right, 1 + HASH_SIZE);
  return oneShotHash('sha256', nodeInput, 'buffer');
}

export function toHex(hash: Uint8Array): string {
  return Buffer.from(hash.buffer, hash.byteOffset, hash.byteLength).toString('hex');
}

/** Parses lowercase or uppercase hex of exactly 32 bytes; throws a plain Error otherwise (callers map it). */
export function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex))
    throw new Error(`not a 32-byte hex hash: ${JSON.stringify(hex).slice(0, 80)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** The largest power of two strictly smaller than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/**
 * Returns MTH(D[start : start + size]) for a subtree in the RFC recursion (size >= 1). Proof
 * generation is written against this so that the plain (array) and cached versions share it.
 */
export type SubtreeHasher = (start: number, size: number) => Uint8Array;

/** PATH(m, D[n]) of RFC 9162 section 2.1.3.1, with subtree hashes taken from `mth`. */
export function inclusionPath(index: number, size: number, mth: SubtreeHasher): Uint8Array[] {
  if (!isSize(size) || !isSize(index) || index >= size) {
    throw new RangeError(`inclusion proof: leaf index ${index} is not inside a tree of size ${size}`);
  }
  const path: Uint8Array[] = [];
  // Walk down from the root, collecting siblings; the proof lists them from the leaf upwards.
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      path.push(mth(start + k, n - k));
      n = k;
    } else {
      path.push(mth(start, k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return path.reverse();
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 section 2.1.4.1, for 0 <= m <= n. */
export function consistencyPath(size1: number, size2: number, mth: SubtreeHasher): Uint8Array[] {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) {
    throw new RangeError(`consistency proof: sizes ${size1} and ${size2} are not 0 <= first <= second`);
  }
  if (size1 === 0 || size1 === size2) return [];
  const proof: Uint8Array[] = [];
  let start = 0;
  let n = size2;
  let m = size1;
  let b = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      proof.push(mth(start + k, n - k));
      n = k;
    } else {
      proof.push(mth(start, k));
      start += k;
      m -= k;
      n -= k;
      b = false;
    }
  }
  if (!b) proof.push(mth(start, n));
  return proof.reverse();
}

/** MTH over an array of leaf hashes (recursive, O(n)). For tests and small trees; use MerkleTree for big ones. */
export function rootOf(leafHashes: readonly Uint8Array[]): Uint8Array {
  if (leafHashes.length === 0) return EMPTY_ROOT;
  return arrayHasher(leafHashes)(0, leafHashes.length);
}

function arrayHasher(leaves: readonly Uint8Array[]): SubtreeHasher {
  const mth: SubtreeHasher = (start, size) => {
    if (size === 1) return leaves[start]!;
    const k = splitPoint(size);
    return hashChildren(mth(start, k), mth(start + k, size - k));
  };
  return mth;
}

/** Inclusion proof over an array of leaf hashes (O(n) hashing). */
export function inclusionProofOf(
  leafHashes: readonly Uint8Array[],
  index: number,
  size = leafHashes.length,
): Uint8Array[] {
  if (size > leafHashes.length)
    throw new RangeError(`inclusion proof: size ${size} exceeds ${leafHashes.length} leaves`);
  return inclusionPath(index, size, arrayHasher(leafHashes));
}

/** Consistency proof over an array of leaf hashes (O(n) hashing). */
export function consistencyProofOf(
  leafHashes: readonly Uint8Array[],
  size1: number,
  size2 = leafHashes.length,
): Uint8Array[] {
  if (size2 > leafHashes.length)
    throw new RangeError(`consistency proof: size ${size2} exceeds ${leafHashes.length} leaves`);
  return consistencyPath(size1, size2, arrayHasher(leafHashes));
}

/**
 * The root implied by an inclusion proof (RFC 9162 section 2.1.3.2), or null when the proof has
 * the wrong shape for (index, size).
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): Uint8Array | null {
  if (!isSize(index) || !isSize(size) || index >= size) return null;
  if (leafHash.length !== HASH_SIZE) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== HASH_SIZE) return null;
    if (sn === 0) return null;
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
  return sn === 0 ? r : null;
}

export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const r = rootFromInclusionProof(index, size, leafHash, proof);
  return r !== null && equalHashes(r, root);
}

/** RFC 9162 section 2.1.4.2, plus the trivial cases (size1 = 0, size1 = size2) with an empty proof. */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): boolean {
  if (!isSize(size1) || !isSize(size2) || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && equalHashes(root1, root2);
  if (size1 === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  if (proof.some((p) => p.length !== HASH_SIZE) || root1.length !== HASH_SIZE || root2.length !== HASH_SIZE)
    return false;
  // A first tree of 2^k leaves is itself a node of the second tree; the proof leaves it out.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
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
  return sn === 0 && equalHashes(fr, root1) && equalHashes(sr, root2);
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

/**
 * Node cache: level k holds the hashes of the complete subtrees of 2^k leaves aligned at multiples
 * of 2^k, as one flat growing buffer per level. Appending is amortised O(1) hashes.
 */
export class MerkleTree {
  private levels: Uint8Array[] = [];
  private n = 0;

  static fromLeafHashes(leafHashes: Iterable<Uint8Array>): MerkleTree {
    const tree = new MerkleTree();
    for (const h of leafHashes) tree.append(h);
    return tree;
  }

  get size(): number {
    return this.n;
  }

  append(leafHash: Uint8Array): number {
    if (leafHash.length !== HASH_SIZE)
      throw new RangeError(`leaf hash must be ${HASH_SIZE} bytes, got ${leafHash.length}`);
    const index = this.n;
    let h = leafHash;
    let level = 0;
    let i = index;
    for (;;) {
      this.put(level, i, h);
      if (i % 2 === 0) break;
      h = hashChildren(this.get(level, i - 1), h);
      level++;
      i = (i - 1) / 2;
    }
    this.n++;
    return index;
  }

  leafHash(index: number): Uint8Array {
    if (!isSize(index) || index >= this.n)
      throw new RangeError(`no leaf ${index} in a tree of size ${this.n}`);
    return this.get(0, index);
  }

  /** The root at `size` (default: the current size). */
  root(size = this.n): Uint8Array {
    this.checkSize(size);
    if (size === 0) return EMPTY_ROOT;
    return this.subtree(0, size);
  }

  inclusionProof(index: number, size = this.n): Uint8Array[] {
    this.checkSize(size);
    return inclusionPath(index, size, this.subtree);
  }

  consistencyProof(size1: number, size2 = this.n): Uint8Array[] {
    this.checkSize(size2);
    return consistencyPath(size1, size2, this.subtree);
  }

  /**
   * MTH(D[start : start+size]) for ranges where `start` is a multiple of the largest power of two
   * <= size (every range the RFC recursion asks for): split into aligned complete subtrees of
   * decreasing size and fold them from the right.
   */
  readonly subtree: SubtreeHasher = (start, size) => {
    const end = start + size;
    if (size < 1 || end > this.n)
      throw new RangeError(`subtree [${start}, ${end}) is outside the tree of size ${this.n}`);
    const chunks: Uint8Array[] = [];
    let pos = start;
    let prevWidth = Infinity;
    while (pos < end) {
      let level = 0;
      while (pos % 2 ** (level + 1) === 0 && pos + 2 ** (level + 1) <= end) level++;
      const width = 2 ** level;
      if (width >= prevWidth) throw new RangeError(`subtree [${start}, ${end}) is not aligned`);
      prevWidth = width;
      chunks.push(this.get(level, pos / width));
      pos += width;
    }
    let h = chunks[chunks.length - 1]!;
    for (let c = chunks.length - 2; c >= 0; c--) h = hashChildren(chunks[c]!, h);
    return h;
  };

  private checkSize(size: number): void {
    if (!isSize(size) || size > this.n)
      throw new RangeError(`tree size ${size} is not between 0 and ${this.n}`);
  }

  private get(level: number, index: number): Uint8Array {
    const off = index * HASH_SIZE;
    return this.levels[level]!.subarray(off, off + HASH_SIZE);
  }

  private put(level: number, index: number, hash: Uint8Array): void {
    if (level === this.levels.length) {
      this.levels.push(new Uint8Array(HASH_SIZE * 1024));
    }
    let buf = this.levels[level]!;
    const off = index * HASH_SIZE;
    if (off + HASH_SIZE > buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf);
      this.levels[level] = buf = bigger;
    }
    buf.set(hash, off);
  }
}
