/**
 * DSP catalogue speed with 100,000 datasets: the first catalogue page (POST /catalog/request) and one
 * dataset by id (GET /catalog/datasets/:id), over HTTP on loopback, as a member who sees every
 * dataset through two offers (a public one for all, a members-only one for a tenth). Baselines in the
 * same run: a bare HTTP round trip to the same listener (GET /.well-known/dspace-version) and a bare
 * `SELECT 1` on the same database. On PGlite always, on PostgreSQL when DATABASE_URL is set (a fresh
 * schema, dropped afterwards).
 *
 *   npm run bench -- catalog          (BENCH_DATASETS=N, BENCH_REQUESTS=N to change the sizes)
 *
 * Last line: {"bench":"catalog","datasets":...,"pgliteFirstPageP50Ms":...,...}
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createOffer } from '../src/catalog/store.js';
import { loadConfig } from '../src/config/index.js';
import type { VerifiedParticipant } from '../src/identity/participant.js';
import { startConnector } from '../src/runtime/connector.js';
import type { ModuleFactory } from '../src/runtime/module.js';
import { catalogModule } from '../src/runtime/modules/catalog.js';
import { systemModule } from '../src/runtime/modules/system.js';
import type { Database } from '../src/store/index.js';
import { migrate, openPglite, openPostgres } from '../src/store/index.js';

const DATASETS = Number(process.env.BENCH_DATASETS ?? 100_000);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const PAGE_SIZE = 100;

const MEMBER: VerifiedParticipant = {
  did: 'did:web:member.example',
  credentials: [
    {
      types: ['VerifiableCredential', 'MembershipCredential'],
      issuer: 'did:web:authority.example',
      subject: { id: 'did:web:member.example' },
    },
  ],
};

/** The bench's caller is known in advance: DCP costs are identity's bench, not this one's. */
const benchIdentity: ModuleFactory = (ctx) => {
  ctx.services.identity = {
    did: ctx.services.did,
    authenticate: () => Promise.resolve(MEMBER),
    authorizationFor: () => Promise.resolve('Bearer bench'),
    sign: () => Promise.reject(new Error('not in the bench')),
    verifyOwn: () => Promise.reject(new Error('not in the bench')),
    publicJwk: () => ({}),
  };
  return { name: 'bench-identity' };
};

function bulkSql(n: number): string {
  return `INSERT INTO catalog_assets (id, title, keywords, metadata, dataset, data_address)
    SELECT 'ds' || lpad(i::text, 6, '0'), 'Dataset ' || i, ARRAY['bench', 'k' || (i % 10)],
      jsonb_build_object('title', 'Dataset ' || i, 'description', 'Hourly readings of station ' || i,
        'keywords', jsonb_build_array('bench', 'k' || (i % 10)),
        'distributions', jsonb_build_array(jsonb_build_object('format', 'HttpData-PULL', 'mediaType', 'text/csv'))),
      jsonb_build_object(
        'extra', jsonb_build_object('dct:title', 'Dataset ' || i, 'dct:description', 'Hourly readings of station ' || i,
          'dcat:keyword', jsonb_build_array('bench', 'k' || (i % 10)),
          'dct:license', jsonb_build_object('@id', 'https://creativecommons.org/licenses/by/4.0/')),
        'distributions', jsonb_build_array(jsonb_build_object('format', 'HttpData-PULL',
          'extra', jsonb_build_object('dcat:mediaType', 'text/csv')))),
      '{"type":"HttpData","baseUrl":"http://internal.example/x"}'::jsonb
    FROM generate_series(1, ${n}) AS i`;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};
const round = (x: number) => Math.round(x * 1000) / 1000;

async function time(n: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

async function run(name: string, db: Database): Promise<Record<string, number>> {
  await migrate(db);
  let t = performance.now();
  await db.exec(bulkSql(DATASETS));
  await db.exec('ANALYZE catalog_assets');
  console.error(`${name}: ${DATASETS} datasets inserted in ${Math.round(performance.now() - t)} ms`);
  const ctx = { actor: 'bench' };
  await createOffer(
    db,
    {
      id: 'public',
      accessPolicy: { '@type': 'Set', permission: [{ action: 'use' }] },
      contractPolicy: {
        '@type': 'Offer',
        permission: [
          {
            action: 'use',
            constraint: [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: '2099-01-01T00:00:00Z' }],
          },
        ],
      },
    },
    undefined,
    ctx,
  );
  await createOffer(
    db,
    {
      id: 'members',
      accessPolicy: {
        '@type': 'Set',
        permission: [
          {
            action: 'use',
            constraint: [{ leftOperand: 'pontis:membership', operator: 'eq', rightOperand: true }],
          },
        ],
      },
      contractPolicy: { '@type': 'Offer', permission: [{ action: 'use' }] },
      assetSelector: { criteria: [{ property: 'keyword', operator: 'eq', value: 'k1' }] },
    },
    undefined,
    ctx,
  );

  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: mkdtempSync(join(tmpdir(), 'pontis-bench-')),
      protocol: { port: 0 },
      management: { port: 0, apiKey: randomBytes(16).toString('hex') },
      data: { port: 0 },
      ops: { port: 0 },
      auditor: { apiKey: randomBytes(16).toString('hex') },
      log: { level: (process.env.BENCH_LOG ?? 'silent') as 'silent' },
      catalog: { pageSize: PAGE_SIZE },
    },
  });
  const c = await startConnector(config, {
    database: db,
    modules: [systemModule, benchIdentity, catalogModule],
  });
  try {
    const base = c.urls.protocol;
    const body = JSON.stringify({
      '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
      '@type': 'CatalogRequestMessage',
    });
    const firstPage = async () => {
      const res = await fetch(`${base}/catalog/request`, {
        method: 'POST',
        headers: { Authorization: 'Bearer bench', 'Content-Type': 'application/json' },
        body,
      });
      const json = (await res.json()) as { dataset?: unknown[] };
      if (res.status !== 200 || json.dataset?.length !== PAGE_SIZE)
        throw new Error(`first page: ${res.status}`);
    };
    const ids = Array.from(
      { length: REQUESTS },
      (_, i) => `ds${String(((i * 7919) % DATASETS) + 1).padStart(6, '0')}`,
    );
    const dataset = async (i: number) => {
      const res = await fetch(`${base}/catalog/datasets/${ids[i % ids.length]}`, {
        headers: { Authorization: 'Bearer bench' },
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`dataset: ${res.status}`);
    };
    const floor = async () => {
      const res = await fetch(`${base}/.well-known/dspace-version`);
      await res.arrayBuffer();
    };
    const selectOne = async () => {
      await db.query('SELECT 1');
    };
    // Warm up JIT, caches and connections.
    await time(50, firstPage);
    await time(50, dataset);
    await time(50, floor);
    await time(50, selectOne);
    t = performance.now();
    const fp = await time(REQUESTS, firstPage);
    const ds = await time(REQUESTS, dataset);
    const fl = await time(REQUESTS, floor);
    const s1 = await time(REQUESTS, selectOne);
    console.error(`${name}: measured in ${Math.round(performance.now() - t)} ms`);
    return {
      [`${name}FirstPageP50Ms`]: round(quantile(fp, 0.5)),
      [`${name}FirstPageP95Ms`]: round(quantile(fp, 0.95)),
      [`${name}DatasetP50Ms`]: round(quantile(ds, 0.5)),
      [`${name}DatasetP95Ms`]: round(quantile(ds, 0.95)),
      [`${name}HttpFloorP50Ms`]: round(quantile(fl, 0.5)),
      [`${name}HttpFloorP95Ms`]: round(quantile(fl, 0.95)),
      [`${name}SelectOneP50Ms`]: round(quantile(s1, 0.5)),
      [`${name}SelectOneP95Ms`]: round(quantile(s1, 0.95)),
    };
  } finally {
    await c.stop(); // closes the database too
  }
}

const figures: Record<string, number | string> = {
  datasets: DATASETS,
  pageSize: PAGE_SIZE,
  requests: REQUESTS,
};
Object.assign(figures, await run('pglite', await openPglite()));

const url = process.env.DATABASE_URL;
if (url) {
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const admin = await openPostgres(url, { max: 1 });
  await admin.exec(`CREATE SCHEMA ${schema}`);
  try {
    Object.assign(figures, await run('postgres', await openPostgres(url, { schema })));
  } finally {
    await admin.exec(`DROP SCHEMA ${schema} CASCADE`);
    await admin.close();
  }
} else {
  console.error('DATABASE_URL is not set: PostgreSQL figures skipped');
}
console.log(JSON.stringify({ bench: 'catalog', ...figures }));
