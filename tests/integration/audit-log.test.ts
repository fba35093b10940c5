import * as jose from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAuditEntry,
  AuditLog,
  auditLogSize,
  getAuditEntry,
  listAuditEntries,
} from '../../src/audit/log.js';
import { fromHex, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.js';
import { verifyTreeHead } from '../../src/audit/tree-head.js';
import { verifyExport, verifyReceipt } from '../../src/audit/verify.js';
import type { Database } from '../../src/store/db.js';
import { openTestDatabase } from '../helpers/db.js';

const did = 'did:web:provider.example';
let db: Database;
let log: AuditLog;
let publicJwk: jose.JWK;

async function collect(gen: AsyncIterable<string>): Promise<string[]> {
  let text = '';
  for await (const chunk of gen) text += chunk;
  return text.split('\n');
}

async function appendMany(n: number, start = 0): Promise<void> {
  for (let i = start; i < start + n; i++) {
    await db.transaction((tx) =>
      appendAuditEntry(tx, {
        type: i % 10 === 0 ? 'agreement' : 'enforcement.decision',
        actor: i % 2 ? 'did:web:consumer.example' : 'apikey:management',
        subjects: {
          agreementId: `agr-${i % 10 === 0 ? i : i - (i % 10)}`,
          participant: 'did:web:consumer.example',
          transferId: `tp-${i % 3}`,
        },
        content: {
          i,
          decision: i % 7 ? 'permit' : 'deny',
          nested: { list: [1, 2.5, 'x'], at: new Date(Date.UTC(2026, 0, 1)) },
        },
        time: new Date(Date.UTC(2026, 0, 1) + i * 1000),
      }),
    );
  }
}

beforeEach(async () => {
  db = await openTestDatabase();
  const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA');
  publicJwk = await jose.exportJWK(publicKey);
  log = new AuditLog({ db, logId: did, signer: { kid: `${did}#key-1`, privateKey } });
});
afterEach(async () => {
  await db.close();
});

describe('appending', () => {
  it('numbers entries 0..n-1 in commit order; a rolled-back append gives its seq back', async () => {
    expect(
      await db.transaction((tx) =>
        appendAuditEntry(tx, { type: 'management.change', actor: 'apikey:management', content: { a: 1 } }),
      ),
    ).toEqual({ seq: 0 });
    await expect(
      db.transaction(async (tx) => {
        await appendAuditEntry(tx, {
          type: 'management.change',
          actor: 'apikey:management',
          content: { a: 2 },
        });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction((tx) =>
          appendAuditEntry(tx, { type: 'management.change', actor: 'apikey:management', content: { i } }),
        ),
      ),
    );
    expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect(await auditLogSize(db)).toBe(21);
    // Given the database itself, it opens its own transaction.
    expect(await appendAuditEntry(db, { type: 'management.change', actor: 'system', content: {} })).toEqual({
      seq: 21,
    });
  });

  it('refuses bad entries with a clear error and appends nothing', async () => {
    const bad = [
      { type: 'Bad Type', actor: 'x', content: {} },
      { type: 'agreement', actor: '', content: {} },
      { type: 'agreement', actor: 'x', subjects: { agreementId: 5 as unknown as string }, content: {} },
      { type: 'agreement', actor: 'x', content: [] as unknown as Record<string, unknown> },
    ];
    for (const e of bad)
      await expect(db.transaction((tx) => appendAuditEntry(tx, e))).rejects.toThrow(/audit entry/);
    expect(await auditLogSize(db)).toBe(0);
  });

  it('stores what it hashed: entries read back have the recorded leaf hash', async () => {
    await appendMany(25);
    const { items, total } = await listAuditEntries(db, {}, { limit: 100 });
    expect(total).toBe(25);
    const { entryLeafHash } = await import('../../src/audit/entry.js');
    const { toHex } = await import('../../src/audit/merkle.js');
    for (const e of items) expect(toHex(entryLeafHash(e))).toBe(e.leafHash);
    expect((await getAuditEntry(db, 3)).content).toEqual({
      i: 3,
      decision: 'permit',
      nested: { list: [1, 2.5, 'x'], at: '2026-01-01T00:00:00.000Z' },
    });
  });
});

describe('reading and proofs', () => {
  it('filters by range, subject, type and time', async () => {
    await appendMany(30);
    expect((await listAuditEntries(db, { fromSeq: 5, toSeq: 8 })).items.map((e) => e.seq)).toEqual([5, 6, 7]);
    expect((await listAuditEntries(db, { agreementId: 'agr-10' })).items.map((e) => e.seq)).toEqual([
      10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    ]);
    expect((await listAuditEntries(db, { type: 'agreement' })).total).toBe(3);
    expect((await listAuditEntries(db, { transferId: 'tp-1', toSeq: 10 })).items.map((e) => e.seq)).toEqual([
      1, 4, 7,
    ]);
    const since = new Date(Date.UTC(2026, 0, 1) + 27 * 1000);
    expect((await listAuditEntries(db, { since })).items.map((e) => e.seq)).toEqual([27, 28, 29]);
    expect(
      (await listAuditEntries(db, { until: new Date(Date.UTC(2026, 0, 1) + 2000) })).items.map((e) => e.seq),
    ).toEqual([0, 1]);
    expect((await listAuditEntries(db, {}, { limit: 2, offset: 28 })).items.map((e) => e.seq)).toEqual([
      28, 29,
    ]);
  });

  it('inclusion and consistency proofs verify against signed tree heads', async () => {
    await appendMany(13);
    const h1 = await log.signTreeHead();
    await appendMany(20, 13);
    const h2 = await log.signTreeHead();
    expect([h1.treeSize, h2.treeSize]).toEqual([13, 33]);
    await verifyTreeHead(h2.jws, publicJwk, did);
    for (const seq of [0, 12, 13, 32]) {
      const p = await log.inclusionProof(seq, h2.treeSize);
      expect(
        verifyInclusion(seq, h2.treeSize, fromHex(p.leafHash), p.proof.map(fromHex), fromHex(h2.rootHash)),
      ).toBe(true);
    }
    const c = await log.consistencyProof(13, 33);
    expect(verifyConsistency(13, 33, c.proof.map(fromHex), fromHex(h1.rootHash), fromHex(h2.rootHash))).toBe(
      true,
    );
    await expect(log.inclusionProof(40)).rejects.toThrow(/not in a tree/);
  });

  it('a second process (replica) sees the same tree', async () => {
    await appendMany(17);
    const other = new AuditLog({ db, logId: did });
    await appendMany(5, 17);
    expect(await other.rootHash()).toBe(await log.rootHash());
    await expect(other.signTreeHead()).rejects.toThrow(/no signing key/);
  });

  it('signs periodically every N entries or T seconds, and only when entries are unsigned', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { privateKey } = await jose.generateKeyPair('EdDSA');
    const timed = new AuditLog({
      db,
      logId: did,
      signer: { kid: `${did}#key-1`, privateKey },
      now: () => new Date(now),
    });
    expect(await timed.maybeSignTreeHead(10, 60)).toBeUndefined();
    await appendMany(3);
    expect((await timed.maybeSignTreeHead(10, 60))?.treeSize).toBe(3); // no head yet: sign
    await appendMany(4, 3);
    expect(await timed.maybeSignTreeHead(10, 60)).toBeUndefined();
    now += 61_000;
    expect((await timed.maybeSignTreeHead(10, 60))?.treeSize).toBe(7);
    await appendMany(10, 7);
    expect((await timed.maybeSignTreeHead(10, 60))?.treeSize).toBe(17);
    now += 61_000;
    expect(await timed.maybeSignTreeHead(10, 60)).toBeUndefined();
    expect((await timed.treeHeads()).items.map((h) => h.treeSize)).toEqual([3, 7, 17]);
  });

  it('an agreement receipt verifies offline, and only for its counter-party', async () => {
    await appendMany(25);
    const receipt = await log.receipt('agr-10', 'did:web:consumer.example');
    expect(await verifyReceipt(JSON.parse(JSON.stringify(receipt)), { keys: publicJwk })).toMatchObject({
      ok: true,
    });
    await expect(log.receipt('agr-10', 'did:web:someone.else')).rejects.toThrow(/no agreement/);
    await expect(log.receipt('agr-99')).rejects.toThrow(/no agreement/);
  });
});

describe('export and tampering in the database', () => {
  it('an intact export verifies', async () => {
    await appendMany(30);
    await log.signTreeHead();
    const report = await verifyExport(await collect(log.export({ batch: 7 })), { keys: publicJwk });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, entries: 30, treeHeadsVerified: 2 });
  });

  it('names an entry whose content, time, type, actor or subjects were changed in the database', async () => {
    await appendMany(30);
    await log.signTreeHead();
    const edits = [
      `UPDATE audit_entries SET content = jsonb_set(content, '{decision}', '"deny"') WHERE seq = 12`,
      `UPDATE audit_entries SET time = time + interval '1 second' WHERE seq = 12`,
      `UPDATE audit_entries SET type = 'management.change' WHERE seq = 12`,
      `UPDATE audit_entries SET actor = 'did:web:x' WHERE seq = 12`,
      `UPDATE audit_entries SET subjects = '{}' WHERE seq = 12`,
    ];
    for (const sql of edits) {
      const before = await getAuditEntry(db, 12);
      await db.query(sql);
      const report = await verifyExport(await collect(log.export()), { keys: publicJwk });
      expect(report.ok, sql).toBe(false);
      expect(report.problems[0], sql).toMatchObject({ seq: 12 });
      await db.query(
        'UPDATE audit_entries SET time = $2, type = $3, actor = $4, subjects = $5, content = $6 WHERE seq = $1',
        [
          12,
          before.time,
          before.type,
          before.actor,
          JSON.stringify(before.subjects),
          JSON.stringify(before.content),
        ],
      );
    }
  });

  it('detects a rewrite of content and leaf hash against the heads signed before it', async () => {
    await appendMany(30);
    await log.signTreeHead();
    await db.query(`UPDATE audit_entries SET content = '{"i":12}' WHERE seq = 12`);
    const { entryLeafHash } = await import('../../src/audit/entry.js');
    const e = await getAuditEntry(db, 12);
    await db.query('UPDATE audit_entries SET leaf_hash = $2 WHERE seq = $1', [12, entryLeafHash(e)]);
    // A restarted connector rebuilds its cache from the rewritten hashes and signs the new root...
    const restarted = new AuditLog({ db, logId: did, signer: (log as unknown as { signer: never }).signer });
    const report = await verifyExport(await collect(restarted.export()), { keys: publicJwk });
    // ... but the head signed before the rewrite no longer matches.
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ check: 'root-mismatch', seq: 0 });
    expect(report.problems[0]!.message).toMatch(/between seq 0 and 29/);
    expect(report.problems.map((p) => p.check)).toContain('fork');
  });

  it('names a deleted row', async () => {
    await appendMany(30);
    await log.signTreeHead();
    await db.query('DELETE FROM audit_entries WHERE seq = 12');
    const restarted = new AuditLog({ db, logId: did, signer: (log as unknown as { signer: never }).signer });
    const report = await verifyExport(await collect(restarted.export()), { keys: publicJwk });
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ check: 'sequence', seq: 12 });
  });
});

describe('batched appends', () => {
  it('appendAuditEntries numbers a batch consecutively with the same leaf hashes as single appends', async () => {
    await appendAuditEntry(db, { type: 'management.change', actor: 'system', content: { first: true } });
    const { appendAuditEntries } = await import('../../src/audit/log.js');
    const batch = Array.from({ length: 50 }, (_, i) => ({
      type: 'enforcement.decision',
      actor: 'did:web:consumer.example',
      subjects: { transferId: `tp-${i}`, agreementId: i % 2 ? 'agr-"quoted"' : 'agr-\u00e9\u20ac' },
      content: { i, text: 'line\nbreak "quote" \\ backslash', list: [i, { k: null }] },
      time: new Date(Date.UTC(2026, 0, 1) + i),
    }));
    expect((await db.transaction((tx) => appendAuditEntries(tx, batch))).seqs).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const { items } = await listAuditEntries(db, {}, { limit: 100 });
    const { entryLeafHash } = await import('../../src/audit/entry.js');
    const { toHex } = await import('../../src/audit/merkle.js');
    for (const e of items) expect(toHex(entryLeafHash(e))).toBe(e.leafHash);
    expect(items[7]!.subjects).toEqual(batch[6]!.subjects);
    expect(items[7]!.content).toEqual(batch[6]!.content);
    await log.signTreeHead();
    expect((await verifyExport(await collect(log.export()), { keys: publicJwk })).ok).toBe(true);
  });
});

describe('self-check', () => {
  it('passes on an intact log and names a rewrite after the latest head', async () => {
    await appendMany(12);
    await log.signTreeHead();
    expect(await new AuditLog({ db, logId: did }).selfCheck()).toBeUndefined();
    await db.query(`UPDATE audit_entries SET leaf_hash = sha256('x'::bytea) WHERE seq = 3`);
    expect(await new AuditLog({ db, logId: did }).selfCheck()).toMatch(
      /no longer match the tree head signed at size 12/,
    );
    await db.query('DELETE FROM audit_entries WHERE seq = 5');
    expect(await new AuditLog({ db, logId: did }).selfCheck()).toMatch(/no entry 5/);
  });
});
