/**
 * bench/negotiation: N negotiations, C at a time, from REQUESTED to FINALIZED between two connectors on
 * loopback, with DCP on every DSP message (self-issued tokens, presentation queries to the credential
 * service, VC-JOSE membership credentials from an issuer), the provider's contract policy evaluated,
 * audit entries and outbox messages committed with every transition. Latency is the consumer's own
 * record: from its negotiation's creation to its FINALIZED transition (database timestamps).
 * Floor in the same run: the same number of sequences of 4 bare HTTP round trips (the 4 DSP messages a
 * negotiation needs), C at a time, against a bare node:http server.
 * On PGlite always; on PostgreSQL when DATABASE_URL is set (fresh schemas, dropped afterwards).
 *
 *   npm run bench -- negotiation      (BENCH_N=300 BENCH_CONCURRENCY=50)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ConfigInput } from '../src/config/index.js';
import { PONTIS_CREDENTIALS_CONTEXT } from '../src/identity/contexts.js';
import { issueCredential } from '../src/identity/issue.js';
import { generateKeyPair, keyFileContent, loadKeys } from '../src/identity/keys.js';
import { startConnector, type RunningConnector } from '../src/runtime/connector.js';
import { migrate, openPglite, openPostgres, type Database } from '../src/store/index.js';

const N = Number(process.env.BENCH_N ?? 300);
const C = Number(process.env.BENCH_CONCURRENCY ?? 50);
const KEY = 'bench-management-key-0123456789';

async function start(name: string, db: Database, extra: ConfigInput = {}): Promise<RunningConnector> {
  const config = loadConfig({
    env: {},
    overrides: {
      name,
      dataDir: mkdtempSync(join(tmpdir(), `pontis-bench-${name}-`)),
      protocol: { port: 0 },
      management: { port: 0, apiKey: KEY },
      data: { port: 0 },
      ops: { port: 0 },
      auditor: { apiKey: 'bench-auditor-key-0123456789abcd' },
      log: { level: 'silent' },
      outbox: { pollMs: 200, batch: Number(process.env.BENCH_OUTBOX_BATCH ?? 100), retryBaseMs: 100 },
      ...extra,
    } as ConfigInput,
  });
  return startConnector(config, { database: db });
}

async function api(c: RunningConnector, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(c.urls.management + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'X-Api-Key': KEY, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (x: number) => Math.round(x * 10) / 10;

async function pool<T>(n: number, c: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(c, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await task(i);
      }
    }),
  );
  return out;
}

async function run(store: string, open: () => Promise<Database>) {
  const key = keyFileContent(await generateKeyPair('Ed25519'));
  const issuerKeys = await loadKeys({ json: key });
  const issuer = await start(`issuer-${store}`, await open(), {
    role: 'issuer',
    identity: { key, allowHttpDidWeb: true },
  });
  const trust = {
    allowHttpDidWeb: true,
    trustedIssuers: [{ did: issuer.services.did, types: ['MembershipCredential'] }],
  };
  const provider = await start(`provider-${store}`, await open(), { identity: trust });
  const consumer = await start(`consumer-${store}`, await open(), { identity: trust });
  try {
    for (const c of [provider, consumer]) {
      const credential = await issueCredential({
        credential: {
          '@context': ['https://www.w3.org/ns/credentials/v2', PONTIS_CREDENTIALS_CONTEXT],
          id: `urn:uuid:${randomUUID()}`,
          type: ['VerifiableCredential', 'MembershipCredential'],
          issuer: issuer.services.did,
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validUntil: new Date(Date.now() + 86_400_000).toISOString(),
          credentialSubject: { id: c.services.did, memberOf: 'bench', level: 'gold' },
        },
        format: 'vc-jose',
        issuerDid: issuer.services.did,
        key: issuerKeys.current,
      });
      await api(c, '/v1/identity/credentials', { credential });
    }
    await api(provider, '/v1/assets', {
      id: 'bench-data',
      title: 'Bench data',
      distributions: [{ format: 'HttpData-PULL', mediaType: 'text/csv' }],
      dataAddress: { type: 'HttpData', baseUrl: 'http://internal.example/data' },
    });
    await api(provider, '/v1/offers', {
      id: 'bench',
      accessPolicy: { '@type': 'Set', permission: [{ action: 'use' }] },
      contractPolicy: {
        '@type': 'Offer',
        permission: [
          {
            action: 'use',
            constraint: [
              { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'true' },
              {
                leftOperand: 'pontis:credentialClaim',
                'pontis:fromCredential': 'MembershipCredential',
                'pontis:claimPath': '$.level',
                operator: 'eq',
                rightOperand: 'gold',
              },
            ],
          },
        ],
      },
      assetSelector: { assetIds: ['bench-data'] },
    });
    const cat = await api(consumer, '/v1/catalog/request', {
      address: provider.urls.public,
      did: provider.services.did,
    });
    const ds = (cat.datasets as { '@id': string; hasPolicy: Record<string, unknown>[] }[])[0]!;
    const body = {
      counterPartyAddress: provider.urls.public,
      counterPartyId: provider.services.did,
      offer: { ...ds.hasPolicy[0], target: ds['@id'] },
    };
    const finalized = async () =>
      Number(
        (
          await consumer.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM negotiations WHERE state = 'FINALIZED'`,
          )
        ).rows[0]!.n,
      );
    const waitAll = async (n: number) => {
      const until = Date.now() + 300_000;
      for (;;) {
        const done = await finalized();
        if (done >= n) return;
        const bad = await consumer.db.query(`SELECT id FROM negotiations WHERE state = 'TERMINATED' LIMIT 1`);
        if (bad.rows.length) throw new Error(`a negotiation was terminated: ${JSON.stringify(bad.rows)}`);
        if (Date.now() > until) throw new Error(`only ${done} of ${n} finalized`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Warm-up (DID documents, token caches, JIT).
    await pool(10, 5, () => api(consumer, '/v1/negotiations', body));
    await waitAll(10);
    const t0 = performance.now();
    await pool(N, C, () => api(consumer, '/v1/negotiations', body));
    await waitAll(N + 10);
    const seconds = (performance.now() - t0) / 1000;
    const lat = await consumer.db.query<{ ms: number }>(
      `SELECT extract(epoch FROM (h.at - n.created_at)) * 1000 AS ms
         FROM negotiations n JOIN negotiation_history h ON h.negotiation_id = n.id AND h.to_state = 'FINALIZED'
        ORDER BY n.created_at DESC LIMIT $1`,
      [N],
    );
    const ms = lat.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
    if (process.env.BENCH_TRACE) {
      // Median time of each hop over all negotiations (consumer and provider history side by side).
      const hist = async (c: RunningConnector, pid: string) =>
        (
          await c.db.query<{ pid: string; to_state: string; direction: string; at: Date }>(
            `SELECT n.${pid} AS pid, h.to_state, h.direction, h.at FROM negotiation_history h
               JOIN negotiations n ON n.id = h.negotiation_id ORDER BY h.id`,
          )
        ).rows;
      const rows = [
        ...(await hist(consumer, 'consumer_pid')).map((r) => ({ ...r, side: 'C' })),
        ...(await hist(provider, 'consumer_pid')).map((r) => ({ ...r, side: 'P' })),
      ];
      const by = new Map<string, Map<string, number>>();
      for (const r of rows) {
        const m = by.get(r.pid) ?? new Map<string, number>();
        m.set(`${r.side}:${r.to_state}`, new Date(r.at).getTime());
        by.set(r.pid, m);
      }
      const hops = [
        'C:REQUESTED',
        'P:REQUESTED',
        'P:AGREED',
        'C:AGREED',
        'C:VERIFIED',
        'P:VERIFIED',
        'P:FINALIZED',
        'C:FINALIZED',
      ];
      const med: Record<string, number> = {};
      for (let i = 1; i < hops.length; i++) {
        const d = [...by.values()]
          .map((m) => (m.get(hops[i]!) ?? NaN) - (m.get(hops[i - 1]!) ?? NaN))
          .filter((x) => !Number.isNaN(x))
          .sort((a, b) => a - b);
        med[`${hops[i - 1]}>${hops[i]}`] = d.length ? pct(d, 0.5) : NaN;
      }
      console.error(`${store} median hop ms: ${JSON.stringify(med)}`);
    }
    const figures = { perSec: round(N / seconds), p50Ms: round(pct(ms, 0.5)), p95Ms: round(pct(ms, 0.95)) };
    console.error(`${store}: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    await Promise.all([consumer.stop(), provider.stop(), issuer.stop()]);
  }
}

/** N sequences of 4 bare HTTP POST round trips, C at a time. */
async function floor() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/x', agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{"@type":"ContractNegotiationEventMessage"}');
    });
  const t0 = performance.now();
  const ms = await pool(N, C, async () => {
    const s = performance.now();
    for (let i = 0; i < 4; i++) await post();
    return performance.now() - s;
  });
  const seconds = (performance.now() - t0) / 1000;
  server.close();
  ms.sort((a, b) => a - b);
  return {
    floorPerSec: round(N / seconds),
    floorP50Ms: round(pct(ms, 0.5)),
    floorP95Ms: round(pct(ms, 0.95)),
  };
}

const figures: Record<string, number | string | null> = { n: N, concurrency: C };
const pg = await run('pglite', async () => {
  const db = await openPglite();
  await migrate(db);
  return db;
});
Object.assign(figures, { pgliteNegotiationsPerSec: pg.perSec, pgliteP50Ms: pg.p50Ms, pgliteP95Ms: pg.p95Ms });
const url = process.env.DATABASE_URL;
if (url) {
  const admin = await openPostgres(url, { max: 1 });
  const schemas: string[] = [];
  try {
    const r = await run('postgres', async () => {
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      schemas.push(schema);
      await admin.exec(`CREATE SCHEMA ${schema}`);
      const db = await openPostgres(url, { schema, max: 10 });
      await migrate(db);
      return db;
    });
    Object.assign(figures, {
      postgresNegotiationsPerSec: r.perSec,
      postgresP50Ms: r.p50Ms,
      postgresP95Ms: r.p95Ms,
    });
  } finally {
    for (const s of schemas) await admin.exec(`DROP SCHEMA ${s} CASCADE`);
    await admin.close();
  }
} else {
  console.error('DATABASE_URL is not set: PostgreSQL figures skipped');
}
Object.assign(figures, await floor());
console.log(JSON.stringify({ bench: 'negotiation', ...figures }));
