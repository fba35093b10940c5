import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  MerkleTree,
  consistencyProofOf,
  fromHex,
  hashLeaf,
  inclusionProofOf,
  rootFromInclusionProof,
  rootOf,
  toHex,
  verifyConsistency,
  verifyInclusion,
} from '../../../src/audit/merkle.js';

// The RFC 6962 test vectors used by the Certificate Transparency implementations
// (transparency-dev/merkle proof/verify_test.go, certificate-transparency-go merkletree tests).
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// leaf index is 0-based here (the Go vectors count from 1).
const INCLUSION: { index: number; size: number; proof: string[] }[] = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  { index: 2, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'] },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];
const CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];

const vectorLeaves = LEAVES.map((hex) => hashLeaf(Buffer.from(hex, 'hex')));
const hexes = (hs: Uint8Array[]): string[] => hs.map(toHex);

describe('RFC 6962 test vectors', () => {
  it('empty tree root is SHA-256 of the empty string', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(new MerkleTree().root())).toBe(toHex(EMPTY_ROOT));
  });

  it('roots of the first 1..8 leaves', () => {
    const tree = MerkleTree.fromLeafHashes(vectorLeaves);
    for (let n = 1; n <= 8; n++) {
      expect(toHex(rootOf(vectorLeaves.slice(0, n))), `size ${n}`).toBe(ROOTS[n - 1]);
      expect(toHex(tree.root(n)), `cached size ${n}`).toBe(ROOTS[n - 1]);
    }
  });

  it('inclusion proofs are generated and verify', () => {
    const tree = MerkleTree.fromLeafHashes(vectorLeaves);
    for (const v of INCLUSION) {
      expect(hexes(inclusionProofOf(vectorLeaves, v.index, v.size))).toEqual(v.proof);
      expect(hexes(tree.inclusionProof(v.index, v.size))).toEqual(v.proof);
      const proof = v.proof.map(fromHex);
      expect(
        verifyInclusion(v.index, v.size, vectorLeaves[v.index]!, proof, fromHex(ROOTS[v.size - 1]!)),
      ).toBe(true);
    }
  });

  it('consistency proofs are generated and verify', () => {
    const tree = MerkleTree.fromLeafHashes(vectorLeaves);
    for (const v of CONSISTENCY) {
      expect(hexes(consistencyProofOf(vectorLeaves, v.size1, v.size2))).toEqual(v.proof);
      expect(hexes(tree.consistencyProof(v.size1, v.size2))).toEqual(v.proof);
      const ok = verifyConsistency(
        v.size1,
        v.size2,
        v.proof.map(fromHex),
        fromHex(ROOTS[v.size1 - 1]!),
        fromHex(ROOTS[v.size2 - 1]!),
      );
      expect(ok, `${v.size1} -> ${v.size2}`).toBe(true);
    }
  });

  it('corrupted inclusion proofs fail (as in the CT verifier tests)', () => {
    const someHash = fromHex('abacaba000000000000000000000000000000000000000000060061e00123456');
    for (const v of INCLUSION.filter((x) => x.proof.length > 0)) {
      const root = fromHex(ROOTS[v.size - 1]!);
      const leaf = vectorLeaves[v.index]!;
      const proof = v.proof.map(fromHex);
      const bad: [number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        [v.index - 1, v.size, leaf, proof, root],
        [v.index + 1, v.size, leaf, proof, root],
        [v.index ^ 2, v.size, leaf, proof, root],
        [v.index, v.size * 2, leaf, proof, root],
        [v.index, Math.floor(v.size / 2), leaf, proof, root],
        [v.index, v.size, hashLeaf('WrongLeaf'), proof, root],
        [v.index, v.size, leaf, proof, EMPTY_ROOT],
        [v.index, v.size, leaf, proof, someHash],
        [v.index, v.size, leaf, [...proof, root], root],
        [v.index, v.size, leaf, [root, ...proof], root],
        [v.index, v.size, leaf, [...proof, new Uint8Array(0)], root],
        [v.index, v.size, leaf, proof.slice(0, -1), root],
        [v.index, v.size, leaf, [proof[0]!, someHash, ...proof.slice(1)], root],
        ...proof.map((_, i): [number, number, Uint8Array, Uint8Array[], Uint8Array] => {
          const flipped = proof.map((p) => p.slice());
          flipped[i]![0]! ^= 8;
          return [v.index, v.size, leaf, flipped, root];
        }),
      ];
      for (const [i, n, l, p, r] of bad)
        expect(verifyInclusion(i, n, l, p, r), `index ${i} size ${n}`).toBe(false);
    }
  });

  it('corrupted consistency proofs fail', () => {
    for (const v of CONSISTENCY.filter((x) => x.proof.length > 0)) {
      const r1 = fromHex(ROOTS[v.size1 - 1]!);
      const r2 = fromHex(ROOTS[v.size2 - 1]!);
      const p = v.proof.map(fromHex);
      const bad: [number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        [v.size1 - 1, v.size2, p, r1, r2],
        [v.size1 + 1, v.size2, p, r1, r2],
        [v.size1 ^ 2, v.size2, p, r1, r2],
        [v.size1, v.size2 * 2, p, r1, r2],
        [v.size1, Math.floor(v.size2 / 2), p, r1, r2],
        [v.size1, v.size2, p, hashLeaf('WrongRoot'), r2],
        [v.size1, v.size2, p, r1, hashLeaf('WrongRoot')],
        [v.size1, v.size2, p, r2, r1],
        [v.size1, v.size2, [], r1, r2],
        [v.size1, v.size2, [...p, r1], r1, r2],
        [v.size1, v.size2, [...p, r2], r1, r2],
        [v.size1, v.size2, [r1, ...p], r1, r2],
        [v.size1, v.size2, [p[0]!, ...p], r1, r2],
        [v.size1, v.size2, p.slice(0, -1), r1, r2],
        ...p.map((_, i): [number, number, Uint8Array[], Uint8Array, Uint8Array] => {
          const flipped = p.map((x) => x.slice());
          flipped[i]![0]! ^= 16;
          return [v.size1, v.size2, flipped, r1, r2];
        }),
      ];
      for (const [s1, s2, proof, a, b] of bad)
        expect(verifyConsistency(s1, s2, proof, a, b), `${s1} -> ${s2}`).toBe(false);
    }
  });

  it('trivial consistency cases', () => {
    const a = hashLeaf('a');
    const b = hashLeaf('b');
    expect(verifyConsistency(0, 0, [], a, a)).toBe(true);
    expect(verifyConsistency(0, 5, [], a, b)).toBe(true);
    expect(verifyConsistency(1, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(2, 1, [], a, b)).toBe(false);
    expect(verifyConsistency(1, 1, [EMPTY_ROOT], a, a)).toBe(false);
    expect(verifyConsistency(0, 1, [EMPTY_ROOT], a, a)).toBe(false);
  });
});

// An independent reimplementation, written straight from the RFC 6962 section 2.1 definitions
// over arrays, sharing nothing with src/audit/merkle.ts but SHA-256.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const k = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
// D is a range [lo, hi) of `data` below; MTH is memoised by range only to keep 45,000 proofs fast.
type Range = [lo: number, hi: number];
const memo = new Map<string, Uint8Array>();
let data: Uint8Array[] = [];
const MTH = ([lo, hi]: Range): Uint8Array => {
  const key = `${lo}:${hi}`;
  let h = memo.get(key);
  if (!h) {
    if (hi - lo === 0) h = sha();
    else if (hi - lo === 1) h = sha(new Uint8Array([0]), data[lo]!);
    else {
      const s = k(hi - lo);
      h = sha(new Uint8Array([1]), MTH([lo, lo + s]), MTH([lo + s, hi]));
    }
    memo.set(key, h);
  }
  return h;
};
const PATH = (m: number, [lo, hi]: Range): Uint8Array[] => {
  if (hi - lo === 1) return [];
  const s = k(hi - lo);
  return m < s
    ? [...PATH(m, [lo, lo + s]), MTH([lo + s, hi])]
    : [...PATH(m - s, [lo + s, hi]), MTH([lo, lo + s])];
};
const SUBPROOF = (m: number, [lo, hi]: Range, b: boolean): Uint8Array[] => {
  if (m === hi - lo) return b ? [] : [MTH([lo, hi])];
  const s = k(hi - lo);
  return m <= s
    ? [...SUBPROOF(m, [lo, lo + s], b), MTH([lo + s, hi])]
    : [...SUBPROOF(m - s, [lo + s, hi], false), MTH([lo, lo + s])];
};

function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

describe('against a naive reimplementation of RFC 6962', () => {
  const N = 300;
  data = Array.from({ length: N }, (_, i) => new TextEncoder().encode(`entry ${i}`));
  const leafHashes = data.map((d) => hashLeaf(d));
  const tree = MerkleTree.fromLeafHashes(leafHashes);
  const naiveRoots = Array.from({ length: N + 1 }, (_, n) => MTH([0, n]));

  it('leaf hashes and roots agree for every size 0..300', () => {
    for (let i = 0; i < N; i++) expect(toHex(leafHashes[i]!)).toBe(toHex(sha(new Uint8Array([0]), data[i]!)));
    for (let n = 0; n <= N; n++) expect(toHex(tree.root(n)), `size ${n}`).toBe(toHex(naiveRoots[n]!));
  });

  it('inclusion proofs agree and verify for every index of every size 1..300', () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 0; m < n; m++) {
        const proof = tree.inclusionProof(m, n);
        const naive = PATH(m, [0, n]);
        if (toHex(Buffer.concat(proof)) !== toHex(Buffer.concat(naive))) {
          expect(hexes(proof), `index ${m} size ${n}`).toEqual(hexes(naive));
        }
        if (!verifyInclusion(m, n, leafHashes[m]!, proof, naiveRoots[n]!)) {
          expect.fail(`inclusion proof for index ${m} in size ${n} does not verify`);
        }
      }
    }
  });

  it('consistency proofs agree and verify for every pair of sizes 1..300', () => {
    for (let n = 1; n <= N; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.consistencyProof(m, n);
        const naive = m === n ? [] : SUBPROOF(m, [0, n], true);
        if (toHex(Buffer.concat(proof)) !== toHex(Buffer.concat(naive))) {
          expect(hexes(proof), `${m} -> ${n}`).toEqual(hexes(naive));
        }
        if (!verifyConsistency(m, n, proof, naiveRoots[m]!, naiveRoots[n]!)) {
          expect.fail(`consistency proof ${m} -> ${n} does not verify`);
        }
      }
    }
  });

  it('proofs fail for wrong indices, sizes and roots at random points', () => {
    const rand = rng(42);
    for (let t = 0; t < 2000; t++) {
      const n = 2 + Math.floor(rand() * (N - 1));
      const m = Math.floor(rand() * n);
      const proof = tree.inclusionProof(m, n);
      const other = (m + 1 + Math.floor(rand() * (n - 1))) % n;
      expect(
        verifyInclusion(other, n, leafHashes[m]!, proof, naiveRoots[n]!),
        `index ${other} for ${m} in ${n}`,
      ).toBe(false);
      expect(verifyInclusion(m, n, leafHashes[other]!, proof, naiveRoots[n]!)).toBe(false);
      expect(verifyInclusion(m, n, leafHashes[m]!, proof, naiveRoots[n - 1]!)).toBe(false);
      const wrongSize = n + 1 + Math.floor(rand() * 50);
      const r = rootFromInclusionProof(m, wrongSize, leafHashes[m]!, proof);
      if (r !== null && wrongSize <= N) expect(toHex(r)).not.toBe(toHex(naiveRoots[wrongSize]!));

      const s1 = 1 + Math.floor(rand() * (n - 1));
      const cp = tree.consistencyProof(s1, n);
      expect(verifyConsistency(s1, n, cp, naiveRoots[s1]!, naiveRoots[n]!)).toBe(true);
      expect(verifyConsistency(s1, n, cp, naiveRoots[s1 - 1]!, naiveRoots[n]!)).toBe(false);
      expect(verifyConsistency(s1, n, cp, naiveRoots[s1]!, naiveRoots[n - 1]!)).toBe(false);
      if (s1 > 1) expect(verifyConsistency(s1 - 1, n, cp, naiveRoots[s1 - 1]!, naiveRoots[n]!)).toBe(false);
    }
  });

  it('rejects proofs outside the tree', () => {
    expect(() => tree.inclusionProof(5, 5)).toThrow(RangeError);
    expect(() => tree.inclusionProof(0, N + 1)).toThrow(RangeError);
    expect(() => tree.consistencyProof(6, 5)).toThrow(RangeError);
    expect(verifyInclusion(5, 5, leafHashes[0]!, [], naiveRoots[5]!)).toBe(false);
  });

  it('a tree rebuilt from leaf hashes gives the same proofs', () => {
    const rebuilt = MerkleTree.fromLeafHashes(Array.from({ length: 200 }, (_, i) => tree.leafHash(i)));
    expect(toHex(rebuilt.root())).toBe(toHex(naiveRoots[200]!));
    expect(hexes(rebuilt.inclusionProof(123))).toEqual(hexes(PATH(123, [0, 200])));
  });
});
