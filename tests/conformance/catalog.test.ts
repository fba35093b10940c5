/**
 * The catalogue against the DSP TCK cases MET:01-01 and CAT:01-01..03 (../shared/dsp/TCK-CASES.md),
 * this test playing the TCK's part, and every catalogue message Pontis emits (Catalog, Dataset,
 * CatalogError, version metadata) against the official 2025-1 schemas. Skips, saying why, when the
 * reference copy ../shared/dsp is absent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandOffline } from '../../src/protocol/jsonld/jsonld.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { catalogModule } from '../../src/runtime/modules/catalog.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import {
  CONTRACT_POLICY,
  MEMBERS_POLICY,
  PUBLIC_POLICY,
  httpAsset,
  testIdentityModule,
} from '../helpers/catalog.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { dspSchemasSkipReason, dspSharedPresent, validateAgainstDsp } from '../helpers/dsp-schemas.js';

if (!dspSharedPresent) console.warn(dspSchemasSkipReason);

const DSP = 'https://w3id.org/dspace/2025/1/';
const DCAT = 'http://www.w3.org/ns/dcat#';
const REQUEST = { '@context': [`${DSP}context.jsonld`], '@type': 'CatalogRequestMessage' };

function expectValid(schema: string, json: unknown) {
  const r = validateAgainstDsp(schema, json);
  expect(r.errors, `${schema}: ${JSON.stringify(json).slice(0, 400)}`).toEqual([]);
  expect(r.valid).toBe(true);
}

describe.skipIf(!dspSharedPresent)('catalogue conformance (DSP TCK MET and CAT, official schemas)', () => {
  let c: RunningConnector;
  const post = (path: string, body: unknown, who = 'member') =>
    fetch(c.urls.protocol + path, {
      method: 'POST',
      headers: { Authorization: `Bearer ${who}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
  const get = (path: string, who = 'member') =>
    fetch(c.urls.protocol + path, { headers: { Authorization: `Bearer ${who}` } });

  beforeAll(async () => {
    c = await startTestConnector(
      { catalog: { pageSize: 2 } },
      { modules: [systemModule, testIdentityModule(), catalogModule] },
    );
    const asset = (body: unknown) =>
      management(c, '/v1/assets', { method: 'POST', body: JSON.stringify(body) });
    // The TCK's seeds (CAT0103 must not exist), plus a fully described dataset and a members-only one.
    await asset(httpAsset('CAT0101'));
    await asset(httpAsset('CAT0102'));
    await asset(
      httpAsset('full', {
        themes: ['http://publications.europa.eu/resource/authority/data-theme/ENVI'],
        publisher: 'did:web:provider.example',
        license: 'https://creativecommons.org/licenses/by/4.0/',
        language: ['http://publications.europa.eu/resource/authority/language/ENG'],
        spatial: 'http://publications.europa.eu/resource/authority/country/DEU',
        temporal: { start: '2020-01-01T00:00:00Z' },
        distributions: [
          { format: 'HttpData-PULL', mediaType: 'text/csv', title: 'CSV' },
          { format: 'HttpData-PUSH', mediaType: 'application/json' },
        ],
      }),
    );
    await asset(httpAsset('members-only'));
    const offer = (body: unknown) =>
      management(c, '/v1/offers', { method: 'POST', body: JSON.stringify(body) });
    await offer({
      id: 'CD123',
      accessPolicy: PUBLIC_POLICY,
      contractPolicy: CONTRACT_POLICY,
      assetSelector: { assetIds: ['CAT0101', 'CAT0102', 'full'] },
    });
    await offer({
      id: 'members',
      accessPolicy: MEMBERS_POLICY,
      // An expanded policy is compacted for the catalogue.
      contractPolicy: {
        '@type': ['http://www.w3.org/ns/odrl/2/Set'],
        'http://www.w3.org/ns/odrl/2/permission': [
          { 'http://www.w3.org/ns/odrl/2/action': [{ '@id': 'http://www.w3.org/ns/odrl/2/use' }] },
        ],
      },
      assetSelector: { assetIds: ['members-only', 'full'] },
    });
  });
  afterAll(async () => c?.stop());

  it('MET:01-01: version metadata, unauthenticated, lists 2025-1 with a path and a binding', async () => {
    const res = await fetch(c.urls.protocol + '/.well-known/dspace-version');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as {
      protocolVersions: { version: string; path?: string; binding?: string }[];
    };
    expectValid('VersionResponse', body);
    const entry = body.protocolVersions.find((v) => v.version === '2025-1');
    expect(entry?.path).toBeTypeOf('string');
    expect(entry?.binding).toBe('HTTPS');
  });

  it('CAT:01-01: the catalogue validates and, expanded, lists CAT0101 under dcat:dataset', async () => {
    const ids: string[] = [];
    let url: string | undefined = c.urls.protocol + '/catalog/request';
    while (url) {
      const res: Response = await fetch(url, {
        method: 'POST',
        headers: { Authorization: 'Bearer member', 'Content-Type': 'application/json' },
        body: JSON.stringify(REQUEST),
      });
      expect(res.status).toBe(200);
      const catalog = (await res.json()) as unknown;
      expectValid('Catalog', catalog);
      const [expanded] = await expandOffline(catalog);
      const datasets = (expanded![`${DCAT}dataset`] ?? []) as { '@id': string }[];
      ids.push(...datasets.map((d) => d['@id']));
      url = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    expect(ids).toContain('CAT0101');
    expect(ids).toEqual(['CAT0101', 'CAT0102', 'full', 'members-only']);
  });

  it('CAT:01-02: a dataset by id validates and carries its id', async () => {
    for (const id of ['CAT0102', 'full', 'members-only']) {
      const res = await get(`/catalog/datasets/${id}`);
      expect(res.status).toBe(200);
      const dataset = (await res.json()) as { '@id': string; hasPolicy: { '@id': string }[] };
      expectValid('Dataset', dataset);
      expect(dataset['@id']).toBe(id);
      const [expanded] = await expandOffline(dataset);
      expect(expanded!['@type']).toEqual([`${DCAT}Dataset`]);
    }
    const full = (await (await get('/catalog/datasets/full')).json()) as { hasPolicy: { '@id': string }[] };
    expect(full.hasPolicy.map((p) => p['@id'])).toEqual(['CD123:full:1', 'members:full:1']);
  });

  it('CAT:01-03: an unknown dataset is a 4xx with a CatalogError body', async () => {
    const res = await get('/catalog/datasets/CAT0103');
    expect(res.status).toBe(404);
    const body = (await res.json()) as unknown;
    expectValid('CatalogError', body);
    const [expanded] = await expandOffline(body);
    expect(expanded!['@type']).toEqual([`${DSP}CatalogError`]);
  });

  it('every catalogue error Pontis emits is a valid CatalogError', async () => {
    const errors = [
      await get('/catalog/datasets/members-only', 'outsider'),
      await post('/catalog/request', { ...REQUEST, filter: [{ colour: 'red' }] }),
      await post('/catalog/request?page=not-a-token', REQUEST),
      await post('/catalog/request', { '@type': 'CatalogRequestMessage' }),
      await post('/catalog/request', REQUEST, 'nobody'),
    ];
    expect(errors.map((r) => r.status)).toEqual([404, 400, 400, 400, 401]);
    for (const res of errors) expectValid('CatalogError', await res.json());
  });

  it('an empty catalogue and a filtered one validate too', async () => {
    const empty = (await (
      await post('/catalog/request', { ...REQUEST, filter: [{ id: 'none' }] })
    ).json()) as {
      dataset?: unknown;
    };
    expectValid('Catalog', empty);
    expect(empty.dataset).toBeUndefined();
    const outsider = await post(
      '/catalog/request',
      { ...REQUEST, filter: [{ keyword: 'weather' }] },
      'outsider',
    );
    expectValid('Catalog', await outsider.json());
  });
});
