import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractDataset } from '../../../src/catalog/federation/extract.js';
import { summariseOffer } from '../../../src/catalog/federation/offers.js';
import {
  createFederationStore,
  FACETS,
  type FacetName,
  type FederationStore,
  type SearchQuery,
} from '../../../src/catalog/federation/store.js';
import type { DatasetNode } from '../../../src/protocol/index.js';
import type { Database } from '../../../src/store/index.js';
import { openTestDatabase } from '../../helpers/db.js';
import { datasetNode, generateDatasets } from '../../helpers/federation-peer.js';

const index = (participant: string, p: number, n: number) =>
  generateDatasets(p, n).map((d) =>
    extractDataset(datasetNode(d, 'svc') as unknown as DatasetNode, {
      participant,
      dataSpace: 'ds-a',
      endpoint: `http://peer${p}.test`,
    }),
  );

describe('federated index', () => {
  let db: Database;
  let store: FederationStore;
  beforeEach(async () => {
    db = await openTestDatabase();
    store = createFederationStore(db);
  });
  afterEach(() => db.close());

  it('extracts DCAT metadata in its usual spellings and summarises offers', () => {
    const d = extractDataset(
      {
        '@id': 'x',
        'http://purl.org/dc/terms/title': [{ '@value': 'Air Quality', '@language': 'en' }],
        'dcat:keyword': ['Air', 'NO2'],
        'dct:publisher': { 'foaf:name': 'City' },
        hasPolicy: [
          {
            '@id': 'o1',
            '@type': 'Offer',
            permission: [
              {
                action: 'use',
                constraint: [
                  {
                    and: [
                      { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'active' },
                      { leftOperand: 'spatial', operator: 'isAnyOf', rightOperand: ['EU'] },
                    ],
                  },
                ],
              },
            ],
          },
        ],
        distribution: [{ format: 'HttpData-PULL', accessService: 's' }],
      } as unknown as DatasetNode,
      { participant: 'did:web:a', dataSpace: 'ds', endpoint: 'http://a' },
    );
    expect(d).toMatchObject({
      title: 'Air Quality',
      keywords: ['air', 'no2'],
      publisher: 'City',
      formats: ['HttpData-PULL'],
    });
    expect(d.offers[0]!.requires).toEqual(['membership', 'region']);
    expect(
      summariseOffer({
        '@id': 'o',
        permission: [
          {
            action: 'use',
            constraint: [
              { leftOperand: 'count', operator: 'lteq', rightOperand: 5 },
              { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2030-01-01' },
              { leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' },
            ],
          },
        ],
      }).requires,
    ).toEqual(['purpose', 'uses', 'time']);
  });

  it('finds datasets by word and by facet, counts facets, sorts and pages', async () => {
    await store.addParticipant({ id: 'a', did: 'did:web:a' });
    await store.addParticipant({ id: 'b', did: 'did:web:b' });
    await store.replaceDatasets('a', index('did:web:a', 1, 40), { intervalMs: 60_000 });
    await store.replaceDatasets('b', index('did:web:b', 2, 30), { intervalMs: 60_000 });

    const all = await store.search({ limit: 5 });
    expect(all.total).toBe(70);
    expect(all.items).toHaveLength(5);
    expect(all.facets!.participant).toEqual([
      { value: 'did:web:a', count: 40 },
      { value: 'did:web:b', count: 30 },
    ]);

    const weather = await store.search({ q: 'weather', facets: false, limit: 200 });
    expect(weather.total).toBeGreaterThan(0);
    expect(weather.items.every((h) => /weather/i.test(h.title + h.keywords.join(' ')))).toBe(true);
    // Stemming: "measurement" finds "measurements".
    expect((await store.search({ q: 'measurement', facets: false })).total).toBe(70);

    const byFacet = await store.search({ participant: ['did:web:b'], theme: ['energy'], limit: 200 });
    expect(byFacet.total).toBeGreaterThan(0);
    expect(byFacet.items.every((h) => h.participant === 'did:web:b' && h.themes.includes('energy'))).toBe(
      true,
    );
    expect(byFacet.facets!.theme).toEqual([{ value: 'energy', count: byFacet.total }]);

    const sorted = await store.search({ sort: '-title', limit: 3, offset: 2, facets: false });
    const titles = (await store.search({ sort: '-title', limit: 5, facets: false })).items.map(
      (h) => h.title,
    );
    expect(sorted.items.map((h) => h.title)).toEqual(titles.slice(2, 5));
  });

  it('counts facets exactly as the matching datasets say, unfiltered or not, through recrawls and removals', async () => {
    // What the facet counts must be: counted here from the matching datasets themselves.
    const expected = async (query: Omit<SearchQuery, 'facets' | 'limit'>) => {
      const hits = (await store.search({ ...query, facets: false, limit: 200 })).items;
      const counts = Object.fromEntries(FACETS.map((f) => [f, new Map<string, number>()]));
      const add = (f: FacetName, v: string | null) => {
        if (v !== null) counts[f]!.set(v, (counts[f]!.get(v) ?? 0) + 1);
      };
      for (const h of hits) {
        add('participant', h.participant);
        add('dataSpace', h.dataSpace);
        add('publisher', h.publisher);
        for (const v of h.keywords) add('keyword', v);
        for (const v of h.themes) add('theme', v);
        for (const v of h.formats) add('format', v);
        for (const v of h.licenses) add('license', v);
      }
      return Object.fromEntries(
        FACETS.map((f) => [
          f,
          [...counts[f]!]
            .map(([value, count]) => ({ value, count }))
            .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
        ]),
      );
    };
    const check = async (query: Omit<SearchQuery, 'facets' | 'limit'>) => {
      const r = await store.search({ ...query, facetLimit: 100 });
      expect(r.facets).toEqual(await expected(query));
      // The page computed with the counts (one statement) is the page computed without them.
      for (const offset of [0, 3]) {
        const withCounts = await store.search({ ...query, offset, facetLimit: 99 });
        expect(withCounts.items).toEqual((await store.search({ ...query, offset, facets: false })).items);
      }
      expect(r.total).toBe(r.facets!.participant.reduce((n, f) => n + f.count, 0));
    };
    await store.addParticipant({ id: 'a', did: 'did:web:a' });
    await store.addParticipant({ id: 'b', did: 'did:web:b' });
    await store.replaceDatasets('a', index('did:web:a', 1, 40), { intervalMs: 60_000 });
    await store.replaceDatasets('b', index('did:web:b', 2, 30), { intervalMs: 60_000 });
    const queries = [{}, { q: 'weather' }, { q: 'soil', theme: ['energy'] }, { participant: ['did:web:b'] }];
    for (const q of queries) await check(q);
    await store.replaceDatasets('a', index('did:web:a', 3, 25), { intervalMs: 60_000 });
    for (const q of queries) await check(q);
    await store.recordFailure('b', 'credentials revoked', { retryInMs: 1000, untrusted: true });
    for (const q of queries) await check(q);
    await store.removeParticipant('a');
    expect((await store.search({})).facets!.participant).toEqual([]);
  });

  it('replaces a participant atomically, keeps the last good copy on failure, and drops removed participants', async () => {
    await store.addParticipant({ id: 'a', did: 'did:web:a' });
    await store.replaceDatasets('a', index('did:web:a', 1, 20), { intervalMs: 60_000 });
    await store.replaceDatasets('a', index('did:web:a', 1, 5), { intervalMs: 60_000 });
    expect((await store.search({ facets: false })).total).toBe(5);

    await store.recordFailure('a', 'POST http://a answered 503', { retryInMs: 1000 });
    const stale = await store.search({ facets: false });
    expect(stale.total).toBe(5);
    expect(stale.items.every((h) => h.stale && h.lastSuccessAt instanceof Date)).toBe(true);
    expect(await store.getParticipant('a')).toMatchObject({ state: 'stale', failures: 1, datasetCount: 5 });

    await store.recordFailure('a', 'credentials revoked', { retryInMs: 1000, untrusted: true });
    expect((await store.search({ facets: false })).total).toBe(0);

    await store.replaceDatasets('a', index('did:web:a', 1, 3), { intervalMs: 60_000 });
    await store.removeParticipant('a');
    expect((await store.search({ facets: false })).total).toBe(0);
  });

  it('a search during a replacement sees the old or the new copy, never a mix', async () => {
    await store.addParticipant({ id: 'a', did: 'did:web:a' });
    await store.replaceDatasets('a', index('did:web:a', 1, 600), { intervalMs: 60_000 });
    const writes = store.replaceDatasets('a', index('did:web:a', 2, 900), { intervalMs: 60_000 });
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) seen.push((await store.search({ facets: false, limit: 1 })).total);
    await writes;
    seen.push((await store.search({ facets: false, limit: 1 })).total);
    expect(seen.every((n) => n === 600 || n === 900)).toBe(true);
    expect(seen.at(-1)).toBe(900);
  });

  it('keeps configured participants in step with the configuration and refuses duplicates', async () => {
    await store.syncConfigured([{ did: 'did:web:a' }, { did: 'did:web:b', dataSpace: 'other' }]);
    await store.addParticipant({ did: 'did:web:c' });
    await expect(store.addParticipant({ did: 'did:web:a' })).rejects.toMatchObject({ status: 409 });
    await store.syncConfigured([{ did: 'did:web:b' }]);
    const dids = (await store.listParticipants()).items.map((p) => p.did).sort();
    expect(dids).toEqual(['did:web:b', 'did:web:c']);
    await expect(store.addParticipant({})).rejects.toMatchObject({ status: 400 });
  });
});
