/** Page tokens, DSP filters, data address rules and the DCAT-AP dataset node. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkDataAddress,
  datasetNodeParts,
  normalizeMetadata,
  resolveDataAddress,
  resolveFilePath,
} from '../../../src/catalog/assets.js';
import { createPageTokens, filterDigest } from '../../../src/catalog/paging.js';
import { parseFilter } from '../../../src/catalog/provider.js';
import { nextLink, dspBaseFromDidDocument } from '../../../src/catalog/remote.js';

describe('page tokens', () => {
  const tokens = createPageTokens('secret-1');
  const f = filterDigest([]);

  it('round-trips a position and refuses anything altered, foreign or malformed', () => {
    const t = tokens.encode({ dir: 'after', key: 'ds000500', filter: f });
    expect(tokens.decode(t, f)).toEqual({ dir: 'after', key: 'ds000500', filter: f });
    const [body, mac] = t.split('.');
    const swapped = Buffer.from(JSON.stringify({ v: 1, d: 'a', k: 'ds000001', f })).toString('base64url');
    for (const bad of [
      `${swapped}.${mac}`,
      `${body}.${mac!.slice(1)}`,
      createPageTokens('other').encode({ dir: 'after', key: 'x', filter: f }),
      'garbage',
      '',
      'a.b',
      '.'.repeat(2000),
    ]) {
      expect(() => tokens.decode(bad, f), bad.slice(0, 40)).toThrow(
        expect.objectContaining({ code: 'invalid_page_token', status: 400 }),
      );
    }
    expect(() => tokens.decode(t, filterDigest([{ keyword: 'x' }]))).toThrow(/different filter/);
  });
});

describe('DSP filters', () => {
  it('reads id and keyword entries, lists or single values', () => {
    expect(parseFilter([{ id: 'a' }, { keyword: ['X', 'y'] }, { '@id': ['b'] }])).toEqual({
      ids: [['a'], ['b']],
      keywords: [['x', 'y']],
    });
    expect(parseFilter(undefined)).toEqual({ ids: [], keywords: [] });
  });
  it('refuses anything else with a pointer', () => {
    for (const [f, pointer] of [
      [[{ title: 'a' }], '/filter/0/title'],
      [['a'], '/filter/0'],
      [[{ id: 'a', keyword: 'b' }], '/filter/0'],
      [[{}, { id: 3 }], '/filter/0'],
      [[{ id: [] }], '/filter/0/id'],
      [[{ keyword: 'x' }, { id: [1] }], '/filter/1/id'],
    ] as [unknown[], string][]) {
      expect(() => parseFilter(f)).toThrow(
        expect.objectContaining({ code: 'invalid_filter', details: { pointer } }),
      );
    }
  });
});

describe('data addresses', () => {
  const root = mkdtempSync(join(tmpdir(), 'pontis-root-'));
  const outside = mkdtempSync(join(tmpdir(), 'pontis-out-'));
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'sub', 'f.csv'), 'x');
  writeFileSync(join(outside, 'x'), 'x');
  symlinkSync(outside, join(root, 'escape'));
  const secrets = { env: { TOKEN: 't0k' }, config: { key: 'k3y' } };

  it('keeps File paths under the root, links included', () => {
    expect(resolveFilePath('sub/f.csv', root)).toBe(join(root, 'sub', 'f.csv'));
    expect(resolveFilePath(join(root, 'sub/new.csv'), root)).toBe(join(root, 'sub', 'new.csv'));
    for (const p of ['../x', '/etc/passwd', 'sub/../../x', 'escape/x', 'a\0b']) {
      expect(() => resolveFilePath(p, root), p).toThrow(
        expect.objectContaining({ code: 'path_outside_root' }),
      );
    }
    expect(() => resolveFilePath('f', undefined)).toThrow(
      expect.objectContaining({ code: 'file_root_not_configured' }),
    );
  });

  it('takes credentials by reference only and resolves them for the data plane', () => {
    const ok = {
      type: 'HttpData' as const,
      baseUrl: 'https://api.example/v1',
      headers: [
        { name: 'Authorization', secretRef: 'env:TOKEN' },
        { name: 'X-Key', secretRef: 'config:key' },
        { name: 'Accept', value: 'text/csv' },
      ],
    };
    checkDataAddress(ok, { secrets });
    expect(resolveDataAddress(ok, { secrets })).toMatchObject({
      headers: { Authorization: 't0k', 'X-Key': 'k3y', Accept: 'text/csv' },
      method: 'GET',
    });
    const bad = (a: object) => () =>
      checkDataAddress({ type: 'HttpData', baseUrl: 'https://x.example', ...a }, { secrets });
    expect(bad({ headers: [{ name: 'X-Api-Token', value: 'abc' }] })).toThrow(
      expect.objectContaining({ code: 'secret_in_clear' }),
    );
    expect(bad({ headers: [{ name: 'Cookie', value: 'abc' }] })).toThrow(
      expect.objectContaining({ code: 'secret_in_clear' }),
    );
    expect(bad({ headers: [{ name: 'Authorization', secretRef: 'env:NOPE' }] })).toThrow(
      expect.objectContaining({ code: 'secret_not_found' }),
    );
    expect(bad({ headers: [{ name: 'Authorization', secretRef: 'vault:x' }] })).toThrow(
      /env:NAME or config:NAME/,
    );
    expect(bad({ headers: [{ name: 'A', value: 'x', secretRef: 'env:TOKEN' }] })).toThrow(/exactly one/);
    expect(bad({ headers: [{ name: 'bad header', value: 'x' }] })).toThrow(/header name/);
    expect(bad({ baseUrl: 'https://user:pw@x.example' })).toThrow(/credentials in the URL/);
    expect(bad({ baseUrl: 'ftp://x.example' })).toThrow(/http and https/);
    expect(() => resolveDataAddress(ok, { secrets: { env: {}, config: {} } })).toThrow(
      expect.objectContaining({ code: 'secret_not_found' }),
    );
  });
});

describe('DCAT-AP dataset node', () => {
  it('maps the metadata to dct:/dcat: terms, IRIs as references', () => {
    const m = normalizeMetadata({
      title: 'T',
      description: 'D',
      keywords: ['a', 'a', 'b'],
      themes: ['http://t/ENVI'],
      publisher: 'Example Org',
      license: 'https://l/by',
      language: ['http://lang/ENG'],
      spatial: 'http://geo/DEU',
      temporal: { start: '2020-01-01T00:00:00Z' },
      distributions: [{ format: 'HttpData-PULL', mediaType: 'text/csv' }],
    });
    expect(datasetNodeParts(m)).toEqual({
      extra: {
        'dct:title': 'T',
        'dct:description': 'D',
        'dcat:keyword': ['a', 'b'],
        'dcat:theme': [{ '@id': 'http://t/ENVI' }],
        'dct:publisher': 'Example Org',
        'dct:license': { '@id': 'https://l/by' },
        'dct:language': [{ '@id': 'http://lang/ENG' }],
        'dct:spatial': { '@id': 'http://geo/DEU' },
        'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': '2020-01-01T00:00:00Z' },
      },
      distributions: [{ format: 'HttpData-PULL', extra: { 'dcat:mediaType': 'text/csv' } }],
    });
    expect(normalizeMetadata({ title: 'x' }).distributions).toEqual([{ format: 'HttpData-PULL' }]);
    expect(() =>
      normalizeMetadata({
        title: 'x',
        temporal: { start: '2021-01-01T00:00:00Z', end: '2020-01-01T00:00:00Z' },
      }),
    ).toThrow(/start is after end/);
  });
});

describe('remote catalogue helpers', () => {
  it('reads rel="next" from a Link header', () => {
    expect(nextLink('<https://p/catalog/request?page=a.b>; rel="next", <https://p/x>; rel="previous"')).toBe(
      'https://p/catalog/request?page=a.b',
    );
    expect(nextLink('<https://p/x>; rel="previous"')).toBeUndefined();
    expect(nextLink('<https://p/y>; rel=next')).toBe('https://p/y');
    expect(nextLink(null)).toBeUndefined();
  });
  it('finds the DSP base in a DID document', () => {
    expect(
      dspBaseFromDidDocument(
        { service: [{ id: '#c', type: 'CatalogService', serviceEndpoint: 'https://p.example/dsp/catalog' }] },
        'did:web:p',
      ),
    ).toEqual({ catalogBase: 'https://p.example/dsp' });
    expect(
      dspBaseFromDidDocument(
        {
          service: [
            {
              id: '#d',
              type: 'DataService',
              serviceEndpoint: 'https://p.example/.well-known/dspace-version',
            },
          ],
        },
        'did:web:p',
      ),
    ).toEqual({ versionUrl: 'https://p.example/.well-known/dspace-version' });
    expect(() => dspBaseFromDidDocument({ service: [] }, 'did:web:p')).toThrow(
      expect.objectContaining({ code: 'no_catalog_service' }),
    );
  });
});
