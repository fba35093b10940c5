/**
 * The identity service of a running connector: everything above composed from configuration-
 * level inputs (keys, DID, stores, HTTP adapter). It satisfies the IdentityService contract of
 * src/runtime/services.ts and adds what the identity routes need (DID document, credential
 * service, credential management, VC-API verification).
 */
import * as jose from 'jose';
import { UnauthorizedError } from '../errors.js';
import type { VerifyResult } from './credential-model.js';
import {
  answerPresentationQuery,
  queryAndVerify,
  createDcpVerifier,
  createMemoryParticipantCache,
  createAccessToken,
  createSelfIssuedToken,
  MAX_TOKEN_LIFETIME_SECONDS,
  typeScope,
} from './dcp.js';
import type { DcpVerifier, DcpVerifierOptions, PresentationResponseMessage } from './dcp.js';
import { buildDidDocument } from './did.js';
import type { DidDocument, DidService } from './did.js';
import type { FetchJson } from './http.js';
import { createPresenter, importCredential, receiveCredentialMessage } from './holder.js';
import { requestCredential } from './issuer.js';
import type { KeyRing } from './keys.js';
import type { VerifiedParticipant } from './participant.js';
import { createDidResolver } from './resolver.js';
import type { DidResolver } from './resolver.js';
import { createStatusChecker } from './status-list.js';
import type { CredentialStore, HeldCredential, JtiStore } from './stores.js';
import type { TrustedIssuers } from './trust.js';
import { createCredentialVerifier } from './verifier.js';
import type { CredentialVerifier, VerifyCallOptions } from './verifier.js';

export interface IdentityServiceOptions {
  did: string;
  keys: KeyRing;
  /** GET/POST JSON through the connector's URL allow-list. */
  fetchJson: FetchJson;
  jtiStore: JtiStore;
  credentialStore: CredentialStore;
  trustedIssuers: TrustedIssuers;
  /** The credential type every DSP caller must present (default MembershipCredential). */
  membershipCredentialType?: string;
  /** Absolute URL of our credential service (listed in the DID document). */
  credentialServiceUrl: string;
  /** Absolute URL of our DSP endpoint (listed in the DID document). */
  dspUrl: string;
  /** More DID document services (the issuer role lists its IssuerService). */
  extraServices?: DidService[];
  allowHttpLoopback?: boolean;
  didCacheTtlMs?: number;
  statusListTtlMs?: number;
  /** Scopes our credential service presents to verifiers without an access token (default: membership). */
  publicScopes?: string[];
  /** How presentations we answer are secured (JWT by default). */
  presentationFormat?: 'jwt' | 'data-integrity';
  now?: () => Date;
  /** Told every fresh presentation check of a DSP caller, passed or refused (the contract log). */
  onCredentialVerification?: DcpVerifierOptions['onVerification'];
}

export interface IdentityServiceImpl {
  readonly did: string;
  authenticate(
    authorization: string | undefined,
    options?: { scopes?: string[] },
  ): Promise<VerifiedParticipant>;
  authorizationFor(audience: string, options?: { scopes?: string[] }): Promise<string>;
  /** Verifies a participant that is not calling us (its public scopes; default membership). */
  verifyParticipant(did: string, options?: { scopes?: string[] }): Promise<VerifiedParticipant>;
  /** Re-verifies a participant; returns it with only the credentials still valid (by id when they have one). */
  refreshParticipant(participant: VerifiedParticipant): Promise<VerifiedParticipant>;
  sign(
    payload: Record<string, unknown>,
    options?: { typ?: string; expiresInSeconds?: number },
  ): Promise<string>;
  verifyOwn(jwt: string, options?: { typ?: string }): Promise<Record<string, unknown>>;
  publicJwk(): Record<string, unknown>;
  /** Our DID document (current and unexpired previous keys, services). */
  didDocument(): DidDocument;
  /** POST <credential service>/presentations/query. */
  queryPresentations(authorization: string | undefined, body: unknown): Promise<PresentationResponseMessage>;
  /** POST <credential service>/credentials (an issuer delivers). */
  receiveCredentials(authorization: string | undefined, body: unknown): Promise<HeldCredential[]>;
  /** Onboarding: ask an issuer (by DID) for a credential; it is delivered to our credential service. */
  requestCredential(input: {
    issuerDid: string;
    credentialType?: string;
    onboardingSecret?: string;
  }): Promise<{ issuerPid: string; status: string }>;
  /** Management: import one credential (verified before stored). */
  importCredential(raw: unknown): Promise<HeldCredential>;
  credentials: CredentialStore;
  /** VC-API verification and anything else that needs the configured verifier. */
  verifier: CredentialVerifier;
  verifyCredential(input: unknown, options?: VerifyCallOptions): Promise<VerifyResult>;
  verifyPresentation(input: unknown, options?: VerifyCallOptions): Promise<VerifyResult>;
  resolver: DidResolver;
}

export function createIdentityService(o: IdentityServiceOptions): IdentityServiceImpl {
  const clock = o.now ?? (() => new Date());
  const resolver = createDidResolver({
    fetchJson: o.fetchJson,
    allowHttpLoopback: o.allowHttpLoopback,
    ttlMs: o.didCacheTtlMs,
  });
  const plain = createCredentialVerifier({ resolver, now: clock });
  const statusChecker = createStatusChecker({
    fetchJson: o.fetchJson,
    verifyListCredential: (c) => plain.verifyCredential(c, { skipStatus: true, trustedIssuers: null }),
    ttlMs: o.statusListTtlMs,
  });
  const verifier = createCredentialVerifier({
    resolver,
    statusChecker,
    trustedIssuers: o.trustedIssuers,
    now: clock,
  });
  const membership = typeScope(o.membershipCredentialType ?? 'MembershipCredential');
  const dcp: DcpVerifier = createDcpVerifier({
    ownDid: o.did,
    key: o.keys.current,
    resolver,
    jtiStore: o.jtiStore,
    verifier,
    fetchJson: o.fetchJson,
    requiredScopes: [membership],
    cache: createMemoryParticipantCache(),
    now: clock,
    onVerification: o.onCredentialVerification,
  });
  const present = createPresenter(o.did, o.keys.current, { format: o.presentationFormat });
  const kidOf = (kid: string) => `${o.did}#${kid}`;

  // The access token for our credential service is a bearer token that is never replay-checked (only
  // the self-issued token around it is): one per audience and scopes is reused for the first half of
  // its lifetime, a signature fewer on every call to a peer.
  const accessTokens = new Map<string, { token: string; key: KeyRing['current']; renewAt: number }>();
  async function accessTokenFor(audience: string, scopes: string[], now: Date): Promise<string> {
    const id = `${audience} ${scopes.join(' ')}`;
    const held = accessTokens.get(id);
    if (held && held.key === o.keys.current && now.getTime() < held.renewAt) return held.token;
    if (accessTokens.size >= 1000) accessTokens.clear(); // audiences are peers: few; never unbounded
    const token = await createAccessToken({ ownDid: o.did, key: o.keys.current, audience, scopes, now });
    accessTokens.set(id, {
      token,
      key: o.keys.current,
      renewAt: now.getTime() + (MAX_TOKEN_LIFETIME_SECONDS * 1000) / 2,
    });
    return token;
  }

  return {
    did: o.did,
    resolver,
    verifier,
    credentials: o.credentialStore,
    authenticate: (authorization, options) => dcp.verify(authorization, options),
    async authorizationFor(audience, options = {}) {
      const scopes = options.scopes ?? [membership];
      const now = clock();
      const token = await createSelfIssuedToken({
        ownDid: o.did,
        key: o.keys.current,
        audience,
        scopes,
        now,
        token: await accessTokenFor(audience, scopes, now),
      });
      return `Bearer ${token}`;
    },
    verifyParticipant: (did, options = {}) =>
      queryAndVerify(
        { ownDid: o.did, key: o.keys.current, resolver, verifier, fetchJson: o.fetchJson },
        did,
        undefined,
        options.scopes ?? [membership],
        clock(),
      ),
    async refreshParticipant(participant) {
      const now = clock();
      let fresh: VerifiedParticipant;
      try {
        fresh = await queryAndVerify(
          { ownDid: o.did, key: o.keys.current, resolver, verifier, fetchJson: o.fetchJson },
          participant.did,
          undefined,
          [membership],
          now,
        );
      } catch {
        return { did: participant.did, credentials: [] };
      }
      const ids = new Set(fresh.credentials.map((c) => c.id).filter((id) => id !== undefined));
      const kept = participant.credentials.filter(
        (c) => (c.id === undefined || ids.has(c.id)) && (!c.validUntil || c.validUntil > now),
      );
      return {
        did: participant.did,
        credentials: kept.length || !participant.credentials.length ? kept : fresh.credentials,
      };
    },
    async sign(payload, options = {}) {
      const k = o.keys.current;
      const header = { alg: k.alg, kid: kidOf(k.kid), ...(options.typ ? { typ: options.typ } : {}) };
      const jwt = new jose.SignJWT(payload).setProtectedHeader(header);
      if (payload.iat === undefined) jwt.setIssuedAt(Math.floor(clock().getTime() / 1000));
      if (options.expiresInSeconds)
        jwt.setExpirationTime(Math.floor(clock().getTime() / 1000) + options.expiresInSeconds);
      return jwt.sign(k.privateKey);
    },
    async verifyOwn(jwt, options = {}) {
      let header: jose.ProtectedHeaderParameters;
      try {
        header = jose.decodeProtectedHeader(jwt);
      } catch {
        throw new UnauthorizedError('not a JWT', 'invalid_token');
      }
      const entry = [o.keys.current, ...o.keys.previous].find((k) => header.kid === kidOf(k.kid));
      if (!entry)
        throw new UnauthorizedError('the token was not signed by a key of this connector', 'invalid_token');
      try {
        const { payload } = await jose.jwtVerify(jwt, await jose.importJWK(entry.publicJwk, entry.alg), {
          algorithms: [entry.alg],
          typ: options.typ,
          currentDate: clock(),
        });
        return payload as Record<string, unknown>;
      } catch (e) {
        throw new UnauthorizedError(`the token does not verify: ${(e as Error).message}`, 'invalid_token');
      }
    },
    publicJwk() {
      const k = o.keys.current;
      return { ...k.publicJwk, kid: kidOf(k.kid), alg: k.alg };
    },
    didDocument: () =>
      buildDidDocument({
        did: o.did,
        keys: o.keys,
        credentialServiceUrl: o.credentialServiceUrl,
        dspUrl: o.dspUrl,
        services: o.extraServices,
        now: clock(),
      }),
    queryPresentations: (authorization, body) =>
      answerPresentationQuery(authorization, body, {
        publicScopes: o.publicScopes ?? [membership],
        ownDid: o.did,
        keys: o.keys,
        resolver,
        jtiStore: o.jtiStore,
        store: o.credentialStore,
        present,
        now: clock,
      }),
    receiveCredentials: (authorization, body) =>
      receiveCredentialMessage(authorization, body, {
        ownDid: o.did,
        resolver,
        jtiStore: o.jtiStore,
        verifier,
        store: o.credentialStore,
        now: clock,
      }),
    requestCredential: (input) =>
      requestCredential({
        ownDid: o.did,
        keys: o.keys,
        issuerDid: input.issuerDid,
        credentialType: input.credentialType ?? o.membershipCredentialType ?? 'MembershipCredential',
        onboardingSecret: input.onboardingSecret,
        resolver,
        fetchJson: o.fetchJson,
      }),
    importCredential: (raw) =>
      importCredential(raw, { ownDid: o.did, verifier, store: o.credentialStore, now: clock() }),
    verifyCredential: (input, options) => verifier.verifyCredential(input, options),
    verifyPresentation: (input, options) => verifier.verifyPresentation(input, options),
  };
}
