/**
 * The consumer side: fetch another participant's DSP catalogue, given its DSP address or its DID
 * (whose document names the catalogue service), following `Link: <...>; rel="next"` pages, and keep
 * the result briefly so that a user browsing the catalogue does not call the peer on every click.
 *
 * Every URL is checked with the connector's allow/deny list before it is called; next-page links
 * must stay on the peer's origin; redirects are not followed; size and time are bounded.
 */
import { PeerError, PontisError, ValidationError } from '../errors.js';
import { decodeMessage } from '../protocol/codec.js';
import { buildCatalogRequestMessage, type Catalog } from '../protocol/messages/catalog.js';
import { joinUrl, normalizeBaseUrl } from '../protocol/messages/common.js';

export interface RemoteCatalogOptions {
  /** The Authorization header value for a call to the peer `audience` (its DID, or its address when no DID is known). */
  authorization: (audience: string) => Promise<string>;
  assertAllowedUrl: (url: string) => Promise<void>;
  /** The DID document of `did` (any JSON object with `service`). */
  resolveDid: (did: string) => Promise<{ service?: unknown }>;
  timeoutMs: number;
  cacheTtlMs: number;
  maxPages: number;
  maxResponseBytes?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface RemoteCatalogRequest {
  /** The peer's DSP base URL (where /catalog/request lives). */
  address?: string;
  did?: string;
  filter?: unknown[];
  /** Skip the cache. */
  refresh?: boolean;
}

export interface RemoteCatalog {
  participantId: string;
  address: string;
  did?: string;
  /** The catalogue's first page with the datasets of every page merged in order. */
  catalog: Catalog;
  datasets: unknown[];
  pages: number;
  /** True when the pages stopped at maxPages. */
  truncated: boolean;
  fetchedAt: string;
  cached: boolean;
}

/** The `rel="next"` target of a Link header (RFC 8288), if any. */
export function nextLink(header: string | null, rel = 'next'): string | undefined {
  if (!header) return undefined;
  const re = /<([^>]*)>\s*((?:;\s*[^;,]+(?:=(?:"[^"]*"|[^;,]*))?\s*)*)/g;
  for (const m of header.matchAll(re)) {
    const params = m[2] ?? '';
    const relMatch = /;\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]*))/i.exec(params);
    const rels = (relMatch?.[1] ?? relMatch?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes(rel)) return m[1];
  }
  return undefined;
}

/** The DSP base URL from a DID document's CatalogService (URL ending in /catalog) or DataService entry. */
export function dspBaseFromDidDocument(
  doc: { service?: unknown },
  did: string,
): { catalogBase?: string; versionUrl?: string } {
  const services = Array.isArray(doc.service) ? (doc.service as Record<string, unknown>[]) : [];
  const endpoint = (type: string) => {
    for (const s of services) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.includes(type)) continue;
      const ep = Array.isArray(s.serviceEndpoint) ? s.serviceEndpoint[0] : s.serviceEndpoint;
      if (typeof ep === 'string') return ep;
    }
    return undefined;
  };
  const catalog = endpoint('CatalogService');
  if (catalog) return { catalogBase: normalizeBaseUrl(catalog).replace(/\/catalog$/, '') };
  const data = endpoint('DataService');
  if (data) return { versionUrl: data };
  throw new ValidationError(
    `the DID document of ${did} lists no CatalogService or DataService`,
    { did },
    'no_catalog_service',
  );
}

export function createRemoteCatalogClient(o: RemoteCatalogOptions) {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const maxBytes = o.maxResponseBytes ?? 10 * 1024 * 1024;
  const cache = new Map<string, { until: number; value: RemoteCatalog }>();

  async function call(url: string, init: { method: 'GET' | 'POST'; body?: unknown; auth?: string }) {
    await o.assertAllowedUrl(url);
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, {
        method: init.method,
        headers: {
          accept: 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(init.auth ? { authorization: init.auth } : {}),
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      const buf = await res.arrayBuffer();
      if (buf.byteLength > maxBytes) {
        throw new PeerError(
          `${url} answered more than ${maxBytes} bytes`,
          { url },
          'peer_response_too_large',
        );
      }
      text = Buffer.from(buf).toString('utf8');
    } catch (err) {
      if (err instanceof PontisError) throw err;
      const message = err instanceof Error ? err.message : String(err);
      throw new PeerError(`${init.method} ${url} failed: ${message}`, { url }, 'peer_unreachable');
    }
    let body: unknown;
    try {
      body = text.trim() ? JSON.parse(text) : undefined;
    } catch {
      body = text.slice(0, 2000);
    }
    if (res.status < 200 || res.status > 299) {
      throw new PeerError(`${init.method} ${url} answered ${res.status}`, { url, status: res.status, body });
    }
    return { body, link: res.headers.get('link') };
  }

  async function baseFor(req: RemoteCatalogRequest): Promise<string> {
    if (req.address) return normalizeBaseUrl(req.address);
    const doc = await o.resolveDid(req.did!);
    const found = dspBaseFromDidDocument(doc, req.did!);
    if (found.catalogBase) return found.catalogBase;
    // A DataService entry names the version metadata (as the DSP example does) or, as some
    // connectors write it, the connector's base URL; the version metadata is at the host root.
    const endpoint = found.versionUrl!;
    const origin = new URL(endpoint).origin;
    const named = /\/\.well-known\/dspace-version\/?$/.test(endpoint);
    const versionUrl = named ? endpoint : `${origin}/.well-known/dspace-version`;
    let entry: { path?: unknown } | undefined;
    try {
      const { body } = await call(versionUrl, { method: 'GET' });
      const versions = (
        body as { protocolVersions?: { version?: string; path?: unknown; binding?: string }[] }
      )?.protocolVersions;
      entry = versions?.find((v) => v.version === '2025-1' && v.binding === 'HTTPS');
    } catch (err) {
      if (named) throw err;
    }
    if (entry && typeof entry.path === 'string') {
      const path = entry.path.startsWith('/') ? entry.path : `/${entry.path}`;
      return normalizeBaseUrl(origin + path);
    }
    if (named) throw new PeerError(`${versionUrl} lists no DSP 2025-1 HTTPS endpoint`, { url: versionUrl });
    return normalizeBaseUrl(endpoint);
  }

  async function decodeCatalog(url: string, body: unknown): Promise<Catalog> {
    try {
      return await decodeMessage(body, 'Catalog');
    } catch (err) {
      if (!(err instanceof PontisError)) throw err;
      throw new PeerError(
        `${url} answered an invalid Catalog: ${err.message}`,
        { url, problem: err.details },
        'peer_invalid_response',
      );
    }
  }

  return {
    async fetch(req: RemoteCatalogRequest): Promise<RemoteCatalog> {
      if (!req.address && !req.did) {
        throw new ValidationError('give the peer as address (its DSP URL) or did', { pointer: '/address' });
      }
      const key = JSON.stringify([req.address ?? null, req.did ?? null, req.filter ?? null]);
      const hit = cache.get(key);
      if (hit && !req.refresh && hit.until > now()) return { ...hit.value, cached: true };

      const base = await baseFor(req);
      const auth = await o.authorization(req.did ?? base);
      const message = buildCatalogRequestMessage(req.filter ? { filter: req.filter } : {});
      const origin = new URL(base).origin;
      let url = joinUrl(base, 'catalog', 'request');
      let first: Catalog | undefined;
      const datasets: unknown[] = [];
      const seen = new Set<string>();
      let pages = 0;
      let truncated = false;
      for (;;) {
        const { body, link } = await call(url, { method: 'POST', body: message, auth });
        const catalog = await decodeCatalog(url, body);
        first ??= catalog;
        pages++;
        datasets.push(...(catalog.dataset ?? []));
        const next = nextLink(link);
        if (!next) break;
        const nextUrl = new URL(next, url).toString();
        if (new URL(nextUrl).origin !== origin) {
          throw new PeerError(
            `${url} linked its next page to another origin (${nextUrl})`,
            { url, next: nextUrl },
            'peer_invalid_response',
          );
        }
        if (seen.has(nextUrl)) break; // a peer that links a page to itself would loop forever
        seen.add(nextUrl);
        if (pages >= o.maxPages) {
          truncated = true;
          break;
        }
        url = nextUrl;
      }
      const catalog = { ...first!, ...(datasets.length ? { dataset: datasets } : {}) } as Catalog;
      const value: RemoteCatalog = {
        participantId: first!.participantId,
        address: base,
        ...(req.did ? { did: req.did } : {}),
        catalog,
        datasets,
        pages,
        truncated,
        fetchedAt: new Date(now()).toISOString(),
        cached: false,
      };
      if (cache.size > 1000) cache.clear();
      cache.set(key, { until: now() + o.cacheTtlMs, value });
      return value;
    },
    /** The DSP base URL a DID document names (its CatalogService or DataService entry). */
    dspAddress: (did: string) => baseFor({ did }),
    clear: () => cache.clear(),
  };
}

export type RemoteCatalogClient = ReturnType<typeof createRemoteCatalogClient>;
