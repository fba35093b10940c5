/**
 * Asset selectors of offer definitions: which assets an offer applies to. The same selector is
 * turned into SQL (to page the catalogue with a keyset scan) and evaluated in memory (to attach the
 * offers to the datasets of a page); the two must agree, and the unit tests check that they do.
 *
 * A selector `{ assetIds?, criteria? }` selects an asset when every part given holds: its id is in
 * `assetIds`, and every criterion holds. An empty selector selects every asset.
 */
import { ValidationError } from '../errors.js';
import { checkId } from './assets.js';

export type CriterionValue = string | number | boolean;

export interface Criterion {
  /** id, title, keyword, theme, publisher, license, or properties.<name>. */
  property: string;
  operator: 'eq' | 'in' | 'like';
  value: CriterionValue | CriterionValue[];
}

export interface AssetSelector {
  assetIds?: string[];
  criteria?: Criterion[];
}

/** What a selector can see of an asset (the columns the SQL reads). */
export interface SelectableAsset {
  id: string;
  title: string;
  keywords: string[];
  themes: string[];
  publisher?: string;
  license?: string;
  properties: Record<string, unknown>;
}

type Field =
  | { kind: 'scalar'; sql: string; read: (a: SelectableAsset) => unknown }
  | { kind: 'array'; sql: string; read: (a: SelectableAsset) => string[]; lower: boolean };

function field(property: string, pointer: string): Field {
  switch (property) {
    case 'id':
      return { kind: 'scalar', sql: 'id', read: (a) => a.id };
    case 'title':
      return { kind: 'scalar', sql: 'title', read: (a) => a.title };
    case 'publisher':
      return { kind: 'scalar', sql: "(metadata->>'publisher')", read: (a) => a.publisher };
    case 'license':
      return { kind: 'scalar', sql: "(metadata->>'license')", read: (a) => a.license };
    case 'keyword':
      return { kind: 'array', sql: 'keywords', read: (a) => a.keywords, lower: true };
    case 'theme':
      return { kind: 'array', sql: 'themes', read: (a) => a.themes, lower: false };
  }
  const m = /^properties\.([A-Za-z0-9_.-]{1,100})$/.exec(property);
  if (m) {
    const name = m[1]!;
    return {
      kind: 'scalar',
      // The name is restricted to a safe alphabet above, and quoted as a SQL literal here.
      sql: `(properties->>'${name.replace(/'/g, "''")}')`,
      read: (a) => a.properties[name],
    };
  }
  throw new ValidationError(
    `${pointer}/property: '${property}' is not selectable (id, title, keyword, theme, publisher, license, properties.<name>)`,
    { pointer: `${pointer}/property` },
  );
}

/** Checks a selector; throws ValidationError with a pointer. */
export function checkSelector(selector: AssetSelector, base = '/assetSelector'): void {
  selector.assetIds?.forEach((id, i) => checkId(id, `${base}/assetIds/${i}`));
  selector.criteria?.forEach((c, i) => {
    const pointer = `${base}/criteria/${i}`;
    const f = field(c.property, pointer);
    const isList = Array.isArray(c.value);
    if (c.operator === 'in' ? !Array.isArray(c.value) || c.value.length === 0 : isList) {
      throw new ValidationError(
        `${pointer}/value: ${c.operator === 'in' ? "'in' needs a non-empty list" : `'${c.operator}' needs a single value`}`,
        { pointer: `${pointer}/value` },
      );
    }
    if (c.operator === 'like' && (f.kind === 'array' || typeof c.value !== 'string')) {
      throw new ValidationError(`${pointer}: 'like' needs a text property and a string pattern`, {
        pointer: `${pointer}/operator`,
      });
    }
  });
}

const text = (v: CriterionValue) => String(v);

/**
 * The selector as a SQL condition over catalog_assets; parameters are appended to `params`
 * (their numbers follow those already there).
 */
export function selectorSql(selector: AssetSelector, params: unknown[]): string {
  const parts: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (selector.assetIds) parts.push(`id = ANY(${p(selector.assetIds)}::text[])`);
  selector.criteria?.forEach((c, i) => {
    const f = field(c.property, `/criteria/${i}`);
    const values = (Array.isArray(c.value) ? c.value : [c.value]).map(text);
    if (f.kind === 'array') {
      const vs = f.lower ? values.map((v) => v.toLowerCase()) : values;
      parts.push(
        c.operator === 'in' ? `${f.sql} && ${p(vs)}::text[]` : `${f.sql} @> ARRAY[${p(vs[0])}::text]`,
      );
    } else if (c.operator === 'in') {
      parts.push(`${f.sql} = ANY(${p(values)}::text[])`);
    } else if (c.operator === 'like') {
      parts.push(`${f.sql} LIKE ${p(values[0])}`);
    } else {
      parts.push(`${f.sql} = ${p(values[0])}`);
    }
  });
  return parts.length === 0 ? 'true' : parts.map((s) => `(${s})`).join(' AND ');
}

/** SQL LIKE (% and _, backslash escapes) as a regular expression. */
function likeRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\' && i + 1 < pattern.length) out += pattern[++i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') out += '[\\s\\S]*';
    else if (ch === '_') out += '[\\s\\S]';
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

const regexCache = new Map<string, RegExp>();

/** Whether the selector selects the asset (the same answer as selectorSql). */
export function selects(selector: AssetSelector, asset: SelectableAsset): boolean {
  if (selector.assetIds && !selector.assetIds.includes(asset.id)) return false;
  for (const c of selector.criteria ?? []) {
    const f = field(c.property, '');
    const values = (Array.isArray(c.value) ? c.value : [c.value]).map(text);
    if (f.kind === 'array') {
      const have = f.read(asset);
      const want = f.lower ? values.map((v) => v.toLowerCase()) : values;
      if (!want.some((v) => have.includes(v))) return false;
      continue;
    }
    const raw = f.read(asset);
    if (raw === undefined || raw === null) return false; // SQL: NULL compares to nothing
    const v = typeof raw === 'object' ? JSON.stringify(raw) : String(raw as CriterionValue);
    if (c.operator === 'like') {
      let re = regexCache.get(values[0]!);
      if (!re) {
        re = likeRegex(values[0]!);
        if (regexCache.size > 1000) regexCache.clear();
        regexCache.set(values[0]!, re);
      }
      if (!re.test(v)) return false;
    } else if (!values.includes(v)) return false;
  }
  return true;
}
