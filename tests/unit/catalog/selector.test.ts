/**
 * Asset selectors: the SQL condition (used to page the catalogue) and the in-memory check (used to
 * attach offers to a page's datasets) must select the same assets, on a real database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkSelector,
  selectorSql,
  selects,
  type AssetSelector,
  type SelectableAsset,
} from '../../../src/catalog/selector.js';
import type { Database } from '../../../src/store/db.js';
import { openTestDatabase } from '../../helpers/db.js';

const assets: SelectableAsset[] = [
  {
    id: 'a1',
    title: 'Weather 2024',
    keywords: ['weather', 'eu'],
    themes: ['http://t/ENVI'],
    publisher: 'did:web:p',
    license: 'https://l/by',
    properties: { dept: 'met', level: 3, open: true },
  },
  {
    id: 'a2',
    title: 'Traffic_50%',
    keywords: ['traffic'],
    themes: [],
    properties: { dept: 'roads', level: 10 },
  },
  {
    id: 'b1',
    title: 'weather archive',
    keywords: ['weather'],
    themes: ['http://t/ENVI', 'http://t/TRAN'],
    license: 'https://l/cc0',
    properties: {},
  },
];

const selectors: [string, AssetSelector][] = [
  ['empty', {}],
  ['ids', { assetIds: ['a1', 'b1', 'zz'] }],
  ['keyword eq, case-insensitive', { criteria: [{ property: 'keyword', operator: 'eq', value: 'WEATHER' }] }],
  ['keyword in', { criteria: [{ property: 'keyword', operator: 'in', value: ['traffic', 'eu'] }] }],
  ['theme eq', { criteria: [{ property: 'theme', operator: 'eq', value: 'http://t/TRAN' }] }],
  ['title like', { criteria: [{ property: 'title', operator: 'like', value: 'Weather%' }] }],
  ['like escapes', { criteria: [{ property: 'title', operator: 'like', value: 'Traffic\\_50\\%' }] }],
  ['like underscore', { criteria: [{ property: 'id', operator: 'like', value: 'a_' }] }],
  ['publisher missing', { criteria: [{ property: 'publisher', operator: 'eq', value: 'did:web:p' }] }],
  ['license in', { criteria: [{ property: 'license', operator: 'in', value: ['https://l/cc0', 'x'] }] }],
  ['number property', { criteria: [{ property: 'properties.level', operator: 'eq', value: 3 }] }],
  ['boolean property', { criteria: [{ property: 'properties.open', operator: 'eq', value: true }] }],
  ['property in', { criteria: [{ property: 'properties.dept', operator: 'in', value: ['met', 'roads'] }] }],
  [
    'ids and criteria',
    { assetIds: ['a1', 'a2'], criteria: [{ property: 'keyword', operator: 'eq', value: 'traffic' }] },
  ],
];

describe('asset selectors', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase();
    for (const a of assets) {
      await db.query(
        `INSERT INTO catalog_assets (id, title, keywords, themes, metadata, properties, dataset, data_address)
         VALUES ($1, $2, $3, $4, $5, $6, '{}', '{"type":"File","path":"x"}')`,
        [
          a.id,
          a.title,
          a.keywords,
          a.themes,
          JSON.stringify({ title: a.title, publisher: a.publisher, license: a.license }),
          JSON.stringify(a.properties),
        ],
      );
    }
  });
  afterAll(async () => db?.close());

  it.each(selectors)('%s: SQL and memory agree', async (_name, selector) => {
    checkSelector(selector);
    const params: unknown[] = [];
    const where = selectorSql(selector, params);
    const sql = (
      await db.query<{ id: string }>(`SELECT id FROM catalog_assets WHERE ${where} ORDER BY id`, params)
    ).rows.map((r) => r.id);
    const memory = assets.filter((a) => selects(selector, a)).map((a) => a.id);
    expect(sql).toEqual(memory);
  });

  it('selects what it says', () => {
    const pick = (s: AssetSelector) => assets.filter((a) => selects(s, a)).map((a) => a.id);
    expect(pick({})).toEqual(['a1', 'a2', 'b1']);
    expect(pick(selectors[2]![1])).toEqual(['a1', 'b1']);
    expect(pick(selectors[6]![1])).toEqual(['a2']);
    expect(pick(selectors[13]![1])).toEqual(['a2']);
  });

  it('refuses unknown properties, a list for eq, a scalar for in and like on a list property', () => {
    const bad: AssetSelector[] = [
      { criteria: [{ property: 'colour', operator: 'eq', value: 'red' }] },
      { criteria: [{ property: "properties.x'; DROP TABLE x; --", operator: 'eq', value: 'red' }] },
      { criteria: [{ property: 'title', operator: 'eq', value: ['a', 'b'] }] },
      { criteria: [{ property: 'title', operator: 'in', value: 'a' }] },
      { criteria: [{ property: 'keyword', operator: 'like', value: 'a%' }] },
      { assetIds: ['has:colon'] },
    ];
    for (const s of bad) expect(() => checkSelector(s)).toThrow(/\/assetSelector\//);
  });
});
