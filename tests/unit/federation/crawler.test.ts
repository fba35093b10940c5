import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Crawler,
  DATA_SPACE_PROPERTY,
  defaultCrawlerOptions,
  type CrawlerDeps,
} from '../../../src/catalog/federation/crawler.js';
import { createCatalogPageFetcher, nextLink } from '../../../src/catalog/federation/fetch.js';
import { createFederationStore, type FederationStore } from '../../../src/catalog/federation/store.js';
import { ForbiddenError } from '../../../src/errors.js';
import type { Database } from '../../../src/store/index.js';
import { openTestDatabase } from '../../helpers/db.js';
import { generateDatasets, startFakePeer, type FakePeer } from '../../helpers/federation-peer.js';

describe('crawler', () => {
  let db: Database;
  let store: FederationStore;
  const peers: FakePeer[] = [];
  const untrusted = new Set<string>();
  let deps: CrawlerDeps;
  beforeEach(async () => {
    db = await openTestDatabase();
    store = createFederationStore(db);
    untrusted.clear();
    deps = {
      store,
      db,
      owner: 'test',
      fetchPage: createCatalogPageFetcher({}),
      authorizationFor: async (did) => `Bearer token-for-${did}`,
      verifyParticipant: async (did) => {
        if (untrusted.has(did)) throw new ForbiddenError(`${did} presented no valid membership credential`);
      },
      resolveEndpoint: async (did) => {
        throw new Error(`no DID document for ${did} in this test`);
      },
      dataSpace: 'space-a',
      options: { ...defaultCrawlerOptions, timeoutMs: 2000, backoffBaseMs: 1000, backoffMaxMs: 8000 },
    };
  });
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await db.close();
  });

  it('reads rel="next" from Link headers', () => {
    expect(nextLink('<https://a/cat?p=2>; rel="next", <https://a/cat?p=0>; rel="prev"', 'https://a/x')).toBe(
      'https://a/cat?p=2',
    );
    expect(nextLink('</catalog/request?page=3>; rel=next', 'http://h:1/catalog/request')).toBe(
      'http://h:1/catalog/request?page=3',
    );
    expect(nextLink('<https://a/1>; rel="prev"', 'https://a')).toBeUndefined();
    expect(nextLink(null, 'https://a')).toBeUndefined();
  });

  it('follows pages and nested catalogues, authenticates as the catalogue, and indexes everything', async () => {
    const peer = await startFakePeer({
      participantId: 'did:web:peer',
      datasets: generateDatasets(1, 120),
      pageSize: 50,
      nested: [
        {
          participantId: 'did:web:inner',
          datasets: generateDatasets(9, 3),
          extra: { [DATA_SPACE_PROPERTY]: 'space-b' },
        },
      ],
    });
    peers.push(peer);
    const p = await store.addParticipant({ did: 'did:web:peer', address: peer.url });
    const outcome = await new Crawler(deps).crawlOne(p);
    expect(outcome).toMatchObject({ ok: true, datasets: 123 });
    expect(peer.requests.map((r) => r.path)).toEqual([
      '/catalog/request',
      '/catalog/request?page=1',
      '/catalog/request?page=2',
    ]);
    expect(peer.requests.every((r) => r.authorization === 'Bearer token-for-did:web:peer')).toBe(true);
    const r = await store.search({ limit: 1 });
    expect(r.total).toBe(123);
    expect(r.facets!.dataSpace).toEqual([
      { value: 'space-a', count: 120 },
      { value: 'space-b', count: 3 },
    ]);
    const inner = await store.search({ participant: ['did:web:inner'], facets: false });
    expect(inner.items[0]!.endpoint).toBe(`${peer.url}/nested/0`);
    expect(await store.getParticipant(p.id)).toMatchObject({ state: 'ok', datasetCount: 123, failures: 0 });
  });

  it('keeps the last good copy of a participant that goes down, marked stale, and backs off', async () => {
    const peer = await startFakePeer({ participantId: 'did:web:peer', datasets: generateDatasets(1, 10) });
    peers.push(peer);
    const p = await store.addParticipant({ did: 'did:web:peer', address: peer.url });
    const crawler = new Crawler(deps);
    await crawler.crawlOne(p);
    peer.up = false;
    const first = await crawler.crawlOne((await store.getParticipant(p.id))!);
    expect(first).toMatchObject({ ok: false });
    const after1 = (await store.getParticipant(p.id))!;
    expect(after1).toMatchObject({ state: 'stale', failures: 1, datasetCount: 10 });
    expect(after1.lastError).toMatch(/answered 503/);
    await crawler.crawlOne(after1);
    const after2 = (await store.getParticipant(p.id))!;
    expect(after2.failures).toBe(2);
    const r = await store.search({ facets: false });
    expect(r.total).toBe(10);
    expect(r.items.every((h) => h.stale)).toBe(true);
    // The retry is scheduled within the backoff bounds (base 1 s, doubling, at most 8 s).
    const delay = after2.nextCrawlAt.getTime() - after2.lastErrorAt!.getTime();
    expect(delay).toBeGreaterThanOrEqual(900);
    expect(delay).toBeLessThanOrEqual(2100);
  });

  it('does not crawl a participant whose credentials are not trusted, nor one without a DID', async () => {
    const peer = await startFakePeer({ participantId: 'did:web:bad', datasets: generateDatasets(1, 5) });
    peers.push(peer);
    untrusted.add('did:web:bad');
    const bad = await store.addParticipant({ did: 'did:web:bad', address: peer.url });
    const anon = await store.addParticipant({ address: peer.url + '/' });
    const crawler = new Crawler(deps);
    expect(await crawler.crawlOne(bad)).toMatchObject({ ok: false, untrusted: true });
    expect(await crawler.crawlOne(anon)).toMatchObject({ ok: false, untrusted: true });
    expect(peer.requests).toHaveLength(0);
    expect(await store.getParticipant(bad.id)).toMatchObject({ state: 'untrusted' });
    expect((await store.getParticipant(bad.id))!.lastError).toMatch(/not trusted/);
    expect((await store.search({ facets: false })).total).toBe(0);
  });

  it('crawls all participants once with progress, and the schedule crawls due ones', async () => {
    for (let i = 0; i < 3; i++) {
      const peer = await startFakePeer({ participantId: `did:web:p${i}`, datasets: generateDatasets(i, 7) });
      peers.push(peer);
      await store.addParticipant({ did: `did:web:p${i}`, address: peer.url });
    }
    const done: string[] = [];
    let total = 0;
    const outcomes = await new Crawler({ ...deps, options: { ...deps.options, concurrency: 2 } }).crawlAll({
      onStart: (n) => (total = n),
      onDone: (o) => done.push(o.participant),
    });
    expect(total).toBe(3);
    expect(done).toHaveLength(3);
    expect(outcomes.every((o) => o.ok && o.datasets === 7)).toBe(true);

    await store.makeAllDue();
    const scheduled = new Crawler({ ...deps, options: { ...deps.options, pollMs: 20 } });
    scheduled.start();
    try {
      await expect
        .poll(async () => (await store.listParticipants()).items.every((p) => p.nextCrawlAt > new Date()), {
          timeout: 10_000,
        })
        .toBe(true);
    } finally {
      await scheduled.stop();
    }
    expect(peers.every((p) => p.requests.length === 2)).toBe(true);
  });
});
