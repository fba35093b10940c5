import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../../src/audit/entry.js';
import { entryLeafHash } from '../../../src/audit/entry.js';
import {
  buildReceipt,
  exportEntryLine,
  exportHeaderLine,
  exportTreeHeadLine,
} from '../../../src/audit/export.js';
import { MerkleTree, toHex } from '../../../src/audit/merkle.js';
import { signTreeHead } from '../../../src/audit/tree-head.js';
import type { TreeHeadSigner } from '../../../src/audit/tree-head.js';
import type { VerifyReport } from '../../../src/audit/verify.js';
import { verifyConsistencyProof, verifyExport, verifyReceipt } from '../../../src/audit/verify.js';

const did = 'did:web:provider.example';
const N = 40;
let signer: TreeHeadSigner;
let publicJwk: jose.JWK;
let entries: AuditEntry[];
let tree: MerkleTree;
/** Signed heads at 10, 20, 30 and 40 (the last also goes in the header). */
let heads: Map<number, string>;

function makeEntry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 1000).toISOString(),
    type: seq % 3 === 0 ? 'agreement' : 'enforcement.decision',
    actor: seq % 2 ? 'did:web:consumer.example' : 'apikey:management',
    subjects: { agreementId: `agr-${seq % 4}`, transferId: `tp-${seq}` },
    content: {
      decision: seq % 5 ? 'permit' : 'deny',
      rule: `permission[${seq % 2}]`,
      traceDigest: toHex(entryLeafHash({ seq } as AuditEntry)),
    },
  };
}

async function head(size: number): Promise<string> {
  const sth = await signTreeHead(
    {
      logId: did,
      treeSize: size,
      rootHash: toHex(tree.root(size)),
      timestamp: new Date(Date.UTC(2026, 0, 2) + size).toISOString(),
    },
    signer,
  );
  return sth.jws;
}

/** The export as lines; `edit` may change the entry lines (as parsed objects) before writing. */
function exportLines(
  opts: { entryLines?: string[]; headSizes?: number[]; header?: Record<string, unknown> } = {},
): string[] {
  const lines = [exportHeaderLine({ logId: did, treeSize: N, treeHead: heads.get(N)!, ...opts.header })];
  lines.push(...(opts.entryLines ?? entries.map((e) => exportEntryLine(e))));
  for (const size of opts.headSizes ?? [10, 20, 30]) lines.push(exportTreeHeadLine(heads.get(size)!));
  return lines.join('').split('\n');
}

function entryLines(): string[] {
  return entries.map((e) => exportEntryLine(e));
}

function edit(
  lines: string[],
  seq: number,
  change: (o: Record<string, unknown>) => void,
  recomputeLeaf = false,
): string[] {
  const o = JSON.parse(lines[seq]!) as Record<string, unknown>;
  change(o);
  if (recomputeLeaf) o.leafHash = toHex(entryLeafHash(o as unknown as AuditEntry));
  const copy = [...lines];
  copy[seq] = JSON.stringify(o) + '\n';
  return copy;
}

const firstSeq = (r: VerifyReport): number | undefined => r.problems[0]?.seq;

beforeAll(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA', { extractable: true });
  signer = { kid: `${did}#key-1`, privateKey };
  publicJwk = await jose.exportJWK(publicKey);
  entries = Array.from({ length: N }, (_, i) => makeEntry(i));
  tree = MerkleTree.fromLeafHashes(entries.map(entryLeafHash));
  heads = new Map();
  for (const size of [10, 20, 30, 40]) heads.set(size, await head(size));
});

describe('verifyExport', () => {
  it('accepts an intact export and recomputes the root', async () => {
    const report = await verifyExport(exportLines(), { keys: publicJwk });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      entries: N,
      logId: did,
      rootHash: toHex(tree.root()),
      treeHeadsVerified: 4,
    });
  });

  it('names the entry when any field is changed (recorded leaf hash kept)', async () => {
    const changes: [string, (o: Record<string, unknown>) => void][] = [
      ['time', (o) => (o.time = '2027-01-01T00:00:00.000Z')],
      ['type', (o) => (o.type = 'management.change')],
      ['actor', (o) => (o.actor = 'did:web:someone.else')],
      ['subjects', (o) => ((o.subjects as Record<string, string>).agreementId = 'agr-x')],
      ['content', (o) => ((o.content as Record<string, string>).decision = 'deny')],
      ['content added', (o) => ((o.content as Record<string, unknown>).note = 'x')],
      ['leafHash', (o) => (o.leafHash = '0'.repeat(64))],
    ];
    for (const [what, change] of changes) {
      const report = await verifyExport(exportLines({ entryLines: edit(entryLines(), 17, change) }), {
        keys: publicJwk,
      });
      expect(report.ok, what).toBe(false);
      expect(firstSeq(report), what).toBe(17);
      if (what !== 'leafHash')
        expect(
          report.problems.map((p) => p.check),
          what,
        ).toContain('root-mismatch');
    }
  });

  it('detects a change whose leaf hash was recomputed too, bounded by the signed heads', async () => {
    const lines = edit(
      entryLines(),
      17,
      (o) => ((o.content as Record<string, string>).decision = 'deny'),
      true,
    );
    const report = await verifyExport(exportLines({ entryLines: lines }), { keys: publicJwk });
    expect(report.ok).toBe(false);
    const mismatch = report.problems.find((p) => p.check === 'root-mismatch')!;
    expect(mismatch.seq).toBe(10);
    expect(mismatch.message).toMatch(/between seq 10 and 19/);
  });

  it('names a deleted entry', async () => {
    const lines = entryLines();
    lines.splice(17, 1);
    const report = await verifyExport(exportLines({ entryLines: lines }), { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 17, check: 'sequence' });
    expect(report.problems[0]!.message).toMatch(/seq 17 is missing/);
  });

  it('names a deletion that was renumbered (seq rewritten, leaf hashes recomputed)', async () => {
    const lines = entryLines();
    lines.splice(17, 1);
    const renumbered = lines.map((l, i) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      o.seq = i;
      o.leafHash = toHex(entryLeafHash(o as unknown as AuditEntry));
      return JSON.stringify(o) + '\n';
    });
    const report = await verifyExport(exportLines({ entryLines: renumbered }), { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.check)).toEqual(
      expect.arrayContaining(['root-mismatch', 'truncated']),
    );
    expect(firstSeq(report)).toBe(10);
  });

  it('names reordered entries', async () => {
    const lines = entryLines();
    [lines[17], lines[18]] = [lines[18]!, lines[17]!];
    const report = await verifyExport(exportLines({ entryLines: lines }), { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 17, check: 'sequence' });
  });

  it('names truncation at the end, against the header, the export heads or a head the auditor holds', async () => {
    const truncated = entryLines().slice(0, 35);
    let report = await verifyExport(exportLines({ entryLines: truncated }), { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 35, check: 'truncated' });

    // The operator also rewrites the header and drops the last head: the export is self-consistent
    // up to 30 but the entries 30..34 are covered by no signature...
    report = await verifyExport(
      exportLines({ entryLines: truncated, header: { treeSize: 35, treeHead: undefined } }),
      { keys: publicJwk },
    );
    expect(report.problems).toEqual([expect.objectContaining({ seq: 30, check: 'uncovered' })]);
    // ... and cut at a head boundary, only a head the auditor kept shows the truncation.
    const at30 = exportLines({
      entryLines: entryLines().slice(0, 30),
      header: { treeSize: 30, treeHead: heads.get(30) },
    });
    expect((await verifyExport(at30, { keys: publicJwk })).ok).toBe(true);
    report = await verifyExport(at30, { keys: publicJwk, treeHeads: [heads.get(40)!] });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 30, check: 'truncated' });
  });

  it('rejects heads signed by another key, a forked log, no key, and a bad header', async () => {
    const { privateKey } = await jose.generateKeyPair('EdDSA');
    const forged = await signTreeHead(
      { logId: did, treeSize: 20, rootHash: toHex(tree.root(19)), timestamp: '2026-01-03T00:00:00.000Z' },
      { kid: `${did}#key-1`, privateKey },
    );
    let report = await verifyExport(exportLines(), { keys: publicJwk, treeHeads: [forged.jws] });
    expect(report.problems).toEqual([expect.objectContaining({ check: 'tree-head' })]);

    const fork = await signTreeHead(
      { logId: did, treeSize: 20, rootHash: toHex(tree.root(19)), timestamp: '2026-01-03T00:00:00.000Z' },
      signer,
    );
    report = await verifyExport(exportLines(), { keys: publicJwk, treeHeads: [fork.jws] });
    expect(report.problems.map((p) => p.check)).toEqual(expect.arrayContaining(['fork', 'root-mismatch']));

    report = await verifyExport(exportLines());
    expect(report.ok).toBe(false);
    expect(report.problems.some((p) => p.check === 'uncovered')).toBe(true);

    report = await verifyExport(['{"format":"something-else"}'], { keys: publicJwk });
    expect(report.problems[0]).toMatchObject({ check: 'header' });
    report = await verifyExport([], { keys: publicJwk });
    expect(report.ok).toBe(false);
  });

  it('reports a line that is not JSON with its seq', async () => {
    const lines = entryLines();
    lines[5] = '{"seq":5, broken\n';
    const report = await verifyExport(exportLines({ entryLines: lines }), { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ seq: 5, check: 'format' });
  });
});

describe('receipts and proofs', () => {
  it('a receipt verifies with the public key alone, and fails when the entry or proof is changed', async () => {
    const seq = 13;
    const receipt = buildReceipt(did, entries[seq]!, heads.get(40)!, tree.inclusionProof(seq, 40));
    const roundTripped = JSON.parse(JSON.stringify(receipt)) as unknown;
    expect(await verifyReceipt(roundTripped, { keys: publicJwk })).toMatchObject({ ok: true, problems: [] });

    const changed = {
      ...receipt,
      entry: { ...receipt.entry, content: { ...receipt.entry.content, decision: 'deny' } },
    };
    let report = await verifyReceipt(changed, { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.check, p.seq])).toEqual([
      ['leaf-hash', 13],
      ['inclusion', 13],
    ]);

    const wrongProof = { ...receipt, inclusionProof: tree.inclusionProof(seq + 1, 40).map(toHex) };
    report = await verifyReceipt(wrongProof, { keys: publicJwk });
    expect(report.problems).toEqual([expect.objectContaining({ check: 'inclusion', seq: 13 })]);

    const otherHead = { ...receipt, treeHead: heads.get(30)! };
    expect((await verifyReceipt(otherHead, { keys: publicJwk })).ok).toBe(false);
    expect((await verifyReceipt(receipt, {})).ok).toBe(false);
    expect((await verifyReceipt({ format: 'x' }, { keys: publicJwk })).ok).toBe(false);
  });

  it('consistency proofs between signed heads verify for the right sizes only', async () => {
    const good = { size1: 10, size2: 30, proof: tree.consistencyProof(10, 30).map(toHex) };
    expect(
      await verifyConsistencyProof(good, heads.get(10)!, heads.get(30)!, { keys: publicJwk }),
    ).toMatchObject({ ok: true });
    const wrong = { size1: 10, size2: 30, proof: tree.consistencyProof(20, 30).map(toHex) };
    expect(
      (await verifyConsistencyProof(wrong, heads.get(10)!, heads.get(30)!, { keys: publicJwk })).ok,
    ).toBe(false);
    const mislabeled = { ...good, size1: 20 };
    expect(
      (await verifyConsistencyProof(mislabeled, heads.get(10)!, heads.get(30)!, { keys: publicJwk })).ok,
    ).toBe(false);
    expect((await verifyConsistencyProof(good, heads.get(20)!, heads.get(30)!, { keys: publicJwk })).ok).toBe(
      false,
    );
  });
});

describe('line forms', () => {
  it('hashes the entry, not the text: re-ordered, re-spaced or re-escaped lines verify alike', async () => {
    const variants = entries.map((e, i) => {
      const leafHash = toHex(entryLeafHash(e));
      switch (i % 4) {
        case 0:
          return exportEntryLine(e); // the writer's form (fast path)
        case 1: // leafHash first, keys unsorted, spaces
          return (
            JSON.stringify(
              {
                leafHash,
                type: e.type,
                seq: e.seq,
                actor: e.actor,
                time: e.time,
                subjects: e.subjects,
                content: e.content,
              },
              null,
              1,
            ).replace(/\n/g, ' ') + '\n'
          );
        case 2: // the writer's form but with nested keys out of order and an escaped character
          return exportEntryLine(e).replace('"decision":', '"zz":"\\u00e9","decision":');
        default:
          return JSON.stringify({ ...e, leafHash }) + '\n';
      }
    });
    // Case 2 changed the content (added zz): its leafHash no longer matches, named exactly.
    const report = await verifyExport(exportLines({ entryLines: variants }), { keys: publicJwk });
    const named = [...new Set(report.problems.filter((p) => p.check === 'leaf-hash').map((p) => p.seq))];
    expect(named).toEqual(entries.filter((_, i) => i % 4 === 2).map((e) => e.seq));
    const untouched = variants.map((v, i) => (i % 4 === 2 ? exportEntryLine(entries[i]!) : v));
    expect(
      (await verifyExport(exportLines({ entryLines: untouched }), { keys: publicJwk })).problems,
    ).toEqual([]);
  });

  it('content that mimics the line structure cannot confuse the fast path', async () => {
    const tricky: AuditEntry = {
      ...makeEntry(0),
      content: { z: 1, a: { leafHash: '0'.repeat(64), seq: 0 }, s: ',"leafHash":"' + '0'.repeat(64) + '"}' },
    };
    const all = [tricky, ...entries.slice(1)];
    const t = MerkleTree.fromLeafHashes(all.map(entryLeafHash));
    const sth = await signTreeHead(
      { logId: did, treeSize: N, rootHash: toHex(t.root()), timestamp: '2026-01-05T00:00:00.000Z' },
      signer,
    );
    const lines = [
      exportHeaderLine({ logId: did, treeSize: N, treeHead: sth.jws }),
      ...all.map((e) => exportEntryLine(e)),
    ];
    const report = await verifyExport(lines.join('').split('\n'), { keys: publicJwk });
    expect(report.problems).toEqual([]);
  });
});
