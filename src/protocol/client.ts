/**
 * The DSP 2025-1 HTTPS client: one function per outgoing call to a peer connector.
 *
 * Every call: checks the URL with `assertAllowedUrl` (the connector's allow/deny list) before any
 * network access, sends `Authorization: Bearer <token>` from `getToken(peer DID)` (the DCP
 * self-issued ID token), does not follow redirects (a redirect could leave the allow list), gives up
 * after `timeoutMs`, reads at most `maxResponseBytes`, and decodes the answer with the codec.
 * Any 2xx is success (peers answer 200 where the spec says 201). A non-2xx answer, a network failure
 * or an answer that does not decode is a PeerError (502) with the status and the peer's body.
 *
 * Sends through a `transport` given by the connector (undici's `request`, several times cheaper than
 * fetch per call), or else Node's global fetch, so that the protocol layer imports no HTTP library.
 */
import { PeerError, PontisError } from '../errors.js';
import { decodeMessage } from './codec.js';
import {
  VersionResponseSchema,
  buildCatalogRequestMessage,
  joinUrl,
  normalizeBaseUrl,
  parseWith,
} from './messages.js';
import type {
  Catalog,
  CatalogRequestMessage,
  ContractAgreementMessage,
  ContractAgreementVerificationMessage,
  ContractNegotiation,
  ContractNegotiationEventMessage,
  ContractNegotiationTerminationMessage,
  ContractOfferMessage,
  ContractRequestMessage,
  Dataset,
  DspMessageMap,
  DspMessageType,
  TransferCompletionMessage,
  TransferProcess,
  TransferRequestMessage,
  TransferStartMessage,
  TransferSuspensionMessage,
  TransferTerminationMessage,
  VersionResponse,
} from './messages.js';

/** A peer: its DSP base URL (trailing slashes ignored) and, when known, its DID (the token audience). */
export interface DspPeer {
  baseUrl: string;
  did?: string;
}

export interface DspClientOptions {
  /** Returns the token for the Authorization header; `audienceDid` is the peer's DID when known. */
  getToken: (audienceDid?: string) => Promise<string>;
  /** Whole-request timeout in milliseconds (default 30 000). */
  timeoutMs?: number;
  /** Throws (e.g. ForbiddenError) when the connector may not call `url`. Called before every request. */
  assertAllowedUrl?: (url: string) => void | Promise<void>;
  /** Largest response body read, in bytes (default 10 MiB). */
  maxResponseBytes?: number;
  /** How requests are sent (the connector's: undici's `request`, through its network rules). */
  transport?: HttpTransport;
  /** Without `transport`: the fetch to send with (default: the global fetch). */
  fetch?: typeof fetch;
  userAgent?: string;
}

/** One request as the client sends it. */
export interface HttpExchange {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** Larger bodies are refused with PeerError `peer_response_too_large`. */
  maxBytes: number;
}

/**
 * Sends one request without following redirects and reads the whole answer. Rejects with a PontisError
 * (too large), an error named TimeoutError past `timeoutMs`, or the network's error.
 */
export type HttpTransport = (x: HttpExchange) => Promise<{ status: number; location?: string; text: string }>;

/** The transport on a fetch implementation. */
export function fetchTransport(doFetch: typeof fetch = fetch): HttpTransport {
  return async ({ method, url, headers, body, timeoutMs, maxBytes }) => {
    const res = await doFetch(url, {
      method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await readLimited(res, maxBytes, url);
    return { status: res.status, location: res.headers.get('location') ?? undefined, text };
  };
}

/** Who receives a message whose path is keyed by the receiver's pid. */
export type DspRole = 'provider' | 'consumer';

export interface DspClient {
  // catalog (consumer → provider)
  requestCatalog(peer: DspPeer | string, message?: CatalogRequestMessage): Promise<Catalog>;
  getDataset(peer: DspPeer | string, datasetId: string): Promise<Dataset>;
  // negotiation
  /** POST /negotiations/request (initial) or /negotiations/:providerPid/request (counter-request). Returns the ContractNegotiation, or null if the peer sent no body. */
  requestNegotiation(
    peer: DspPeer | string,
    message: ContractRequestMessage,
  ): Promise<ContractNegotiation | null>;
  /** POST /negotiations/offers (initial, to the consumer's callback) or /negotiations/:consumerPid/offers. */
  offerNegotiation(
    peer: DspPeer | string,
    message: ContractOfferMessage,
  ): Promise<ContractNegotiation | null>;
  /** Consumer → provider: POST /negotiations/:providerPid/events with eventType ACCEPTED. */
  acceptNegotiation(peer: DspPeer | string, message: ContractNegotiationEventMessage): Promise<void>;
  /** Provider → consumer: POST /negotiations/:consumerPid/agreement. */
  agreeNegotiation(peer: DspPeer | string, message: ContractAgreementMessage): Promise<void>;
  /** Consumer → provider: POST /negotiations/:providerPid/agreement/verification. */
  verifyNegotiation(peer: DspPeer | string, message: ContractAgreementVerificationMessage): Promise<void>;
  /** Provider → consumer: POST /negotiations/:consumerPid/events with eventType FINALIZED. */
  finalizeNegotiation(peer: DspPeer | string, message: ContractNegotiationEventMessage): Promise<void>;
  /** POST /negotiations/:pid/termination, pid of the receiving side (`to`). */
  terminateNegotiation(
    peer: DspPeer | string,
    message: ContractNegotiationTerminationMessage,
    to: DspRole,
  ): Promise<void>;
  /** GET /negotiations/:pid (the peer's own pid). */
  getNegotiation(peer: DspPeer | string, pid: string): Promise<ContractNegotiation>;
  // transfer
  /** POST /transfers/request. Returns the TransferProcess, or null if the peer sent no body. */
  requestTransfer(peer: DspPeer | string, message: TransferRequestMessage): Promise<TransferProcess | null>;
  /** POST /transfers/:pid/start; `to` defaults to 'consumer' (the provider starts; a consumer restarts with 'provider'). */
  startTransfer(peer: DspPeer | string, message: TransferStartMessage, to?: DspRole): Promise<void>;
  suspendTransfer(peer: DspPeer | string, message: TransferSuspensionMessage, to: DspRole): Promise<void>;
  completeTransfer(peer: DspPeer | string, message: TransferCompletionMessage, to: DspRole): Promise<void>;
  terminateTransfer(peer: DspPeer | string, message: TransferTerminationMessage, to: DspRole): Promise<void>;
  /** GET /transfers/:pid (the peer's own pid). */
  getTransfer(peer: DspPeer | string, pid: string): Promise<TransferProcess>;
  // metadata
  /** GET <origin>/.well-known/dspace-version (unauthenticated; at the host root, whatever the base path). */
  getVersions(peer: DspPeer | string): Promise<VersionResponse>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;
/** How much of a peer's error body is kept in PeerError details. */
const ERROR_BODY_CHARS = 4096;

function asPeer(peer: DspPeer | string): DspPeer {
  return typeof peer === 'string' ? { baseUrl: peer } : peer;
}

/** Reads a response body as text, refusing (PeerError `peer_response_too_large`) past `max` bytes. */
export async function readLimited(res: Response, max: number, url: string): Promise<string> {
  return readAtMost(res.body, res.headers.get('content-length'), max, url, res.status);
}

/**
 * The same for any body that iterates its chunks (a web stream, a Node stream): refused at once when
 * its declared length is too large, else when the bytes read pass `max`. Leaving the loop early cancels
 * the stream.
 */
export async function readAtMost(
  body: AsyncIterable<Uint8Array> | null,
  contentLength: string | null | undefined,
  max: number,
  url: string,
  status: number,
): Promise<string> {
  const declared = Number(contentLength ?? NaN);
  if (Number.isFinite(declared) && declared > max) {
    await body?.[Symbol.asyncIterator]().return?.();
    throw new PeerError(
      `${url} answered ${declared} bytes, more than the ${max} allowed`,
      { url, status },
      'peer_response_too_large',
    );
  }
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > max) {
      throw new PeerError(
        `${url} answered more than the ${max} bytes allowed`,
        { url, status },
        'peer_response_too_large',
      );
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text.length > ERROR_BODY_CHARS ? text.slice(0, ERROR_BODY_CHARS) + '…' : text;
  }
}

export function createDspClient(options: DspClientOptions): DspClient {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
  const send = options.transport ?? fetchTransport(options.fetch);

  async function call(
    method: 'GET' | 'POST',
    peer: DspPeer,
    url: string,
    body: unknown,
    auth = true,
  ): Promise<unknown> {
    await options.assertAllowedUrl?.(url);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.userAgent) headers['user-agent'] = options.userAgent;
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (auth) {
      const token = await options.getToken(peer.did);
      headers.authorization = /^bearer /i.test(token) ? token : `Bearer ${token}`;
    }
    let res: Awaited<ReturnType<HttpTransport>>;
    try {
      res = await send({
        method,
        url,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs,
        maxBytes,
      });
    } catch (err) {
      if (err instanceof PontisError) throw err;
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      const cause =
        err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
      throw new PeerError(
        timedOut
          ? `${method} ${url} did not answer within ${timeoutMs} ms`
          : `${method} ${url} failed: ${cause}`,
        { url, method, cause },
        timedOut ? 'peer_timeout' : 'peer_unreachable',
      );
    }
    const { status, location, text } = res;
    if (status < 200 || status > 299) {
      throw new PeerError(
        `${method} ${url} answered ${status}${status >= 300 && status < 400 ? ' (redirects are not followed)' : ''}`,
        { url, method, status, body: parseBody(text), ...(location ? { location } : {}) },
      );
    }
    return parseBody(text);
  }

  /** Decodes a peer's answer; a body that does not decode is the peer's fault (502), not a 400 of ours. */
  async function decodeAnswer<T extends DspMessageType>(
    url: string,
    body: unknown,
    type: T,
  ): Promise<DspMessageMap[T]> {
    try {
      return await decodeMessage(body, type);
    } catch (err) {
      if (!(err instanceof PontisError)) throw err;
      throw new PeerError(
        `${url} answered an invalid ${type}: ${err.message}`,
        { url, problem: err.details },
        'peer_invalid_response',
      );
    }
  }

  async function postExpecting<T extends DspMessageType>(
    peer: DspPeer,
    path: string[],
    message: unknown,
    type: T,
  ) {
    const url = joinUrl(peer.baseUrl, ...path);
    const body = await call('POST', peer, url, message);
    return body === undefined ? null : decodeAnswer(url, body, type);
  }

  async function post(peer: DspPeer, path: string[], message: unknown): Promise<void> {
    await call('POST', peer, joinUrl(peer.baseUrl, ...path), message);
  }

  async function get<T extends DspMessageType>(
    peer: DspPeer,
    path: string[],
    type: T,
  ): Promise<DspMessageMap[T]> {
    const url = joinUrl(peer.baseUrl, ...path);
    return decodeAnswer(url, await call('GET', peer, url, undefined), type);
  }

  const pidFor = (m: { providerPid: string; consumerPid: string }, to: DspRole) =>
    to === 'provider' ? m.providerPid : m.consumerPid;

  return {
    async requestCatalog(p, message = buildCatalogRequestMessage()) {
      const peer = asPeer(p);
      const url = joinUrl(peer.baseUrl, 'catalog', 'request');
      return decodeAnswer(url, await call('POST', peer, url, message), 'Catalog');
    },
    getDataset: (p, datasetId) => get(asPeer(p), ['catalog', 'datasets', datasetId], 'Dataset'),

    requestNegotiation: (p, m) =>
      postExpecting(
        asPeer(p),
        m.providerPid === undefined
          ? ['negotiations', 'request']
          : ['negotiations', m.providerPid, 'request'],
        m,
        'ContractNegotiation',
      ),
    offerNegotiation: (p, m) =>
      postExpecting(
        asPeer(p),
        m.consumerPid === undefined ? ['negotiations', 'offers'] : ['negotiations', m.consumerPid, 'offers'],
        m,
        'ContractNegotiation',
      ),
    acceptNegotiation: (p, m) => post(asPeer(p), ['negotiations', m.providerPid, 'events'], m),
    agreeNegotiation: (p, m) => post(asPeer(p), ['negotiations', m.consumerPid, 'agreement'], m),
    verifyNegotiation: (p, m) =>
      post(asPeer(p), ['negotiations', m.providerPid, 'agreement', 'verification'], m),
    finalizeNegotiation: (p, m) => post(asPeer(p), ['negotiations', m.consumerPid, 'events'], m),
    terminateNegotiation: (p, m, to) => post(asPeer(p), ['negotiations', pidFor(m, to), 'termination'], m),
    getNegotiation: (p, pid) => get(asPeer(p), ['negotiations', pid], 'ContractNegotiation'),

    requestTransfer: (p, m) => postExpecting(asPeer(p), ['transfers', 'request'], m, 'TransferProcess'),
    startTransfer: (p, m, to = 'consumer') => post(asPeer(p), ['transfers', pidFor(m, to), 'start'], m),
    suspendTransfer: (p, m, to) => post(asPeer(p), ['transfers', pidFor(m, to), 'suspension'], m),
    completeTransfer: (p, m, to) => post(asPeer(p), ['transfers', pidFor(m, to), 'completion'], m),
    terminateTransfer: (p, m, to) => post(asPeer(p), ['transfers', pidFor(m, to), 'termination'], m),
    getTransfer: (p, pid) => get(asPeer(p), ['transfers', pid], 'TransferProcess'),

    async getVersions(p) {
      const peer = asPeer(p);
      const url = new URL('/.well-known/dspace-version', normalizeBaseUrl(peer.baseUrl) + '/').toString();
      const body = await call('GET', peer, url, undefined, false);
      try {
        return parseWith(VersionResponseSchema, body, 'VersionResponse');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new PeerError(
          `${url} answered invalid version metadata: ${message}`,
          { url },
          'peer_invalid_response',
        );
      }
    },
  };
}
