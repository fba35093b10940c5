/**
 * Audit log benchmark (issue 8). `npm run bench -- audit` or `npx tsx bench/audit.ts`.
 * Env: AUDIT_BENCH_N (default 1,000,000 entries), AUDIT_BENCH_APPENDS (default 5,000).
 *
 * 1. append rate: appendAuditEntry on in-memory PGlite, one transaction per entry (how every state
 *    change calls it), and appendAuditEntries with 100 entries per transaction; baselines: a plain INSERT
 *    of the same row, one per transaction, and an empty transaction (the floor of any state change).
 * 2. proof p50 at N entries: inclusion and consistency proofs from the node cache (MerkleTree),
 *    random leaves and sizes; baseline: one SHA-256 node hash.
 * 3. verify an N-entry export (JSON Lines file, signed heads every 1,000 entries as the default
 *    configuration signs them) with verifyExport, streamed from disk; baselines: reading and parsing the
 *    same lines, and SHA-256 over every line.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as jose from 'jose';
import type { AuditEntry } from '../src/audit/entry.js';
import { entryLeafHash } from '../src/audit/entry.js';
import { exportEntryLine, exportHeaderLine, exportTreeHeadLine } from '../src/audit/export.js';
import { appendAuditEntries, appendAuditEntry } from '../src/audit/log.js';
import { MerkleTree, hashChildren, toHex } from '../src/audit/merkle.js';
import { signTreeHead } from '../src/audit/tree-head.js';
import { verifyExport } from '../src/audit/verify.js';
import { migrate, openPglite } from '../src/store/index.js';

const N = Number(process.env.AUDIT_BENCH_N ?? 1_000_000);
const APPENDS = Number(process.env.AUDIT_BENCH_APPENDS ?? 5_000);
const HEAD_EVERY = 1_000;
const did = 'did:web:provider.example';

const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const log = (msg: string) => console.error(`[audit bench] ${msg}`);

function entry(seq: number): AuditEntry {
  return {
    seq,
    time: new Date(Date.UTC(2026, 0, 1) + seq * 10).toISOString(),
    type: seq % 50 === 0 ? 'agreement' : 'enforcement.decision',
    actor: 'did:web:consumer.example',
    subjects: {
      agreementId: `agr-${Math.floor(seq / 50)}`,
      transferId: `tp-${seq % 997}`,
      participant: 'did:web:consumer.example',
    },
    content: {
      decision: seq % 13 ? 'permit' : 'deny',
      rule: 'permission[0]',
      scope: 'request',
      traceDigest: createHash('sha256').update(String(seq)).digest('hex'),
      constraints: [{ leftOperand: 'purpose', operator: 'isAnyOf', value: ['research'], outcome: true }],
    },
  };
}

async function benchAppend() {
  const db = await openPglite();
  await migrate(db);
  await db.query(
    'CREATE TABLE bench_plain (seq bigint PRIMARY KEY, time timestamptz, type text, actor text, subjects jsonb, content jsonb, leaf_hash bytea)',
  );
  const sample = entry(1);
  const one = { type: sample.type, actor: sample.actor, subjects: sample.subjects, content: sample.content };
  // Warm-up (JIT, PGlite caches), not measured.
  for (let i = 0; i < 500; i++) await db.transaction((tx) => appendAuditEntry(tx, one));
  // Floor: an empty transaction (BEGIN, SELECT 1, COMMIT).
  let t = performance.now();
  for (let i = 0; i < APPENDS; i++) await db.transaction((tx) => tx.query('SELECT 1'));
  const txFloorPerSec = APPENDS / ((performance.now() - t) / 1000);
  // Baseline: the same row, one plain INSERT per transaction, no counter and no hashing.
  t = performance.now();
  for (let i = 0; i < APPENDS; i++) {
    await db.transaction((tx) =>
      tx.query('INSERT INTO bench_plain VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        i,
        sample.time,
        sample.type,
        sample.actor,
        JSON.stringify(sample.subjects),
        JSON.stringify(sample.content),
        Buffer.alloc(32),
      ]),
    );
  }
  const plainPerSec = APPENDS / ((performance.now() - t) / 1000);
  t = performance.now();
  for (let i = 0; i < APPENDS; i++) {
    await db.transaction((tx) =>
      appendAuditEntry(tx, {
        type: sample.type,
        actor: sample.actor,
        subjects: sample.subjects,
        content: sample.content,
      }),
    );
  }
  const appendPerSec = APPENDS / ((performance.now() - t) / 1000);
  t = performance.now();
  const batch = Array.from({ length: 100 }, () => ({
    type: sample.type,
    actor: sample.actor,
    subjects: sample.subjects,
    content: sample.content,
  }));
  for (let i = 0; i < APPENDS; i += 100) await db.transaction((tx) => appendAuditEntries(tx, batch));
  const appendBatchedPerSec = APPENDS / ((performance.now() - t) / 1000);
  await db.close();
  return { appendPerSec, appendBatchedPerSec, plainPerSec, txFloorPerSec };
}

async function main() {
  log(`append: ${APPENDS} entries on in-memory PGlite`);
  const a = await benchAppend();
  log(
    `append ${Math.round(a.appendPerSec)}/s (100 per tx ${Math.round(a.appendBatchedPerSec)}/s, plain insert ${Math.round(a.plainPerSec)}/s)`,
  );

  const dir = mkdtempSync(join(tmpdir(), 'pontis-audit-bench-'));
  const file = join(dir, 'export.jsonl');
  const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA');
  const publicJwk = await jose.exportJWK(publicKey);
  const signer = { kid: `${did}#key-1`, privateKey };

  log(`building ${N} entries, their leaves and the export file`);
  const t = performance.now();
  const tree = new MerkleTree();
  const out = createWriteStream(file);
  const write = (s: string) =>
    out.write(s) ? undefined : new Promise<void>((r) => out.once('drain', () => r()));
  // The header carries the head at size N, so the entry lines are built (in chunks) before it is written.
  const lines: string[] = [];
  let chunk = '';
  for (let i = 0; i < N; i++) {
    const e = entry(i);
    const leaf = entryLeafHash(e);
    tree.append(leaf);
    chunk += exportEntryLine(e, leaf);
    if ((i + 1) % 10_000 === 0 || i === N - 1) {
      lines.push(chunk);
      chunk = '';
    }
  }
  const buildSeconds = (performance.now() - t) / 1000;
  const headJws = async (size: number) =>
    (
      await signTreeHead(
        { logId: did, treeSize: size, rootHash: toHex(tree.root(size)), timestamp: new Date().toISOString() },
        signer,
      )
    ).jws;
  await write(exportHeaderLine({ logId: did, treeSize: N, treeHead: await headJws(N) }));
  for (const c of lines) await write(c);
  lines.length = 0;
  for (let s = HEAD_EVERY; s < N; s += HEAD_EVERY) await write(exportTreeHeadLine(await headJws(s)));
  await new Promise<void>((r) => out.end(() => r()));
  log(`built in ${round(buildSeconds, 1)} s; export ${round(statSync(file).size / 2 ** 20, 0)} MiB`);

  log('proofs at full size');
  const rand = (n: number) => Math.floor(Math.random() * n);
  const inc: number[] = [];
  const con: number[] = [];
  for (let k = 0; k < 20_000; k++) {
    let s = performance.now();
    tree.inclusionProof(rand(N), N);
    inc.push(performance.now() - s);
    const size1 = 1 + rand(N - 1);
    s = performance.now();
    tree.consistencyProof(size1, N);
    con.push(performance.now() - s);
  }
  const h = new Uint8Array(32);
  let s = performance.now();
  for (let k = 0; k < 100_000; k++) hashChildren(h, h);
  const nodeHashUs = ((performance.now() - s) / 100_000) * 1000;
  s = performance.now();
  MerkleTree.fromLeafHashes(
    (function* () {
      for (let i = 0; i < N; i++) yield tree.leafHash(i);
    })(),
  );
  const rebuildSeconds = (performance.now() - s) / 1000;

  log('baselines: read and parse the export; SHA-256 of every line');
  s = performance.now();
  let parsed = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    if (line) {
      JSON.parse(line);
      parsed++;
    }
  }
  const readParseSeconds = (performance.now() - s) / 1000;
  s = performance.now();
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    createHash('sha256').update(line).digest();
  }
  const sha256LinesSeconds = (performance.now() - s) / 1000;

  log('verify');
  s = performance.now();
  const report = await verifyExport(createInterface({ input: createReadStream(file), crlfDelay: Infinity }), {
    keys: publicJwk,
  });
  const verifySeconds = (performance.now() - s) / 1000;
  if (!report.ok || report.entries !== N || parsed < N)
    throw new Error(`verification failed: ${JSON.stringify(report.problems.slice(0, 3))}`);
  log(
    `verified ${report.entries} entries and ${report.treeHeadsVerified} heads in ${round(verifySeconds, 1)} s`,
  );
  rmSync(dir, { recursive: true, force: true });

  console.log(
    JSON.stringify({
      bench: 'audit',
      entries: N,
      appendPerSec: Math.round(a.appendPerSec),
      appendBatched100PerSec: Math.round(a.appendBatchedPerSec),
      plainInsertPerSec: Math.round(a.plainPerSec),
      emptyTxPerSec: Math.round(a.txFloorPerSec),
      proofP50Ms: round(pct(inc, 0.5), 4),
      proofP99Ms: round(pct(inc, 0.99), 4),
      consistencyProofP50Ms: round(pct(con, 0.5), 4),
      nodeHashUs: round(nodeHashUs, 3),
      cacheRebuild1MSeconds: round(rebuildSeconds * (1_000_000 / N), 2),
      verify1MSeconds: round(verifySeconds * (1_000_000 / N), 2),
      readParse1MSeconds: round(readParseSeconds * (1_000_000 / N), 2),
      sha256Lines1MSeconds: round(sha256LinesSeconds * (1_000_000 / N), 2),
      treeHeadsVerified: report.treeHeadsVerified,
      peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
}

await main();
