import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAuditEntry } from '../../src/audit/log.js';
import { fromHex, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.js';
import { verifyTreeHead } from '../../src/audit/tree-head.js';
import type { TreeHeadSigner } from '../../src/audit/tree-head.js';
import { verifyExport, verifyReceipt } from '../../src/audit/verify.js';
import { UnauthorizedError } from '../../src/errors.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import type { IdentityService } from '../../src/runtime/services.js';
import { auditModuleWith } from '../../src/runtime/modules/audit.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { AUDITOR_KEY, MANAGEMENT_KEY, management, startTestConnector } from '../helpers/connector.js';

let c: RunningConnector;
let publicJwk: jose.JWK;
const auditor = (path: string, key = AUDITOR_KEY) => management(c, `/v1/audit${path}`, { key });

beforeAll(async () => {
  const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA');
  publicJwk = await jose.exportJWK(publicKey);
  let signer: TreeHeadSigner | undefined;
  c = await startTestConnector(
    {},
    {
      modules: [
        systemModule,
        (ctx) => {
          signer = { kid: `${ctx.services.did}#key-1`, privateKey };
          return auditModuleWith({ signer })(ctx);
        },
      ],
    },
  );
  for (let i = 0; i < 12; i++) {
    await c.db.transaction((tx) =>
      c.services.audit!.append(tx, {
        type: i === 3 ? 'agreement' : 'negotiation.transition',
        actor: 'did:web:consumer.example',
        subjects: {
          negotiationId: `neg-${i % 2}`,
          agreementId: i >= 3 ? 'agr-1' : undefined,
          participant: 'did:web:consumer.example',
        },
        content: { i, state: 'REQUESTED' },
      }),
    );
  }
});
afterAll(async () => {
  await c?.stop();
});

describe('auditor API', () => {
  it('the auditor credential reads the audit API and nothing else; the management credential cannot read it', async () => {
    expect((await auditor('/entries')).status).toBe(200);
    expect((await auditor('/entries', MANAGEMENT_KEY)).status).toBe(403);
    expect((await auditor('/export', MANAGEMENT_KEY)).status).toBe(403);
    expect((await auditor('/entries', 'wrong-key')).status).toBe(401);
    expect((await management(c, '/v1/info', { key: AUDITOR_KEY })).status).toBe(403);
    expect((await management(c, '/v1/info')).status).toBe(200);
  });

  it('lists entries by range and filter', async () => {
    const all = (await (await auditor('/entries?limit=5')).json()) as {
      items: { seq: number }[];
      total: number;
    };
    expect(all.total).toBe(12);
    expect(all.items.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    const range = (await (await auditor('/entries?from=4&to=7')).json()) as { items: { seq: number }[] };
    expect(range.items.map((e) => e.seq)).toEqual([4, 5, 6]);
    const neg = (await (await auditor('/entries?negotiationId=neg-1&agreementId=agr-1')).json()) as {
      items: { seq: number }[];
    };
    expect(neg.items.map((e) => e.seq)).toEqual([3, 5, 7, 9, 11]);
    const typed = (await (await auditor('/entries?type=agreement')).json()) as { total: number };
    expect(typed.total).toBe(1);
    expect((await auditor('/entries?from=-1')).status).toBe(400);
    expect((await auditor('/entries/99')).status).toBe(404);
    expect(((await (await auditor('/entries/3')).json()) as { type: string }).type).toBe('agreement');
  });

  it('serves signed tree heads, inclusion and consistency proofs that verify', async () => {
    const h1 = (await (await auditor('/tree-heads/latest?fresh=true')).json()) as {
      jws: string;
      treeSize: number;
      rootHash: string;
    };
    expect(h1.treeSize).toBe(12);
    await verifyTreeHead(h1.jws, publicJwk, c.services.did);
    await c.db.transaction((tx) =>
      appendAuditEntry(tx, { type: 'management.change', actor: 'apikey:management', content: { what: 'x' } }),
    );
    const h2 = (await (await auditor('/tree-heads/latest?fresh=true')).json()) as {
      jws: string;
      treeSize: number;
      rootHash: string;
    };
    expect(h2.treeSize).toBe(13);
    const p = (await (await auditor('/entries/5/inclusion-proof')).json()) as {
      leafHash: string;
      proof: string[];
      treeSize: number;
      treeHead: string;
    };
    const head = await verifyTreeHead(p.treeHead, publicJwk);
    expect(
      verifyInclusion(5, p.treeSize, fromHex(p.leafHash), p.proof.map(fromHex), fromHex(head.rootHash)),
    ).toBe(true);
    const c12 = (await (await auditor('/consistency-proof?first=12&second=13')).json()) as {
      proof: string[];
    };
    expect(
      verifyConsistency(12, 13, c12.proof.map(fromHex), fromHex(h1.rootHash), fromHex(h2.rootHash)),
    ).toBe(true);
    const list = (await (await auditor('/tree-heads')).json()) as {
      items: { treeSize: number }[];
      total: number;
    };
    // The periodic signer may have signed at 12 as well.
    expect([...new Set(list.items.map((h) => h.treeSize))]).toEqual([12, 13]);
    expect((await auditor('/consistency-proof?first=14')).status).toBe(400);
    expect((await auditor('/entries/5/inclusion-proof?treeSize=99')).status).toBe(404);
  });

  it('streams an export that verifies, and a receipt', async () => {
    const res = await auditor('/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await res.text()).split('\n');
    const report = await verifyExport(lines, { keys: publicJwk });
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    const receipt = await (await auditor('/receipts/agr-1')).json();
    expect(await verifyReceipt(receipt, { keys: publicJwk })).toMatchObject({ ok: true });
    expect((await auditor('/receipts/agr-404')).status).toBe(404);
  });
});

describe('receipts for the counter-party on the protocol listener', () => {
  let p: RunningConnector;
  let key: jose.JWK;
  beforeAll(async () => {
    const { privateKey, publicKey } = await jose.generateKeyPair('EdDSA');
    key = await jose.exportJWK(publicKey);
    p = await startTestConnector(
      {},
      {
        modules: [
          systemModule,
          (ctx) => {
            // A stand-in for DCP: the bearer token names the caller.
            ctx.services.identity = {
              did: ctx.services.did,
              authenticate: async (authz?: string) => {
                if (!authz?.startsWith('Bearer did:')) throw new UnauthorizedError('no token');
                return { did: authz.slice(7), credentials: [] };
              },
            } as unknown as IdentityService;
            return { name: 'fake-identity' };
          },
          (ctx) => auditModuleWith({ signer: { kid: `${ctx.services.did}#key-1`, privateKey } })(ctx),
        ],
      },
    );
    await p.db.transaction((tx) =>
      p.services.audit!.append(tx, {
        type: 'agreement',
        actor: p.services.did,
        subjects: { agreementId: 'agr-7', participant: 'did:web:consumer.example', negotiationId: 'neg-7' },
        content: { agreement: { '@id': 'agr-7', target: 'asset-1' } },
      }),
    );
  });
  afterAll(async () => {
    await p?.stop();
  });

  const get = (path: string, token?: string) =>
    fetch(p.urls.protocol + path, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

  it('the counter-party gets a receipt that verifies against the connector key', async () => {
    const res = await get('/audit/receipts/agr-7', 'did:web:consumer.example');
    expect(res.status).toBe(200);
    expect(await verifyReceipt(await res.json(), { keys: key, expectedLogId: p.services.did })).toMatchObject(
      { ok: true },
    );
  });

  it('anyone else gets 404, and no token 401', async () => {
    expect((await get('/audit/receipts/agr-7', 'did:web:someone.else')).status).toBe(404);
    expect((await get('/audit/receipts/agr-8', 'did:web:consumer.example')).status).toBe(404);
    expect((await get('/audit/receipts/agr-7')).status).toBe(401);
  });
});

describe('the full connector', () => {
  it('signs tree heads with the identity key', async () => {
    const full = await startTestConnector();
    try {
      const res = await management(full, '/v1/audit/tree-heads/latest?fresh=true', { key: AUDITOR_KEY });
      expect(res.status).toBe(200);
      const head = (await res.json()) as { jws: string; logId: string };
      expect(head.logId).toBe(full.services.did);
      const jwk = full.services.identity!.publicJwk() as jose.JWK;
      await expect(verifyTreeHead(head.jws, jwk, full.services.did)).resolves.toMatchObject({
        logId: full.services.did,
      });
    } finally {
      await full.stop();
    }
  });
});
