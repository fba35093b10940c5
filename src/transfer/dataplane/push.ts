/**
 * HttpData-PUSH: streams an asset to the consumer's data address (endpoint plus credentials from
 * its endpointProperties), with backpressure; a non-2xx answer or a network failure throws, and the
 * outbox retries the push until its deadline.
 */
import type { LookupFunction } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { PeerError, ValidationError } from '../../errors.js';
import type { SourceAddress } from './sources.js';
import { openSource } from './sources.js';

export interface PushDestination {
  endpoint?: string;
  endpointProperties?: { name: string; value: string }[];
}

export function destinationHeaders(d: PushDestination): Record<string, string> {
  const props = Object.fromEntries((d.endpointProperties ?? []).map((p) => [p.name, p.value]));
  const headers: Record<string, string> = {};
  const auth = props.authorization ?? props['https://w3id.org/edc/v0.0.1/ns/authorization'];
  if (auth) {
    const type = (props.authType ?? '').toLowerCase();
    headers.authorization = type === 'bearer' && !/^bearer /i.test(auth) ? `Bearer ${auth}` : auth;
  }
  return headers;
}

export async function pushAsset(input: {
  source: SourceAddress;
  destination: PushDestination;
  assertAllowedUrl?: (url: string) => Promise<void>;
  /** Resolves the destination's name when connecting, under the network rules. */
  lookup?: LookupFunction;
  fileRoot?: string;
  timeoutMs?: number;
}): Promise<{ bytes: number; status: number }> {
  const endpoint = input.destination.endpoint;
  if (!endpoint) throw new ValidationError('the push destination has no endpoint', undefined, 'no_endpoint');
  await input.assertAllowedUrl?.(endpoint);
  const props = Object.fromEntries(
    (input.destination.endpointProperties ?? []).map((p) => [p.name, p.value]),
  );
  const src = await openSource(input.source, { subPath: '', query: '', method: 'GET' }, input);
  if (src.status < 200 || src.status > 299 || !src.body) {
    src.body?.resume();
    throw new PeerError(`the data source answered ${src.status}`, undefined, 'source_error');
  }
  const url = new URL(endpoint);
  const headers: Record<string, string> = {
    ...destinationHeaders(input.destination),
    'content-type': src.headers['content-type'] ?? 'application/octet-stream',
  };
  if (src.headers['content-length']) headers['content-length'] = src.headers['content-length'];
  let bytes = 0;
  src.body.on('data', (c: Buffer) => (bytes += c.length));
  const mod = url.protocol === 'https:' ? https : http;
  const timeoutMs = input.timeoutMs ?? 60_000;
  const req = mod.request(url, {
    method: (props.method ?? 'POST').toUpperCase(),
    headers,
    timeout: timeoutMs,
    ...(input.lookup ? { lookup: input.lookup } : {}),
  });
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`the destination did not answer within ${timeoutMs} ms`)));
  });
  try {
    await pipeline(src.body, req);
    const res = await answered;
    res.resume();
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) {
      throw new PeerError(`the push destination ${endpoint} answered ${res.statusCode}`, {
        status: res.statusCode,
      });
    }
    return { bytes, status: res.statusCode! };
  } catch (e) {
    src.body.destroy();
    req.destroy();
    if (e instanceof PeerError) throw e;
    throw new PeerError(`pushing to ${endpoint} failed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
