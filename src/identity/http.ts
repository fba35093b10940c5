/**
 * The only way identity reaches the network: a `FetchJson` function passed in from outside. The
 * default adapter uses the global fetch, checks every URL with `assertAllowedUrl` first (so nothing
 * is fetched from a URL the configuration does not allow), bounds time and size, and turns every
 * failure into a PeerError that names the URL.
 */
import { PeerError, PontisError } from '../errors.js';

export interface FetchJsonInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
}

export type FetchJson = (url: string, init?: FetchJsonInit) => Promise<unknown>;

/** Throws (a PontisError) when the URL may not be called. */
export type AssertAllowedUrl = (url: URL) => void | Promise<void>;

export interface FetchJsonOptions {
  assertAllowedUrl?: AssertAllowedUrl;
  timeoutMs?: number;
  maxBytes?: number;
  /** For tests: the fetch to use (defaults to the global one). */
  fetch?: typeof fetch;
}

export function createFetchJson(options: FetchJsonOptions = {}): FetchJson {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const maxBytes = options.maxBytes ?? 1_048_576;
  const doFetch = options.fetch ?? fetch;
  return async (url, init = {}) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PeerError(`not a URL: ${url}`, { url }, 'invalid_url');
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new PeerError(`only http(s) URLs may be fetched, got ${url}`, { url }, 'url_not_allowed');
    }
    await options.assertAllowedUrl?.(parsed);
    let res: Response;
    try {
      res = await doFetch(parsed, {
        method: init.method ?? 'GET',
        headers: {
          accept: 'application/json',
          ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...init.headers,
        },
        body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
    } catch (e) {
      throw new PeerError(
        `${init.method ?? 'GET'} ${url} failed: ${(e as Error).message}`,
        { url },
        'peer_unreachable',
      );
    }
    const text = await readLimited(res, maxBytes, url);
    if (!res.ok) {
      throw new PeerError(
        `${init.method ?? 'GET'} ${url} answered ${res.status}`,
        { url, status: res.status, body: text.slice(0, 500) },
        'peer_http_error',
      );
    }
    // VC-JOSE documents (e.g. a status list credential) come as the compact JWS itself.
    if (/jwt/i.test(res.headers.get('content-type') ?? '')) return text.trim();
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new PeerError(`${url} did not answer JSON`, { url }, 'peer_invalid_json');
    }
  };
}

async function readLimited(res: Response, maxBytes: number, url: string): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes)
    throw new PeerError(`${url}: response larger than ${maxBytes} bytes`, { url }, 'peer_response_too_large');
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new PeerError(
        `${url}: response larger than ${maxBytes} bytes`,
        { url },
        'peer_response_too_large',
      );
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** True for hosts that never leave this machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Re-throws anything that is not a PontisError as a PeerError naming `what`. */
export function asPeerError(e: unknown, what: string): PontisError {
  if (e instanceof PontisError) return e;
  return new PeerError(`${what}: ${(e as Error)?.message ?? String(e)}`);
}
