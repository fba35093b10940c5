/**
 * The federated catalogue as a DSP Catalog: one nested Catalog per participant (its `participantId`,
 * its datasets, the DataService to negotiate with, and the data space it belongs to), paged over
 * (participant, dataset id) with `Link: <...>; rel="next"`, so that another data space's catalogue
 * can crawl this one as it crawls any connector.
 */
import { ValidationError } from '../../errors.js';
import {
  buildCatalog,
  buildCatalogNode,
  buildDataService,
  type Catalog,
  type DatasetNode,
} from '../../protocol/index.js';
import { DATA_SPACE_PROPERTY } from './crawler.js';
import type { FederationStore } from './store.js';

export interface PageKey {
  participant: string;
  datasetId: string;
}

/** Page tokens name a position in public data (participant and dataset ids), so they need no signature. */
export function encodePageToken(k: PageKey): string {
  return Buffer.from(JSON.stringify([k.participant, k.datasetId])).toString('base64url');
}

export function decodePageToken(token: string): PageKey {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string')
      return { participant: v[0], datasetId: v[1] };
  } catch {
    // fall through
  }
  throw new ValidationError('invalid page token', { parameter: 'page' }, 'invalid_page_token');
}

function endpointOf(ds: Record<string, unknown>): string | undefined {
  const dists = Array.isArray(ds.distribution) ? (ds.distribution as Record<string, unknown>[]) : [];
  for (const d of dists) {
    const s = d?.accessService as Record<string, unknown> | undefined;
    if (s && typeof s === 'object' && typeof s.endpointURL === 'string') return s.endpointURL;
  }
  return undefined;
}

export async function federatedCatalogPage(
  store: FederationStore,
  options: { catalogueDid: string; catalogueId: string; pageSize: number; page?: string },
): Promise<{ catalog: Catalog; next?: PageKey }> {
  const after = options.page ? decodePageToken(options.page) : undefined;
  const rows = await store.catalogPage({ after, limit: options.pageSize + 1 });
  const more = rows.length > options.pageSize;
  const shown = more ? rows.slice(0, options.pageSize) : rows;
  const groups = new Map<string, { dataSpace: string; datasets: DatasetNode[]; endpoints: Set<string> }>();
  for (const r of shown) {
    let g = groups.get(r.participant);
    if (!g) groups.set(r.participant, (g = { dataSpace: r.dataSpace, datasets: [], endpoints: new Set() }));
    g.datasets.push(r.dataset as DatasetNode);
    const e = endpointOf(r.dataset);
    if (e) g.endpoints.add(e);
  }
  const catalogs = [...groups].map(([participant, g]) =>
    buildCatalogNode({
      id: `${options.catalogueId}:${encodeURIComponent(participant)}`,
      participantId: participant,
      datasets: g.datasets,
      services: [...g.endpoints].map((e, i) =>
        buildDataService({
          id: `${options.catalogueId}:${encodeURIComponent(participant)}:service:${i}`,
          endpointURL: e,
        }),
      ),
      extra: { [DATA_SPACE_PROPERTY]: g.dataSpace },
    }),
  );
  const last = shown[shown.length - 1];
  return {
    catalog: buildCatalog({ id: options.catalogueId, participantId: options.catalogueDid, catalogs }),
    next: more && last ? { participant: last.participant, datasetId: last.datasetId } : undefined,
  };
}
