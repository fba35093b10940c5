/**
 * What the index keeps of a crawled DSP Dataset: DCAT / Dublin Core metadata read leniently (peers
 * write `dct:title`, the full IRI, or a bare `title`; values as strings, language maps, `@value`
 * or `@id` objects, single or in arrays) and the offers summarised. Pure functions.
 */
import type { DatasetNode } from '../../protocol/index.js';
import { summariseOffers, type OfferSummary } from './offers.js';

const DCT = 'http://purl.org/dc/terms/';
const DCAT = 'http://www.w3.org/ns/dcat#';
const FOAF = 'http://xmlns.com/foaf/0.1/';

export interface IndexedDataset {
  datasetId: string;
  participant: string;
  dataSpace: string;
  endpoint: string;
  title: string;
  description: string;
  publisher: string | null;
  keywords: string[];
  themes: string[];
  formats: string[];
  licenses: string[];
  offers: OfferSummary[];
  dataset: DatasetNode;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The values of a property under any of its spellings. */
function values(node: Record<string, unknown>, ns: string, prefix: string, name: string): unknown[] {
  const out: unknown[] = [];
  for (const key of [`${prefix}:${name}`, ns + name, name]) {
    const v = node[key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) out.push(...(v as unknown[]));
    else out.push(v);
  }
  return out;
}

/** Text of one JSON-LD value: a string, `{@value}`, `{@id}`, a name-bearing object (publisher), or a language map. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (!isObject(v)) return undefined;
  if (typeof v['@value'] === 'string') return v['@value'].trim() || undefined;
  for (const k of ['foaf:name', `${FOAF}name`, 'name', 'dct:title', `${DCT}title`]) {
    const inner = v[k];
    const t = Array.isArray(inner) ? text(inner[0]) : text(inner);
    if (t) return t;
  }
  if (typeof v['@id'] === 'string') return v['@id'];
  // A language map: prefer English, else the first.
  const en = v.en ?? v['en-GB'] ?? v['en-US'];
  if (typeof en === 'string') return en;
  const first = Object.values(v).find((x) => typeof x === 'string');
  return typeof first === 'string' ? first : undefined;
}

const texts = (vs: unknown[]) => [...new Set(vs.map(text).filter((t): t is string => !!t))];
const lower = (vs: string[]) => [...new Set(vs.map((v) => v.toLowerCase()))];

/** The dataset's searchable fields. `context` says where it was found. */
export function extractDataset(
  node: DatasetNode,
  context: { participant: string; dataSpace: string; endpoint: string },
): IndexedDataset {
  const n = node as Record<string, unknown>;
  const distributions = Array.isArray(n.distribution) ? (n.distribution as unknown[]).filter(isObject) : [];
  const formats = texts([
    ...distributions.flatMap((d) => [
      ...values(d, DSP_NS, 'dspace', 'format'),
      ...values(d, DCT, 'dct', 'format'),
      ...values(d, DCAT, 'dcat', 'mediaType'),
    ]),
    ...values(n, DCT, 'dct', 'format'),
  ]);
  const licenses = texts([
    ...values(n, DCT, 'dct', 'license'),
    ...distributions.flatMap((d) => values(d, DCT, 'dct', 'license')),
  ]);
  return {
    datasetId: node['@id'],
    participant: context.participant,
    dataSpace: context.dataSpace,
    endpoint: context.endpoint,
    title: texts(values(n, DCT, 'dct', 'title'))[0] ?? '',
    description: texts(values(n, DCT, 'dct', 'description')).join('\n'),
    publisher: texts(values(n, DCT, 'dct', 'publisher'))[0] ?? null,
    keywords: lower(texts(values(n, DCAT, 'dcat', 'keyword'))),
    themes: lower(texts(values(n, DCAT, 'dcat', 'theme'))),
    formats,
    licenses,
    offers: summariseOffers(Array.isArray(node.hasPolicy) ? node.hasPolicy : []),
    dataset: node,
  };
}

const DSP_NS = 'https://w3id.org/dspace/2025/1/';

/** The text full-text search reads, most important first (title, keywords, description, the rest). */
export function searchText(d: IndexedDataset): { a: string; b: string; c: string } {
  return {
    a: [d.title, d.datasetId].join(' '),
    b: [...d.keywords, ...d.themes, d.publisher ?? ''].join(' '),
    c: [d.description, ...d.formats, d.participant, d.dataSpace].join(' '),
  };
}
