import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError, PeerError } from '../../../src/errors.js';
import { createGuardedHttp } from '../../../src/http/outgoing.js';
import { createDspClient, type HttpTransport } from '../../../src/protocol/client.js';
import {
  buildCatalog,
  buildContractAgreementMessage,
  buildContractNegotiation,
  buildContractRequestMessage,
  buildAgreement,
  buildTransferStartMessage,
  buildVersionResponse,
} from '../../../src/protocol/messages.js';

interface Seen {
  method: string;
  url: string;
  auth: string | undefined;
  body: unknown;
}
type Handler = (req: IncomingMessage, res: ServerResponse, body: unknown) => void;

let server: Server;
let base: string;
let seen: Seen[] = [];
let handler: Handler = (_req, res) => res.writeHead(200).end();

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const body: unknown = data ? JSON.parse(data) : undefined;
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/dsp/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});
beforeEach(() => {
  seen = [];
  handler = (_req, res) => res.writeHead(200).end();
});

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

const audiences: (string | undefined)[] = [];
const pids = { providerPid: 'urn:uuid:p-1', consumerPid: 'urn:uuid:c-1' };
const offer = {
  '@id': 'urn:uuid:o',
  '@type': 'Offer' as const,
  target: 'urn:uuid:d',
  permission: [{ action: 'use' }],
};

// The same behaviour through Node's fetch (the default) and through the connector's undici transport.
const transports: [string, HttpTransport | undefined][] = [
  ['fetch', undefined],
  ['undici request', createGuardedHttp({ allow: [], deny: [], allowHttp: true }).transport],
];

describe.each(transports)('DSP client (%s)', (_name, transport) => {
  const client = createDspClient({
    getToken: async (aud) => {
      audiences.push(aud);
      return 'tok';
    },
    timeoutMs: 500,
    transport,
  });

  it('requests a catalog under the base path with a bearer token for the peer DID', async () => {
    const catalog = buildCatalog({ id: 'urn:uuid:cat', participantId: 'did:web:p.example' });
    handler = (_q, res) => json(res, 200, catalog);
    const got = await client.requestCatalog({ baseUrl: base, did: 'did:web:p.example' });
    expect(got).toEqual(catalog);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/api/dsp/catalog/request', auth: 'Bearer tok' });
    expect(seen[0]?.body).toMatchObject({ '@type': 'CatalogRequestMessage' });
    expect(audiences.at(-1)).toBe('did:web:p.example');
  });

  it('sends initial and counter requests to the right paths and accepts 200 with no body', async () => {
    const negotiation = buildContractNegotiation({ ...pids, state: 'REQUESTED' });
    handler = (_q, res) => json(res, 201, negotiation);
    const initial = buildContractRequestMessage({
      consumerPid: pids.consumerPid,
      offer,
      callbackAddress: 'https://c.example/',
    });
    expect(await client.requestNegotiation(base, initial)).toEqual(negotiation);
    handler = (_q, res) => res.writeHead(200).end();
    expect(await client.requestNegotiation(base, buildContractRequestMessage({ ...pids, offer }))).toBeNull();
    expect(seen.map((s) => s.url)).toEqual([
      '/api/dsp/negotiations/request',
      '/api/dsp/negotiations/urn:uuid:p-1/request',
    ]);
  });

  it('addresses messages by the receiving side pid', async () => {
    const agreement = buildAgreement({
      id: 'urn:uuid:a',
      target: 'urn:uuid:d',
      assigner: 'p',
      assignee: 'c',
      permission: [{ action: 'use' }],
    });
    await client.agreeNegotiation(base, buildContractAgreementMessage({ ...pids, agreement }));
    await client.startTransfer(base, buildTransferStartMessage(pids));
    await client.startTransfer(base, buildTransferStartMessage(pids), 'provider');
    expect(seen.map((s) => s.url)).toEqual([
      '/api/dsp/negotiations/urn:uuid:c-1/agreement',
      '/api/dsp/transfers/urn:uuid:c-1/start',
      '/api/dsp/transfers/urn:uuid:p-1/start',
    ]);
  });

  it('turns a non-2xx answer into a PeerError with the status and the peer body', async () => {
    const dspError = {
      '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
      '@type': 'ContractNegotiationError',
      ...pids,
      code: '400',
    };
    handler = (_q, res) => json(res, 400, dspError);
    const err = await client.getNegotiation(base, 'urn:uuid:p-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).status).toBe(502);
    expect((err as PeerError).details).toMatchObject({ status: 400, body: dspError });
  });

  it('does not follow redirects', async () => {
    handler = (_q, res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    const err = await client.getTransfer(base, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).details).toMatchObject({ status: 302, location: 'http://169.254.169.254/' });
    expect(seen).toHaveLength(1);
  });

  it('treats an answer that does not decode as the peer fault (502), not a 400', async () => {
    handler = (_q, res) =>
      json(res, 200, {
        '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
        '@type': 'TransferProcess',
      });
    const err = await client.getTransfer(base, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).code).toBe('peer_invalid_response');
  });

  it('times out', async () => {
    handler = () => undefined; // never answers
    const err = await client.getTransfer(base, 'slow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).code).toBe('peer_timeout');
  });

  it('reports an unreachable peer', async () => {
    const err = await client.getVersions('http://127.0.0.1:1/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PeerError);
    expect((err as PeerError).code).toBe('peer_unreachable');
  });

  it('asks assertAllowedUrl before any request', async () => {
    const guarded = createDspClient({
      getToken: async () => 'tok',
      transport,
      assertAllowedUrl: (url) => {
        throw new ForbiddenError(`not allowed: ${url}`);
      },
    });
    await expect(guarded.getNegotiation(base, 'x')).rejects.toBeInstanceOf(ForbiddenError);
    expect(seen).toHaveLength(0);
  });

  it('reads version metadata at the host root without a token', async () => {
    handler = (_q, res) => json(res, 200, buildVersionResponse({ path: '/api/dsp' }));
    const versions = await client.getVersions(base);
    expect(versions.protocolVersions[0]).toMatchObject({
      version: '2025-1',
      path: '/api/dsp',
      binding: 'HTTPS',
    });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/.well-known/dspace-version', auth: undefined });
  });

  it('refuses oversized answers, whether their length is declared or not', async () => {
    const small = createDspClient({ getToken: async () => 't', maxResponseBytes: 100, transport });
    handler = (_q, res) => json(res, 200, { pad: 'x'.repeat(1000) });
    const err = await small.getTransfer(base, 'x').catch((e: unknown) => e);
    expect((err as PeerError).code).toBe('peer_response_too_large');
    // Chunked, no Content-Length: counted as it is read.
    handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"pad": "');
      res.end('x'.repeat(1000) + '"}');
    };
    const streamed = await small.getTransfer(base, 'x').catch((e: unknown) => e);
    expect((streamed as PeerError).code).toBe('peer_response_too_large');
  });
});
