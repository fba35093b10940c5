/**
 * Set-up for transfer tests: stand-ins for the services of the parts a transfer relies on (identity,
 * negotiation, catalogue), so the transfer module can be tested over real listeners and a real store
 * on its own. Identity: a real Ed25519 key signs and verifies tokens; a DSP caller is authenticated
 * as the DID in its bearer token (`Bearer did:...`), with the credentials registered for it.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../src/errors.js';
import type { VerifiedParticipant } from '../../src/identity/participant.js';
import type { ModuleFactory } from '../../src/runtime/module.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import type { IdentityService, NegotiationService } from '../../src/runtime/services.js';
import { transferModule } from '../../src/runtime/modules/transfer.js';
import { startTestConnector } from './connector.js';

export type AgreementRecord = NonNullable<Awaited<ReturnType<NegotiationService['agreement']>>>;

export interface StandIns {
  did: string;
  participants: Map<string, VerifiedParticipant>;
  revoked: Set<string>;
  agreements: Map<string, AgreementRecord>;
  dataAddresses: Map<string, Record<string, unknown>>;
}

export async function standInIdentity(did: string, s: StandIns): Promise<IdentityService> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = `${did}#key-1`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' };
  return {
    did,
    async authenticate(authorization) {
      const token = (authorization ?? '').replace(/^Bearer\s+/i, '');
      const p = s.participants.get(token);
      if (!p) throw new UnauthorizedError('unknown caller', 'dcp_invalid_token');
      return p;
    },
    authorizationFor: async () => `Bearer ${did}`,
    async sign(payload, options = {}) {
      let jwt = new SignJWT(payload)
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: options.typ ?? 'JWT' })
        .setIssuedAt();
      if (options.expiresInSeconds) jwt = jwt.setExpirationTime(`${options.expiresInSeconds}s`);
      return jwt.sign(privateKey);
    },
    async verifyOwn(token, options = {}) {
      try {
        return (await jwtVerify(token, publicKey, { typ: options.typ })).payload as Record<string, unknown>;
      } catch {
        throw new UnauthorizedError('not a token of ours');
      }
    },
    publicJwk: () => jwk,
    async refreshParticipant(p) {
      return { ...p, credentials: p.credentials.filter((c) => !c.id || !s.revoked.has(c.id)) };
    },
  };
}

/** A module that fills identity, negotiations and catalog with the stand-ins. */
export function standInModule(s: StandIns): ModuleFactory {
  return async (ctx) => {
    ctx.services.did = s.did;
    ctx.services.identity = await standInIdentity(s.did, s);
    ctx.services.negotiations = { agreement: async (id) => s.agreements.get(id) };
    ctx.services.catalog = {
      resolveOffer: async () => undefined,
      dataAddress: async (assetId) => s.dataAddresses.get(assetId),
    };
    return { name: 'stand-ins' };
  };
}

export function newStandIns(did: string): StandIns {
  return {
    did,
    participants: new Map(),
    revoked: new Set(),
    agreements: new Map(),
    dataAddresses: new Map(),
  };
}

export function membership(
  did: string,
  options: { id?: string; validUntil?: Date } = {},
): VerifiedParticipant {
  return {
    did,
    credentials: [
      {
        id: options.id ?? `urn:uuid:${randomUUID()}`,
        types: ['VerifiableCredential', 'MembershipCredential'],
        issuer: 'did:web:issuer.example',
        subject: { id: did },
        validUntil: options.validUntil,
      },
    ],
  };
}

/** An ODRL Agreement with the given permission constraints. */
export function agreementPolicy(input: {
  id: string;
  provider: string;
  consumer: string;
  target: string;
  constraints?: Record<string, unknown>[];
}): Record<string, unknown> {
  return {
    '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
    '@type': 'Agreement',
    '@id': input.id,
    target: input.target,
    assigner: input.provider,
    assignee: input.consumer,
    timestamp: new Date().toISOString(),
    permission: [{ action: 'use', ...(input.constraints?.length ? { constraint: input.constraints } : {}) }],
  };
}

export async function startTransferConnector(s: StandIns, overrides: Record<string, unknown> = {}) {
  return startTestConnector(
    {
      outbox: { pollMs: 20, retryBaseMs: 20, retryMaxMs: 200 },
      transfer: { monitorIntervalMs: 200 },
      ...overrides,
    } as never,
    { modules: [standInModule(s), transferModule] },
  );
}

/** A real origin HTTP server: GET /file (and any path) answers deterministic bytes, honours Range. */
export async function startOrigin(size = 1024 * 1024) {
  const body = Buffer.alloc(size);
  for (let i = 0; i < size; i++) body[i] = (i * 31 + 7) & 0xff;
  const seen: { url: string; headers: http.IncomingHttpHeaders }[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    if (req.method === 'POST' || req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
        res.statusCode = failPushes > 0 ? (failPushes--, 503) : 200;
        res.end();
      });
      return;
    }
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    res.setHeader('content-type', 'application/octet-stream');
    res.setHeader('accept-ranges', 'bytes');
    if (m) {
      const start = Number(m[1]);
      const end = m[2] ? Number(m[2]) : size - 1;
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
      res.setHeader('content-length', String(end - start + 1));
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.setHeader('content-length', String(size));
    res.end(body);
  });
  const received: { url: string; headers: http.IncomingHttpHeaders; body: Buffer }[] = [];
  let failPushes = 0;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    body,
    seen,
    received,
    failNextPushes(n: number) {
      failPushes = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until)
      throw new Error(`condition not met within ${ms} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export type { RunningConnector };
