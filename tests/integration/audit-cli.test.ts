import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TreeHeadSigner } from '../../src/audit/tree-head.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { auditModuleWith } from '../../src/runtime/modules/audit.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { AUDITOR_KEY, startTestConnector } from '../helpers/connector.js';

const BIN = new URL('../../bin/pontis.js', import.meta.url).pathname;

function pontis(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PONTIS_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out:\n${out}`));
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

let c: RunningConnector;
let dir: string;
let keyFile: string;
let exportFile: string;
let lines: string[];

/** Writes a variant of the export and verifies it with the CLI. */
async function verifyVariant(name: string, variant: string[], extra: string[] = []) {
  const file = join(dir, `${name}.jsonl`);
  writeFileSync(file, variant.join('\n'));
  return pontis(['audit', 'verify', file, '--key', keyFile, ...extra]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pontis-audit-cli-'));
  const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA');
  keyFile = join(dir, 'key.jwk');
  writeFileSync(keyFile, JSON.stringify(await jose.exportJWK(publicKey)));
  c = await startTestConnector(
    {},
    {
      modules: [
        systemModule,
        (ctx) =>
          auditModuleWith({ signer: { kid: `${ctx.services.did}#key-1`, privateKey } as TreeHeadSigner })(
            ctx,
          ),
      ],
    },
  );
  for (let i = 0; i < 20; i++) {
    await c.db.transaction((tx) =>
      c.services.audit!.append(tx, {
        type: i === 4 ? 'agreement' : 'enforcement.decision',
        actor: 'did:web:consumer.example',
        subjects: { agreementId: 'agr-1', participant: 'did:web:consumer.example' },
        content: { i, decision: 'permit', rule: 'permission[0]' },
      }),
    );
  }
  exportFile = join(dir, 'export.jsonl');
  const r = await pontis([
    'audit',
    'export',
    '--url',
    c.urls.management,
    '--api-key',
    AUDITOR_KEY,
    '-o',
    exportFile,
  ]);
  expect(r.code, r.out).toBe(0);
  lines = readFileSync(exportFile, 'utf8').split('\n');
}, 120_000);
afterAll(async () => {
  await c?.stop();
});

describe('pontis audit export / verify', () => {
  it('an untouched export verifies: exit 0', async () => {
    const r = await pontis(['audit', 'verify', exportFile, '--key', keyFile]);
    expect(r.out).toMatch(/20 entries/);
    expect(r.out).toMatch(/OK/);
    expect(r.code).toBe(0);
  });

  it('a changed field fails, naming the seq', async () => {
    const entry = JSON.parse(lines[8]!) as { seq: number; content: Record<string, unknown> };
    expect(entry.seq).toBe(7);
    entry.content.decision = 'deny';
    const variant = [...lines];
    variant[8] = JSON.stringify(entry);
    const r = await verifyVariant('changed', variant);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/first bad entry: seq 7/);
  });

  it('a deleted, a reordered and a truncated export fail, naming the seq', async () => {
    const deleted = [...lines];
    deleted.splice(1 + 11, 1);
    let r = await verifyVariant('deleted', deleted);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/first bad entry: seq 11/);

    const reordered = [...lines];
    [reordered[1 + 3], reordered[1 + 4]] = [reordered[1 + 4]!, reordered[1 + 3]!];
    r = await verifyVariant('reordered', reordered);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/first bad entry: seq 3/);

    const truncated = lines.slice(0, 1 + 15);
    r = await verifyVariant('truncated', truncated);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/first bad entry: seq 15/);
  });

  it('a wrong key fails; --json prints the report', async () => {
    const other = await jose.generateKeyPair('EdDSA');
    const otherFile = join(dir, 'other.jwk');
    writeFileSync(otherFile, JSON.stringify(await jose.exportJWK(other.publicKey)));
    let r = await pontis(['audit', 'verify', exportFile, '--key', otherFile]);
    expect(r.code).toBe(1);
    r = await pontis(['audit', 'verify', exportFile, '--key', keyFile, '--json']);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, entries: 20, problems: [] });
  });

  it('a receipt fetched with the CLI verifies with the CLI alone', async () => {
    const receiptFile = join(dir, 'receipt.json');
    let r = await pontis([
      'audit',
      'receipt',
      'agr-1',
      '--url',
      c.urls.management,
      '--api-key',
      AUDITOR_KEY,
      '-o',
      receiptFile,
    ]);
    expect(r.code, r.out).toBe(0);
    r = await pontis(['audit', 'verify', '--receipt', receiptFile, '--key', keyFile]);
    expect(r.code, r.out).toBe(0);
    const receipt = JSON.parse(readFileSync(receiptFile, 'utf8')) as {
      entry: { content: Record<string, unknown> };
    };
    receipt.entry.content.i = 99;
    writeFileSync(receiptFile, JSON.stringify(receipt));
    r = await pontis(['audit', 'verify', '--receipt', receiptFile, '--key', keyFile]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/seq 4/);
  });

  it('bad usage exits 2', async () => {
    expect((await pontis(['audit', 'verify'])).code).toBe(2);
    expect((await pontis(['audit', 'verify', join(dir, 'missing.jsonl'), '--key', keyFile])).code).toBe(2);
  });
});

describe('pontis audit verify against the resolved DID', () => {
  it("checks tree heads with the key in the connector's DID document (did:web over loopback HTTP)", async () => {
    const full = await startTestConnector();
    try {
      await full.db.transaction((tx) =>
        full.services.audit!.append(tx, {
          type: 'management.change',
          actor: 'apikey:management',
          subjects: {},
          content: { x: 1 },
        }),
      );
      const file = join(dir, 'full.jsonl');
      let r = await pontis([
        'audit',
        'export',
        '--url',
        full.urls.management,
        '--api-key',
        AUDITOR_KEY,
        '-o',
        file,
      ]);
      expect(r.code, r.out).toBe(0);
      r = await pontis(['audit', 'verify', file, '--allow-http', '--did', full.services.did]);
      expect(r.out).toMatch(/OK/);
      expect(r.code).toBe(0);
      // The same export against another DID's key fails.
      r = await pontis(['audit', 'verify', file, '--key', keyFile]);
      expect(r.code).toBe(1);
    } finally {
      await full.stop();
    }
  });
});
