/**
 * Fetching one page of a peer's DSP catalogue: POST a CatalogRequestMessage, read the `Link` header's
 * `rel="next"` (DSP catalogue pagination), decode the body with the protocol codec.
 *
 * The protocol layer's DSP client posts to `<base>/catalog/request` only and does not expose the
 * response's headers, so following a `next` link needs this small adapter. Like that client it uses
 * Node's global fetch, checks the URL against the allow-list first, does not follow redirects,
 * bounds time and size, and turns every failure into a PeerError naming the URL.
 */
import { PeerError, PontisError } from '../../errors.js';
import { buildCatalogRequestMessage, decodeMessage, type Catalog } from '../../protocol/index.js';
import { readLimited } from '../../protocol/client.js';

export interface CatalogPage {
  catalog: Catalog;
  /** Absolute URL of the next page, when the peer announced one. */
  next?: string;
}

export interface FetchCatalogPageOptions {
  authorization?: string;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
}

export type FetchCatalogPage = (url: string, options: FetchCatalogPageOptions) => Promise<CatalogPage>;

/** The URL a CatalogRequestMessage goes to: a DID CatalogService endpoint ends in `/catalog`, a DSP base does not. */
export function catalogRequestUrl(endpoint: string): string {
  const base = endpoint.replace(/\/+$/, '');
  return base.endsWith('/catalog') ? `${base}/request` : `${base}/catalog/request`;
}

/** The `rel="next"` target of a Link header, resolved against `base`. */
export function nextLink(header: string | null, base: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (!m) continue;
    const rels = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(m[2]!)?.[1]?.toLowerCase().split(/\s+/) ?? [];
    if (rels.includes('next')) {
      try {
        return new URL(m[1]!, base).toString();
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function createCatalogPageFetcher(deps: {
  assertAllowedUrl?: (url: string) => void | Promise<void>;
  fetch?: typeof fetch;
}): FetchCatalogPage {
  const doFetch = deps.fetch ?? fetch;
  return async (url, options) => {
    await deps.assertAllowedUrl?.(url);
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/json',
    };
    if (options.authorization) headers.authorization = options.authorization;
    const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
    let res: Response;
    let text: string;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(buildCatalogRequestMessage()),
        redirect: 'manual',
        signal: AbortSignal.any(signals),
      });
      text = await readLimited(res, options.maxBytes, url);
    } catch (err) {
      if (err instanceof PontisError) throw err;
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const cause =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new PeerError(
        timedOut
          ? `POST ${url} did not answer within ${options.timeoutMs} ms`
          : `POST ${url} failed: ${cause}`,
        { url, cause },
        timedOut ? 'peer_timeout' : 'peer_unreachable',
      );
    }
    if (res.status < 200 || res.status > 299) {
      throw new PeerError(`POST ${url} answered ${res.status}`, {
        url,
        status: res.status,
        body: text.slice(0, 2000),
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PeerError(`${url} did not answer JSON`, { url }, 'peer_invalid_response');
    }
    let catalog: Catalog;
    try {
      catalog = await decodeMessage(body, 'Catalog');
    } catch (err) {
      if (!(err instanceof PontisError)) throw err;
      throw new PeerError(
        `${url} answered an invalid Catalog: ${err.message}`,
        { url, problem: err.details },
        'peer_invalid_response',
      );
    }
    return { catalog, next: nextLink(res.headers.get('link'), url) };
  };
}
