/**
 * Data sources behind the data plane: HttpData (an origin HTTP server; path and query passthrough
 * when the asset allows it; Range forwarded) and File (under the configured root; Range served).
 * Both return a stream: nothing is ever buffered whole.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ForbiddenError, NotFoundError, PeerError, ValidationError } from '../../errors.js';

export interface HttpDataAddress {
  type: 'HttpData';
  baseUrl: string;
  method?: string;
  /** Header values; a value `{ env: NAME }` is read from the environment (secrets by reference). */
  headers?: Record<string, string | { env: string }>;
  proxyPath?: boolean;
  proxyQuery?: boolean;
  contentType?: string;
}

export interface FileDataAddress {
  type: 'File';
  path: string;
  contentType?: string;
}

export type SourceAddress = HttpDataAddress | FileDataAddress;

export interface SourceRequest {
  /** Path below the data plane endpoint, without the leading slash ('' for none). */
  subPath: string;
  /** Raw query string with its '?', or ''. */
  query: string;
  method: 'GET' | 'HEAD';
  range?: string;
}

export interface SourceResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable | null;
}

/** Response headers passed from an origin to the consumer. */
const PASSED = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'content-encoding',
  'cache-control',
  'content-disposition',
];

export function parseSourceAddress(raw: Record<string, unknown> | undefined): SourceAddress {
  if (!raw) throw new NotFoundError('the asset has no data address', 'no_data_address');
  const type = raw.type ?? raw['@type'];
  if (type === 'HttpData' && typeof raw.baseUrl === 'string') return raw as unknown as HttpDataAddress;
  if (type === 'File' && typeof raw.path === 'string') return raw as unknown as FileDataAddress;
  throw new ValidationError(
    `unsupported data address type ${JSON.stringify(type)}`,
    undefined,
    'bad_data_address',
  );
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
};

export function httpSourceUrl(a: HttpDataAddress, req: Pick<SourceRequest, 'subPath' | 'query'>): URL {
  if (req.subPath && !a.proxyPath) {
    throw new ForbiddenError(
      'this asset does not allow path passthrough',
      { subPath: req.subPath },
      'path_not_allowed',
    );
  }
  // No dot segments: '..' (even percent-encoded) would climb out of the asset's base path.
  for (const seg of req.subPath.split('/')) {
    let d: string;
    try {
      d = decodeURIComponent(seg);
    } catch {
      throw new ValidationError(
        'the path is not valid percent-encoding',
        { subPath: req.subPath },
        'bad_path',
      );
    }
    if (d === '.' || d === '..' || d.includes('/') || d.includes('\\')) {
      throw new ForbiddenError(
        'the path may not leave the asset',
        { subPath: req.subPath },
        'path_not_allowed',
      );
    }
  }
  let url = a.baseUrl;
  if (req.subPath) url = url.replace(/\/+$/, '') + '/' + req.subPath;
  const u = new URL(url);
  if (a.proxyQuery && req.query) {
    const extra = new URLSearchParams(req.query.replace(/^\?/, ''));
    for (const [k, v] of extra) u.searchParams.append(k, v);
  }
  return u;
}

function headerValues(h: HttpDataAddress['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    out[k] = typeof v === 'string' ? v : (process.env[v.env] ?? '');
  }
  return out;
}

export function openHttpSource(
  a: HttpDataAddress,
  req: SourceRequest,
  timeoutMs = 30_000,
): Promise<SourceResponse> {
  const url = httpSourceUrl(a, req);
  const headers = headerValues(a.headers);
  if (req.range) headers.range = req.range;
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const r = mod.request(
      url,
      {
        method: req.method === 'HEAD' ? 'HEAD' : (a.method ?? 'GET'),
        headers,
        agent: url.protocol === 'https:' ? agents.https : agents.http,
        timeout: timeoutMs,
      },
      (res) => {
        const out: Record<string, string> = {};
        for (const name of PASSED) {
          const v = res.headers[name];
          if (typeof v === 'string') out[name] = v;
        }
        if (a.contentType && !out['content-type']) out['content-type'] = a.contentType;
        resolvePromise({ status: res.statusCode ?? 502, headers: out, body: res });
      },
    );
    r.on('timeout', () => r.destroy(new Error(`the origin did not answer within ${timeoutMs} ms`)));
    r.on('error', (e) =>
      reject(new PeerError(`the data source failed: ${e.message}`, undefined, 'source_unreachable')),
    );
    r.end();
  });
}

/** A single `bytes=a-b` range against `size`; undefined for none, 'invalid' when unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined; // multiple or odd ranges: serve the whole
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return 'invalid';
  return { start, end };
}

export async function openFileSource(
  a: FileDataAddress,
  req: SourceRequest,
  root: string | undefined,
): Promise<SourceResponse> {
  if (!root)
    throw new ForbiddenError(
      'File data addresses need catalog.fileRoot to be set',
      undefined,
      'no_file_root',
    );
  if (req.subPath)
    throw new ForbiddenError('a File asset does not allow path passthrough', undefined, 'path_not_allowed');
  const rootReal = await realpath(root);
  let file: string;
  try {
    file = await realpath(resolve(rootReal, a.path));
  } catch {
    throw new NotFoundError('the file of this asset does not exist', 'source_not_found');
  }
  const rel = relative(rootReal, file);
  if (rel.startsWith('..') || isAbsolute(rel)) {
    throw new ForbiddenError(
      'the file of this asset is outside catalog.fileRoot',
      undefined,
      'outside_file_root',
    );
  }
  const st = await stat(file);
  const type = a.contentType ?? 'application/octet-stream';
  const range = parseRange(req.range, st.size);
  const base = { 'content-type': type, 'accept-ranges': 'bytes', 'last-modified': st.mtime.toUTCString() };
  if (range === 'invalid') {
    return { status: 416, headers: { ...base, 'content-range': `bytes */${st.size}` }, body: null };
  }
  if (range) {
    return {
      status: 206,
      headers: {
        ...base,
        'content-length': String(range.end - range.start + 1),
        'content-range': `bytes ${range.start}-${range.end}/${st.size}`,
      },
      body:
        req.method === 'HEAD'
          ? null
          : createReadStream(file, { start: range.start, end: range.end, highWaterMark: 256 * 1024 }),
    };
  }
  return {
    status: 200,
    headers: { ...base, 'content-length': String(st.size) },
    body: req.method === 'HEAD' ? null : createReadStream(file, { highWaterMark: 256 * 1024 }),
  };
}

export function openSource(
  a: SourceAddress,
  req: SourceRequest,
  options: { fileRoot?: string; timeoutMs?: number },
): Promise<SourceResponse> {
  return a.type === 'HttpData'
    ? openHttpSource(a, req, options.timeoutMs)
    : openFileSource(a, req, options.fileRoot);
}
