/**
 * A participant played on loopback for the catalogue role's tests and bench: an HTTP server answering
 * `POST /catalog/request` with a DSP 2025-1 Catalog, paged with `Link: <...>; rel="next"`.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PeerDataset {
  id: string;
  title: string;
  description?: string;
  keywords?: string[];
  themes?: string[];
  publisher?: string;
  format?: string;
  license?: string;
  /** ODRL constraints of the (only) offer's permission. */
  constraints?: Record<string, unknown>[];
}

export interface PeerOptions {
  participantId: string;
  datasets: PeerDataset[];
  pageSize?: number;
  /** Nested catalogues served inline (another data space's catalogue). */
  nested?: { participantId: string; datasets: PeerDataset[]; extra?: Record<string, unknown> }[];
}

export interface FakePeer {
  url: string;
  /** Requests seen (method path authorization). */
  requests: { path: string; authorization?: string }[];
  /** When false the peer answers 503. */
  up: boolean;
  datasets: PeerDataset[];
  close(): Promise<void>;
}

const CONTEXT = ['https://w3id.org/dspace/2025/1/context.jsonld'];

export function datasetNode(d: PeerDataset, serviceId: string): Record<string, unknown> {
  return {
    '@id': d.id,
    '@type': 'Dataset',
    'dct:title': d.title,
    ...(d.description ? { 'dct:description': d.description } : {}),
    ...(d.keywords ? { 'dcat:keyword': d.keywords } : {}),
    ...(d.themes ? { 'dcat:theme': d.themes.map((t) => ({ '@id': t })) } : {}),
    ...(d.publisher ? { 'dct:publisher': { 'foaf:name': d.publisher } } : {}),
    ...(d.license ? { 'dct:license': { '@id': d.license } } : {}),
    hasPolicy: [
      {
        '@id': `offer-${d.id}`,
        '@type': 'Offer',
        permission: [{ action: 'use', ...(d.constraints ? { constraint: d.constraints } : {}) }],
      },
    ],
    distribution: [
      { '@type': 'Distribution', format: d.format ?? 'HttpData-PULL', accessService: serviceId },
    ],
  };
}

export async function startFakePeer(options: PeerOptions): Promise<FakePeer> {
  const pageSize = options.pageSize ?? 50;
  let base = '';
  const peer: FakePeer = {
    url: '',
    requests: [],
    up: true,
    datasets: options.datasets,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', base);
      peer.requests.push({ path: u.pathname + u.search, authorization: req.headers.authorization });
      if (!peer.up) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
        return;
      }
      if (req.method !== 'POST' || u.pathname !== '/catalog/request') {
        res.writeHead(404).end();
        return;
      }
      const page = Number(u.searchParams.get('page') ?? 0);
      const all = peer.datasets;
      const slice = all.slice(page * pageSize, (page + 1) * pageSize);
      const serviceId = 'urn:uuid:service-1';
      const body: Record<string, unknown> = {
        '@context': CONTEXT,
        '@id': `urn:catalog:${options.participantId}`,
        '@type': 'Catalog',
        participantId: options.participantId,
        service: [{ '@id': serviceId, '@type': 'DataService', endpointURL: base }],
        ...(slice.length ? { dataset: slice.map((d) => datasetNode(d, serviceId)) } : {}),
      };
      if (page === 0 && options.nested?.length) {
        body.catalog = options.nested.map((n, i) => ({
          ...n.extra,
          '@id': `urn:catalog:nested:${i}`,
          '@type': 'Catalog',
          participantId: n.participantId,
          service: [
            { '@id': `urn:nested-service:${i}`, '@type': 'DataService', endpointURL: `${base}/nested/${i}` },
          ],
          dataset: n.datasets.map((d) => datasetNode(d, `urn:nested-service:${i}`)),
        }));
      }
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if ((page + 1) * pageSize < all.length)
        headers.link = `<${base}/catalog/request?page=${page + 1}>; rel="next"`;
      res.writeHead(200, headers).end(JSON.stringify(body));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  peer.url = base;
  return peer;
}

const WORDS = [
  'weather',
  'traffic',
  'energy',
  'water',
  'soil',
  'air',
  'noise',
  'health',
  'mobility',
  'parking',
  'solar',
  'wind',
  'grid',
  'harbour',
  'freight',
  'rail',
  'bicycle',
  'forest',
  'river',
  'crop',
];
const THEMES = ['environment', 'transport', 'energy', 'agriculture', 'health'];
const FORMATS = ['HttpData-PULL', 'HttpData-PUSH', 'AmazonS3-PUSH'];
const LICENSES = [
  'https://creativecommons.org/licenses/by/4.0/',
  'https://opendatacommons.org/licenses/odbl/',
];

/** `n` datasets of participant `p`, with words, keywords, themes, publishers, formats and licences spread evenly. */
export function generateDatasets(p: number, n: number): PeerDataset[] {
  return Array.from({ length: n }, (_, i) => {
    const w1 = WORDS[(i * 7 + p) % WORDS.length]!;
    const w2 = WORDS[(i * 13 + p * 3 + 5) % WORDS.length]!;
    return {
      id: `p${p}-ds${i}`,
      title: `${w1} ${w2} measurements ${i}`,
      description: `Hourly ${w1} observations in region ${i % 50} collected by participant ${p}.`,
      keywords: [w1, w2],
      themes: [THEMES[(i + p) % THEMES.length]!],
      publisher: `Publisher ${p % 10}`,
      format: FORMATS[i % FORMATS.length],
      license: LICENSES[i % LICENSES.length],
      constraints:
        i % 2 === 0
          ? [{ leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'active' }]
          : [{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }],
    };
  });
}
