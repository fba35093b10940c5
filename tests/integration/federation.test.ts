/**
 * The catalogue role on loopback: three participants (played by loopback DSP peers until the
 * connector role's catalogue lands), catalogue A of data space "space-a", and catalogue B of
 * "space-b" that crawls A's federated DSP catalogue.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForbiddenError } from '../../src/errors.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { createFederationModule } from '../../src/runtime/modules/federation.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { generateDatasets, startFakePeer, type FakePeer } from '../helpers/federation-peer.js';

const UNTRUSTED = 'did:web:untrusted.test';

function catalogue(dataSpace: string, participants: { did: string; address: string }[]) {
  return startTestConnector(
    {
      role: 'catalogue',
      catalogue: { dataSpace, participants, pageSize: 7, crawl: false, backoffBaseSeconds: 1 },
    },
    {
      modules: [
        systemModule,
        createFederationModule({
          noAuthorization: true,
          verifyParticipant: async (did) => {
            if (did === UNTRUSTED)
              throw new ForbiddenError(`${did} presented no trusted membership credential`);
          },
        }),
      ],
    },
  );
}

async function json<T = Record<string, unknown>>(r: Response | Promise<Response>): Promise<T> {
  const res = await r;
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${res.status}: ${JSON.stringify(body)}`);
  return body;
}

interface Hit {
  datasetId: string;
  participant: string;
  dataSpace: string;
  title: string;
  stale: boolean;
  keywords: string[];
}
interface Search {
  items: Hit[];
  total: number;
  facets: Record<string, { value: string; count: number }[]>;
}
interface Status {
  participants: number;
  datasets: number;
  items: {
    id: string;
    did: string;
    state: string;
    lastSuccessAt: string | null;
    lastError: string | null;
    datasetCount: number;
  }[];
}

describe('catalogue role: federation on loopback', () => {
  const peers: FakePeer[] = [];
  let a: RunningConnector;
  let b: RunningConnector;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) {
      peers.push(
        await startFakePeer({
          participantId: `did:web:p${i}.test`,
          datasets: generateDatasets(i, 12),
          pageSize: 5,
        }),
      );
    }
    peers.push(await startFakePeer({ participantId: UNTRUSTED, datasets: generateDatasets(7, 4) }));
    a = await catalogue('space-a', [
      { did: 'did:web:p0.test', address: peers[0]!.url },
      { did: 'did:web:p1.test', address: peers[1]!.url },
      { did: UNTRUSTED, address: peers[3]!.url },
    ]);
    b = await catalogue('space-b', []);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all(peers.map((p) => p.close()));
  });

  const search = (c: RunningConnector, qs: string) =>
    json<Search>(management(c, `/v1/catalogue/search?${qs}`));
  const crawl = async (c: RunningConnector) => {
    const s = await json<Status>(management(c, '/v1/catalogue/crawl-status'));
    for (const p of s.items)
      await management(c, `/v1/catalogue/participants/${p.id}/crawl`, { method: 'POST' });
    return json<Status>(management(c, '/v1/catalogue/crawl-status'));
  };

  it('registers a participant through the API and crawls the configured and registered ones', async () => {
    const added = await json<{ id: string; state: string }>(
      management(a, '/v1/catalogue/participants', {
        method: 'POST',
        body: JSON.stringify({ did: 'did:web:p2.test', address: peers[2]!.url }),
      }),
    );
    expect(added.state).toBe('pending');
    const dup = await management(a, '/v1/catalogue/participants', {
      method: 'POST',
      body: JSON.stringify({ did: 'did:web:p2.test' }),
    });
    expect(dup.status).toBe(409);
    const bad = await management(a, '/v1/catalogue/participants', {
      method: 'POST',
      body: JSON.stringify({ dataSpace: 'x' }),
    });
    expect(bad.status).toBe(400);

    const status = await crawl(a);
    expect(status.participants).toBe(4);
    expect(status.datasets).toBe(36);
    const byDid = Object.fromEntries(status.items.map((p) => [p.did, p]));
    expect(byDid['did:web:p0.test']).toMatchObject({ state: 'ok', datasetCount: 12 });
    expect(byDid[UNTRUSTED]).toMatchObject({ state: 'untrusted', datasetCount: 0 });
    expect(byDid[UNTRUSTED]!.lastError).toMatch(/not trusted/);
  });

  it('a participant without trusted credentials is not crawled', async () => {
    expect(peers[3]!.requests).toHaveLength(0);
    expect((await search(a, `participant=${encodeURIComponent(UNTRUSTED)}`)).total).toBe(0);
  });

  it('finds datasets by word and by facet, with facet counts', async () => {
    const all = await search(a, 'limit=1');
    expect(all.total).toBe(36);
    expect(all.facets.participant!.map((f) => f.count)).toEqual([12, 12, 12]);
    expect(all.facets.dataSpace).toEqual([{ value: 'space-a', count: 36 }]);

    const word = await search(a, 'q=weather&limit=100');
    expect(word.total).toBeGreaterThan(0);
    expect(word.items.every((h) => /weather/i.test(h.title) || h.keywords.includes('weather'))).toBe(true);

    const facet = await search(a, 'keyword=energy&participant=did:web:p1.test&limit=100');
    expect(facet.total).toBeGreaterThan(0);
    expect(
      facet.items.every((h) => h.participant === 'did:web:p1.test' && h.keywords.includes('energy')),
    ).toBe(true);

    const badSort = await management(a, '/v1/catalogue/search?sort=size');
    expect(badSort.status).toBe(400);
  });

  it('a participant taken down stays listed as stale', async () => {
    peers[0]!.up = false;
    const status = await crawl(a);
    const p0 = status.items.find((p) => p.did === 'did:web:p0.test')!;
    expect(p0).toMatchObject({ state: 'stale', datasetCount: 12 });
    expect(p0.lastSuccessAt).not.toBeNull();
    expect(p0.lastError).toMatch(/503/);
    const hits = await search(a, 'participant=did:web:p0.test&limit=100');
    expect(hits.total).toBe(12);
    expect(hits.items.every((h) => h.stale)).toBe(true);
    expect((await search(a, 'participant=did:web:p1.test')).items.every((h) => !h.stale)).toBe(true);
    peers[0]!.up = true;
  });

  it("a second data space's catalogue crawls the first and finds its datasets", async () => {
    await json(
      management(b, '/v1/catalogue/participants', {
        method: 'POST',
        body: JSON.stringify({ did: 'did:web:catalogue-a.test', address: a.urls.protocol }),
      }),
    );
    const status = await crawl(b);
    expect(status.items[0]).toMatchObject({ state: 'ok', datasetCount: 36 });
    const r = await search(b, 'limit=1');
    expect(r.total).toBe(36);
    // Datasets keep their provider and their data space through the federation.
    expect(r.facets.dataSpace).toEqual([{ value: 'space-a', count: 36 }]);
    expect(r.facets.participant!.map((f) => f.value).sort()).toEqual([
      'did:web:p0.test',
      'did:web:p1.test',
      'did:web:p2.test',
    ]);
    const one = (await search(b, 'q=measurements&participant=did:web:p2.test&limit=1')).items[0]!;
    expect(one).toMatchObject({ dataSpace: 'space-a', participant: 'did:web:p2.test' });

    // The DSP catalogue endpoint answers one nested catalogue per participant.
    const res = await fetch(`${a.urls.protocol}/catalog/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
        '@type': 'CatalogRequestMessage',
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toMatch(/rel="next"/);
    const body = (await res.json()) as {
      '@type': string;
      catalog: { participantId: string; dataset: unknown[] }[];
    };
    expect(body['@type']).toBe('Catalog');
    expect(body.catalog[0]!.participantId).toBe('did:web:p0.test');
    const bad = await fetch(`${a.urls.protocol}/catalog/request`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ '@type': 'CatalogRequestMessage' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { '@type': string })['@type']).toBe('CatalogError');
    const ds = await fetch(`${a.urls.protocol}/catalog/datasets/${one.datasetId}`);
    expect(((await ds.json()) as { '@id': string })['@id']).toBe(one.datasetId);
  });

  it("a removed participant's datasets disappear", async () => {
    const status = await json<Status>(management(a, '/v1/catalogue/crawl-status'));
    const p1 = status.items.find((p) => p.did === 'did:web:p1.test')!;
    const del = await management(a, `/v1/catalogue/participants/${p1.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    expect((await search(a, 'participant=did:web:p1.test')).total).toBe(0);
    expect((await search(a, 'limit=1')).total).toBe(24);
    expect((await management(a, `/v1/catalogue/participants/${p1.id}`)).status).toBe(404);
  });
});
