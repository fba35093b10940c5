/**
 * Stand-ins for the services a transfer relies on (identity, negotiation, catalogue), free of vitest so
 * that bench/dataplane.ts can use them too. Identity: a real Ed25519 key signs and verifies tokens; a
 * DSP caller is authenticated as the DID in its bearer token (`Bearer did:...`), with the credentials
 * registered for it.
 */
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { UnauthorizedError } from '../../src/errors.js';
import type { VerifiedParticipant } from '../../src/identity/participant.js';
import type { ModuleFactory } from '../../src/runtime/module.js';
import type { IdentityService, NegotiationService } from '../../src/runtime/services.js';

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

const identities = new WeakMap<StandIns, Promise<IdentityService>>();

/** A module that fills identity, negotiations and catalog with the stand-ins. */
export function standInModule(s: StandIns): ModuleFactory {
  return async (ctx) => {
    ctx.services.did = s.did;
    // Replicas of one connector share its key.
    ctx.services.identity = await (identities.get(s) ?? identities.set(s, standInIdentity(s.did, s)).get(s)!);
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

/** An agreement as the negotiation seam gives it (add `role`), whose policy has these constraints. */
export function agreementRecord(input: {
  id: string;
  provider: string;
  consumer: string;
  assetId: string;
  constraints?: Record<string, unknown>[];
}) {
  const { id, provider, consumer, assetId, constraints } = input;
  return {
    id,
    policy: agreementPolicy({ id, provider, consumer, target: assetId, constraints }),
    providerDid: provider,
    consumerDid: consumer,
    assetId,
    datasetId: assetId,
    signedAt: new Date(),
    retired: false,
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
