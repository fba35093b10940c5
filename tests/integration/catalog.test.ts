/**
 * The catalogue over HTTP: assets and offers on the management API, the DSP catalogue as members and
 * non-members see it, errors as CatalogError, paging through 10,000 datasets, and the consumer side
 * fetching a peer's catalogue by address and by DID.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { catalogModule } from '../../src/runtime/modules/catalog.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import {
  CONTRACT_POLICY,
  MEMBERS_POLICY,
  PUBLIC_POLICY,
  bulkAssetsSql,
  httpAsset,
  testIdentityModule,
  testPolicyModule,
} from '../helpers/catalog.js';
import { management, startTestConnector } from '../helpers/connector.js';

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });
const put = (body: unknown) => ({ method: 'PUT', body: JSON.stringify(body) });
const CATALOG_REQUEST = {
  '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
  '@type': 'CatalogRequestMessage',
};

function dsp(c: RunningConnector, path: string, who: string | undefined, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (who) headers.set('Authorization', `Bearer ${who}`);
  if (init.body) headers.set('Content-Type', 'application/json');
  return fetch(c.urls.protocol + path, { ...init, headers });
}

const requestCatalog = (c: RunningConnector, who: string, body: unknown = CATALOG_REQUEST, query = '') =>
  dsp(c, `/catalog/request${query}`, who, { method: 'POST', body: JSON.stringify(body) });

describe('catalogue over HTTP', () => {
  let c: RunningConnector;
  const fileRoot = mkdtempSync(join(tmpdir(), 'pontis-files-'));
  const outside = mkdtempSync(join(tmpdir(), 'pontis-outside-'));

  beforeAll(async () => {
    mkdirSync(join(fileRoot, 'data'));
    writeFileSync(join(fileRoot, 'data', 'a.csv'), 'x\n');
    writeFileSync(join(outside, 'secret.txt'), 'no\n');
    symlinkSync(join(outside, 'secret.txt'), join(fileRoot, 'link.txt'));
    process.env.CATALOG_TEST_TOKEN = 'from-env';
    c = await startTestConnector(
      { catalog: { fileRoot, pageSize: 100, secrets: { apiToken: 'from-config' } } },
      {
        modules: [
          systemModule,
          testIdentityModule(),
          testPolicyModule({ members: MEMBERS_POLICY, public: PUBLIC_POLICY, contract: CONTRACT_POLICY }),
          catalogModule,
        ],
      },
    );
  });
  afterAll(async () => {
    await c?.stop();
    delete process.env.CATALOG_TEST_TOKEN;
  });

  it('creates, reads, lists, updates and deletes assets', async () => {
    const created = await management(
      c,
      '/v1/assets',
      json(
        httpAsset('crud-1', {
          themes: ['http://publications.europa.eu/resource/authority/data-theme/ENVI'],
          publisher: 'did:web:provider.example',
          license: 'https://creativecommons.org/licenses/by/4.0/',
          language: ['http://publications.europa.eu/resource/authority/language/ENG'],
          spatial: 'http://publications.europa.eu/resource/authority/country/DEU',
          temporal: { start: '2020-01-01T00:00:00Z', end: '2021-01-01T00:00:00Z' },
          properties: { department: 'weather', level: 3 },
          dataAddress: {
            type: 'HttpData',
            baseUrl: 'https://api.internal.example/v1',
            headers: [
              { name: 'Authorization', secretRef: 'env:CATALOG_TEST_TOKEN' },
              { name: 'X-Api-Key', secretRef: 'config:apiToken' },
              { name: 'Accept', value: 'text/csv' },
            ],
            proxyQuery: true,
          },
        }),
      ),
    );
    expect(created.status).toBe(201);
    const asset = (await created.json()) as Record<string, unknown>;
    expect(asset).toMatchObject({ id: 'crud-1', version: 1, keywords: ['Weather', 'test'] });

    const again = await management(c, '/v1/assets', json(httpAsset('crud-1')));
    expect(again.status).toBe(409);

    await management(c, '/v1/assets', json(httpAsset('crud-2', { title: 'Another', keywords: ['other'] })));
    const byKeyword = (await (await management(c, '/v1/assets?keyword=weather&idPrefix=crud')).json()) as {
      items: { id: string }[];
      total: number;
    };
    expect(byKeyword.items.map((a) => a.id)).toEqual(['crud-1']);
    const sorted = (await (await management(c, '/v1/assets?idPrefix=crud&sort=-title')).json()) as {
      items: { id: string; title: string }[];
      total: number;
    };
    expect(sorted.items.map((a) => a.title)).toEqual(['Dataset crud-1', 'Another']);
    expect(sorted.total).toBe(2);
    const paged = (await (await management(c, '/v1/assets?idPrefix=crud&limit=1&offset=1')).json()) as {
      items: { id: string }[];
      total: number;
    };
    expect(paged).toMatchObject({ total: 2, limit: 1, offset: 1, items: [{ id: 'crud-2' }] });
    expect((await management(c, '/v1/assets?sort=colour')).status).toBe(400);

    const updated = await management(c, '/v1/assets/crud-2', put(httpAsset('crud-2', { title: 'Renamed' })));
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({ title: 'Renamed', version: 2 });
    expect((await management(c, '/v1/assets/crud-2', { method: 'DELETE' })).status).toBe(204);
    expect((await management(c, '/v1/assets/crud-2')).status).toBe(404);
    expect((await management(c, '/v1/assets/crud-2', { method: 'DELETE' })).status).toBe(404);

    // The data plane gets the address with its secrets resolved; the API shows references only.
    const read = (await (await management(c, '/v1/assets/crud-1')).json()) as Record<string, unknown>;
    expect(JSON.stringify(read)).not.toContain('from-env');
    expect(await c.services.catalog!.dataAddress('crud-1')).toEqual({
      type: 'HttpData',
      baseUrl: 'https://api.internal.example/v1',
      method: 'GET',
      headers: { Authorization: 'from-env', 'X-Api-Key': 'from-config', Accept: 'text/csv' },
      proxyPath: false,
      proxyQuery: true,
    });
  });

  it('refuses secrets in clear, unknown secret references and files outside the root', async () => {
    const post = async (address: unknown) => {
      const res = await management(c, '/v1/assets', json(httpAsset('bad', { dataAddress: address })));
      return { status: res.status, body: (await res.json()) as { error: string; message: string } };
    };
    const clear = await post({
      type: 'HttpData',
      baseUrl: 'https://x.example',
      headers: [{ name: 'Authorization', value: 'Bearer abc' }],
    });
    expect(clear).toMatchObject({ status: 400, body: { error: 'secret_in_clear' } });
    const missing = await post({
      type: 'HttpData',
      baseUrl: 'https://x.example',
      headers: [{ name: 'Authorization', secretRef: 'env:CATALOG_TEST_NOT_SET_ANYWHERE' }],
    });
    expect(missing).toMatchObject({ status: 400, body: { error: 'secret_not_found' } });
    expect(await post({ type: 'File', path: '../outside.txt' })).toMatchObject({
      status: 400,
      body: { error: 'path_outside_root' },
    });
    expect(await post({ type: 'File', path: '/etc/passwd' })).toMatchObject({ status: 400 });
    expect(await post({ type: 'File', path: 'link.txt' })).toMatchObject({
      status: 400,
      body: { error: 'path_outside_root' },
    });
    expect(await post({ type: 'Ftp', path: 'x' })).toMatchObject({ status: 400 });
    const ok = await management(
      c,
      '/v1/assets',
      json(httpAsset('file-1', { dataAddress: { type: 'File', path: 'data/a.csv' } })),
    );
    expect(ok.status).toBe(201);
    expect(await c.services.catalog!.dataAddress('file-1')).toEqual({
      type: 'File',
      path: join(fileRoot, 'data', 'a.csv'),
    });
    await management(c, '/v1/assets/file-1', { method: 'DELETE' });
  });

  it('manages offer definitions that reference stored policies or embed them', async () => {
    const unknown = await management(
      c,
      '/v1/offers',
      json({ id: 'o-bad', accessPolicyId: 'nope', contractPolicyId: 'contract' }),
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: 'unknown_policy' });
    const both = await management(
      c,
      '/v1/offers',
      json({ accessPolicyId: 'public', accessPolicy: PUBLIC_POLICY, contractPolicyId: 'contract' }),
    );
    expect(both.status).toBe(400);
    const badInline = await management(
      c,
      '/v1/offers',
      json({ accessPolicyId: 'public', contractPolicy: { '@type': 'Set', permission: [{ action: 'fly' }] } }),
    );
    expect(badInline.status).toBe(400);
    expect(((await badInline.json()) as { details: { pointer: string } }).details.pointer).toMatch(
      /^\/contractPolicy\//,
    );
    const badSelector = await management(
      c,
      '/v1/offers',
      json({
        accessPolicyId: 'public',
        contractPolicyId: 'contract',
        assetSelector: { criteria: [{ property: 'colour', operator: 'eq', value: 'red' }] },
      }),
    );
    expect(badSelector.status).toBe(400);

    const created = await management(
      c,
      '/v1/offers',
      json({
        id: 'o-crud',
        accessPolicy: PUBLIC_POLICY,
        contractPolicyId: 'contract',
        assetSelector: { assetIds: ['nothing-here'] },
        negotiationMode: 'manual',
      }),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: 'o-crud', version: 1, transferMode: 'auto' });
    const list = (await (
      await management(c, '/v1/offers?negotiationMode=manual&policyId=contract')
    ).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((o) => o.id)).toEqual(['o-crud']);
    const updated = await management(
      c,
      '/v1/offers/o-crud',
      put({ accessPolicyId: 'members', contractPolicyId: 'contract', assetSelector: { assetIds: ['x'] } }),
    );
    expect(await updated.json()).toMatchObject({
      version: 2,
      negotiationMode: 'auto',
      accessPolicyId: 'members',
    });
    expect((await management(c, '/v1/offers/o-crud', { method: 'DELETE' })).status).toBe(204);
    expect((await management(c, '/v1/offers/o-crud')).status).toBe(404);
  });

  describe('DSP catalogue', () => {
    beforeAll(async () => {
      for (const id of ['open-1', 'open-2', 'members-1']) {
        await management(
          c,
          '/v1/assets',
          json(httpAsset(id, { properties: { audience: id.split('-')[0]! } })),
        );
      }
      await management(
        c,
        '/v1/offers',
        json({
          id: 'public-offer',
          accessPolicyId: 'public',
          contractPolicyId: 'contract',
          assetSelector: { criteria: [{ property: 'properties.audience', operator: 'eq', value: 'open' }] },
        }),
      );
      await management(
        c,
        '/v1/offers',
        json({
          id: 'members-offer',
          accessPolicyId: 'members',
          contractPolicy: CONTRACT_POLICY,
          assetSelector: { assetIds: ['members-1'] },
          transferMode: 'manual',
        }),
      );
    });

    const datasetIds = async (res: Response) =>
      (((await res.json()) as { dataset?: { '@id': string }[] }).dataset ?? []).map((d) => d['@id']);

    it('shows the members-only dataset to a member and not to a non-member, never a data address', async () => {
      const member = await requestCatalog(c, 'member');
      expect(member.status).toBe(200);
      const memberText = await member.clone().text();
      expect(await datasetIds(member)).toEqual(['members-1', 'open-1', 'open-2']);
      const outsider = await requestCatalog(c, 'outsider');
      const outsiderText = await outsider.clone().text();
      expect(await datasetIds(outsider)).toEqual(['open-1', 'open-2']);
      for (const text of [memberText, outsiderText]) {
        expect(text).not.toContain('internal.example');
        expect(text).not.toContain('dataAddress');
        expect(text).not.toContain('"target"');
      }
      const catalog = JSON.parse(memberText) as {
        participantId: string;
        service: { '@id': string; endpointURL: string }[];
        dataset: {
          '@id': string;
          hasPolicy: { '@id': string }[];
          distribution: { accessService: string }[];
        }[];
      };
      expect(catalog.participantId).toBe(c.services.did);
      expect(catalog.service[0]!.endpointURL).toBe(c.urls.public);
      const members = catalog.dataset.find((d) => d['@id'] === 'members-1')!;
      expect(members.hasPolicy.map((p) => p['@id'])).toEqual(['members-offer:members-1:1']);
      expect(members.distribution[0]!.accessService).toBe(catalog.service[0]!['@id']);

      expect((await dsp(c, '/catalog/datasets/members-1', 'member')).status).toBe(200);
      const hidden = await dsp(c, '/catalog/datasets/members-1', 'outsider');
      expect(hidden.status).toBe(404);
      const missing = await dsp(c, '/catalog/datasets/no-such-dataset', 'outsider');
      expect(missing.status).toBe(404);
      // Hidden and absent look the same.
      expect(((await hidden.json()) as { '@type': string })['@type']).toBe('CatalogError');
      expect(((await missing.json()) as { '@type': string })['@type']).toBe('CatalogError');
    });

    it('resolves offers for negotiation only where the participant may see them', async () => {
      const catalog = c.services.catalog!;
      const { MEMBER, OUTSIDER } = await import('../helpers/catalog.js');
      const resolved = await catalog.resolveOffer({
        offerId: 'members-offer:members-1:1',
        datasetId: 'members-1',
        participant: MEMBER,
      });
      expect(resolved).toMatchObject({
        offerId: 'members-offer:members-1:1',
        offerDefinitionId: 'members-offer',
        assetId: 'members-1',
        negotiationMode: 'auto',
        transferMode: 'manual',
        policy: { '@type': 'Offer', permission: [{ action: 'use' }] },
      });
      expect(resolved!.policy).not.toHaveProperty('target');
      const asOutsider = {
        offerId: 'members-offer:members-1:1',
        datasetId: 'members-1',
        participant: OUTSIDER,
      };
      expect(await catalog.resolveOffer(asOutsider)).toBeUndefined();
      expect(
        await catalog.resolveOffer({
          offerId: 'members-offer:open-1:1',
          datasetId: 'members-1',
          participant: MEMBER,
        }),
      ).toBeUndefined();
      expect(
        await catalog.resolveOffer({
          offerId: 'members-offer:open-1:1',
          datasetId: 'open-1',
          participant: MEMBER,
        }),
      ).toBeUndefined();
      expect(
        await catalog.resolveOffer({
          offerId: 'public-offer:open-1:7',
          datasetId: 'open-1',
          participant: OUTSIDER,
        }),
      ).toMatchObject({ offerId: 'public-offer:open-1:1' });
    });

    it('filters by id and keyword; anything else, a bad token or no credential is a CatalogError', async () => {
      expect(
        await datasetIds(
          await requestCatalog(c, 'member', { ...CATALOG_REQUEST, filter: [{ id: 'open-2' }] }),
        ),
      ).toEqual(['open-2']);
      expect(
        await datasetIds(
          await requestCatalog(c, 'member', {
            ...CATALOG_REQUEST,
            filter: [{ keyword: 'WEATHER' }, { id: ['open-1', 'members-1'] }],
          }),
        ),
      ).toEqual(['members-1', 'open-1']);
      const bad = async (res: Response, status: number, code: string) => {
        expect(res.status).toBe(status);
        expect(await res.json()).toMatchObject({ '@type': 'CatalogError', code });
      };
      await bad(
        await requestCatalog(c, 'member', { ...CATALOG_REQUEST, filter: [{ colour: 'red' }] }),
        400,
        'invalid_filter',
      );
      await bad(
        await requestCatalog(c, 'member', { ...CATALOG_REQUEST, filter: ['open-1'] }),
        400,
        'invalid_filter',
      );
      await bad(
        await requestCatalog(c, 'member', CATALOG_REQUEST, '?page=garbage'),
        400,
        'invalid_page_token',
      );
      await bad(
        await requestCatalog(c, 'member', { '@type': 'CatalogRequestMessage' }),
        400,
        'invalid_request',
      );
      await bad(
        await dsp(c, '/catalog/request', undefined, {
          method: 'POST',
          body: JSON.stringify(CATALOG_REQUEST),
        }),
        401,
        'dcp_invalid_token',
      );
    });
  });

  it('serves version metadata without authentication', async () => {
    const res = await fetch(c.urls.protocol + '/.well-known/dspace-version');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      protocolVersions: [
        {
          version: '2025-1',
          path: '/',
          binding: 'HTTPS',
          identifierType: 'did:web',
          auth: { protocol: 'DCP', version: '1.0', profile: ['vc20-bssl/jwt', 'vc11-sl2021/jwt'] },
        },
      ],
    });
  });
});

describe('paging through 10,000 datasets', () => {
  let c: RunningConnector;
  beforeAll(async () => {
    c = await startTestConnector(
      { catalog: { pageSize: 500 } },
      { modules: [systemModule, testIdentityModule(), catalogModule] },
    );
    await c.db.exec(bulkAssetsSql(10_000));
    await management(
      c,
      '/v1/offers',
      json({ id: 'all', accessPolicy: PUBLIC_POLICY, contractPolicy: CONTRACT_POLICY }),
    );
    // A second visible offer with a selector, beside one that selects everything.
    await management(
      c,
      '/v1/offers',
      json({
        id: 'k1',
        accessPolicy: PUBLIC_POLICY,
        contractPolicy: CONTRACT_POLICY,
        assetSelector: { criteria: [{ property: 'keyword', operator: 'eq', value: 'k1' }] },
      }),
    );
  }, 60_000);
  afterAll(async () => c?.stop());

  const linkOf = (res: Response, rel: string) => {
    const m = new RegExp(`<([^>]+)>; rel="${rel}"`).exec(res.headers.get('link') ?? '');
    return m?.[1];
  };

  it('returns each dataset exactly once, forwards and back, and refuses a tampered token', async () => {
    const seen: string[] = [];
    let url: string | undefined = c.urls.protocol + '/catalog/request';
    let pages = 0;
    let lastPage: Response | undefined;
    while (url) {
      // Link URLs carry the public URL, which on loopback tests is the protocol listener.
      const res: Response = await fetch(url, {
        method: 'POST',
        headers: { Authorization: 'Bearer outsider', 'Content-Type': 'application/json' },
        body: JSON.stringify(CATALOG_REQUEST),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { dataset?: { '@id': string; hasPolicy: unknown[] }[] };
      seen.push(...(body.dataset ?? []).map((d) => d['@id']));
      // ds000001 has keyword k1 (i % 10 = 1): both offers; ds000002 only the first.
      for (const d of body.dataset ?? []) {
        expect(d.hasPolicy.length, d['@id']).toBe(Number(d['@id'].slice(-1)) === 1 ? 2 : 1);
      }
      if (pages > 0) expect(linkOf(res, 'previous')).toBeDefined();
      pages++;
      lastPage = res;
      url = linkOf(res, 'next');
    }
    expect(pages).toBe(20);
    expect(seen.length).toBe(10_000);
    expect(new Set(seen).size).toBe(10_000);
    expect(seen).toEqual([...seen].sort());

    // The previous page of the last page is the 19th page.
    const prev = linkOf(lastPage!, 'previous')!;
    const back = await fetch(prev, {
      method: 'POST',
      headers: { Authorization: 'Bearer outsider', 'Content-Type': 'application/json' },
      body: JSON.stringify(CATALOG_REQUEST),
    });
    const backIds = ((await back.json()) as { dataset: { '@id': string }[] }).dataset.map((d) => d['@id']);
    expect(backIds).toEqual(seen.slice(9000, 9500));

    const token = new URL(prev).searchParams.get('page')!;
    const [body, mac] = token.split('.');
    const decoded = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { k: string };
    decoded.k = 'ds000001';
    const forged = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${mac}`;
    const res = await requestCatalog(c, 'outsider', CATALOG_REQUEST, `?page=${forged}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ '@type': 'CatalogError', code: 'invalid_page_token' });
    // A token made for another filter is refused too.
    const other = await requestCatalog(
      c,
      'outsider',
      { ...CATALOG_REQUEST, filter: [{ keyword: 'k1' }] },
      `?page=${token}`,
    );
    expect(other.status).toBe(400);
  }, 60_000);
});

describe('consumer side: a remote catalogue', () => {
  let provider: RunningConnector;
  let consumer: RunningConnector;
  let didServer: Server;
  let did: string;
  let hits = 0;

  beforeAll(async () => {
    provider = await startTestConnector(
      { catalog: { pageSize: 2 } },
      {
        modules: [
          systemModule,
          testIdentityModule({ member: (await import('../helpers/catalog.js')).MEMBER }),
          catalogModule,
        ],
      },
    );
    for (const id of ['r1', 'r2', 'r3', 'r4', 'r5'])
      await management(provider, '/v1/assets', json(httpAsset(id)));
    await management(
      provider,
      '/v1/offers',
      json({ id: 'o', accessPolicy: MEMBERS_POLICY, contractPolicy: CONTRACT_POLICY }),
    );
    consumer = await startTestConnector({}, { modules: [systemModule, testIdentityModule(), catalogModule] });
    didServer = createServer((req, res) => {
      hits++;
      if (req.url !== '/.well-known/did.json') return void res.writeHead(404).end();
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          '@context': ['https://www.w3.org/ns/did/v1'],
          id: did,
          service: [
            {
              id: `${did}#catalog`,
              type: 'CatalogService',
              serviceEndpoint: `${provider.urls.public}/catalog`,
            },
          ],
        }),
      );
    });
    await new Promise<void>((r) => didServer.listen(0, '127.0.0.1', r));
    const port = (didServer.address() as { port: number }).port;
    did = `did:web:localhost%3A${port}`;
  }, 30_000);
  afterAll(async () => {
    await consumer?.stop();
    await provider?.stop();
    didServer?.close();
  });

  it('fetches every page by address, caches briefly, and resolves a DID to its catalogue service', async () => {
    const res = await management(consumer, '/v1/catalog/request', json({ address: provider.urls.public }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      participantId: string;
      datasets: { '@id': string }[];
      pages: number;
      cached: boolean;
    };
    expect(body.participantId).toBe(provider.services.did);
    expect(body.datasets.map((d) => d['@id'])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(body.pages).toBe(3);
    expect(body.cached).toBe(false);
    const again = (await (
      await management(consumer, '/v1/catalog/request', json({ address: provider.urls.public }))
    ).json()) as { cached: boolean };
    expect(again.cached).toBe(true);

    const byDid = (await (await management(consumer, '/v1/catalog/request', json({ did }))).json()) as {
      datasets: unknown[];
      address: string;
    };
    expect(byDid.datasets).toHaveLength(5);
    expect(byDid.address).toBe(provider.urls.public);
    expect(hits).toBe(1);

    const unreachable = await management(
      consumer,
      '/v1/catalog/request',
      json({ address: 'http://127.0.0.1:1' }),
    );
    expect(unreachable.status).toBe(502);
    expect((await management(consumer, '/v1/catalog/request', json({}))).status).toBe(400);
  });
});
