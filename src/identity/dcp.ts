/**
 * Decentralized Claims Protocol 1.0: self-issued ID tokens on every DSP request, their checks on
 * the receiving side, the presentation query to the caller's credential service, and the cache of
 * verified claims. Every refusal is an UnauthorizedError (the token) or a ForbiddenError (the
 * presentation) whose `code` names the failed check.
 *
 * Token shape (ours): iss = sub = our DID, aud = the counter-party's DID, jti, iat, nbf, exp
 * (at most 5 minutes), kid = one of our capabilityInvocation keys, and `token`: an access token
 * (a JWT we sign, aud = the counter-party, `scope` = the credential scopes it may read from our
 * credential service). The verifier queries our credential service with its own self-issued
 * token that carries this access token in `token`.
 */
import { createHash, randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { ForbiddenError, PontisError, UnauthorizedError } from '../errors.js';
import { DCP_CONTEXT_URL } from '../protocol/jsonld/document-loader.js';
import { asArray, isObject } from './credential-model.js';
import type { CheckError, JsonObject } from './credential-model.js';
import { CREDENTIAL_SERVICE_TYPE, findService } from './did.js';
import type { VerificationRelationship } from './did.js';
import type { FetchJson } from './http.js';
import { KeyLookupError, createKeyLookup, verifyCompactWith } from './key-lookup.js';
import { signCompactJws, type KeyRing, type SigningKey } from './keys.js';
import type { VerifiedCredential, VerifiedParticipant } from './participant.js';
import type { DidResolver } from './resolver.js';
import type { CredentialStore, JtiStore } from './stores.js';
import type { CredentialVerifier } from './verifier.js';

export const MAX_TOKEN_LIFETIME_SECONDS = 300;
export const DCP_TYPE_SCOPE_ALIAS = 'org.eclipse.dspace.dcp.vc.type';
const TYPE_ALIASES = new Set([DCP_TYPE_SCOPE_ALIAS, 'org.eclipse.edc.vc.type']);
const ID_ALIASES = new Set(['org.eclipse.dspace.dcp.vc.id', 'org.eclipse.edc.vc.id']);

/** `org.eclipse.dspace.dcp.vc.type:<type>:read`: the scope that asks for credentials of a type. */
export function typeScope(type: string): string {
  return `${DCP_TYPE_SCOPE_ALIAS}:${type}:read`;
}

export interface ParsedScope {
  kind: 'type' | 'id';
  value: string;
  operation: string;
}

export function parseScope(scope: string): ParsedScope | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  const alias = scope.slice(0, first);
  const value = scope.slice(first + 1, last);
  const operation = scope.slice(last + 1);
  if (!value) return undefined;
  if (TYPE_ALIASES.has(alias)) return { kind: 'type', value, operation };
  if (ID_ALIASES.has(alias)) return { kind: 'id', value, operation };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Issuing tokens

export interface AccessTokenOptions {
  ownDid: string;
  key: SigningKey;
  /** The counter-party allowed to use it against our credential service. */
  audience: string;
  scopes: string[];
  ttlSeconds?: number;
  now?: Date;
}

/** The access token for our credential service that goes into the `token` claim. */
export async function createAccessToken(o: AccessTokenOptions): Promise<string> {
  const iat = Math.floor((o.now ?? new Date()).getTime() / 1000);
  const ttl = Math.min(o.ttlSeconds ?? MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS);
  return signOwnJwt(o, { scope: o.scopes.join(' ') }, iat, ttl);
}

/** A JWT issued by `ownDid` about itself for `audience`, signed with its key (DCP's token shape). */
function signOwnJwt(
  o: { ownDid: string; key: SigningKey; audience: string },
  claims: Record<string, unknown>,
  iat: number,
  ttl: number,
): string {
  return signCompactJws(
    o.key,
    { typ: 'JWT', kid: `${o.ownDid}#${o.key.kid}` },
    {
      ...claims,
      iss: o.ownDid,
      sub: o.ownDid,
      aud: o.audience,
      jti: randomUUID(),
      iat,
      nbf: iat,
      exp: iat + ttl,
    },
  );
}

export interface SelfIssuedTokenOptions {
  ownDid: string;
  /** A capabilityInvocation key of `ownDid`. */
  key: SigningKey;
  /** The counter-party's DID. */
  audience: string;
  /** Scopes the counter-party may read from our credential service (a fresh access token is made). */
  scopes?: string[];
  /** An access token to carry instead (querying a credential service: the token its owner gave us). */
  token?: string;
  /** At most 300 (the default). */
  ttlSeconds?: number;
  /** No `token` claim (a Pontis credential service then grants only its public scopes). */
  omitToken?: boolean;
  now?: Date;
}

/** The self-issued ID token for one outgoing request (send as `Authorization: Bearer <token>`). */
export async function createSelfIssuedToken(o: SelfIssuedTokenOptions): Promise<string> {
  const now = o.now ?? new Date();
  const iat = Math.floor(now.getTime() / 1000);
  const ttl = Math.min(o.ttlSeconds ?? MAX_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS);
  const token = o.omitToken
    ? undefined
    : (o.token ??
      (await createAccessToken({
        ownDid: o.ownDid,
        key: o.key,
        audience: o.audience,
        scopes: o.scopes ?? [],
        ttlSeconds: ttl,
        now,
      })));
  return signOwnJwt(o, token ? { token } : {}, iat, ttl);
}

// ---------------------------------------------------------------------------------------------
// Checking a self-issued token

export interface SelfIssuedTokenCheckOptions {
  ownDid: string;
  resolver: DidResolver;
  jtiStore: JtiStore;
  /** Where the signing key must be listed (default capabilityInvocation, as DCP requires). */
  relationships?: VerificationRelationship[];
  maxClockSkewSeconds?: number;
  now?: Date;
  /** Require the `token` claim (default true). */
  requireToken?: boolean;
}

export interface CheckedToken {
  did: string;
  claims: jose.JWTPayload & { token?: string };
  expiresAt: Date;
}

const deny = (code: string, message: string) => new UnauthorizedError(message, code);

/** The checks DCP requires of a self-issued ID token; throws UnauthorizedError naming the failed one. */
export async function verifySelfIssuedToken(
  authorization: string | undefined,
  o: SelfIssuedTokenCheckOptions,
): Promise<CheckedToken> {
  if (!authorization)
    throw deny('dcp_missing_token', 'no Authorization header: a DCP self-issued ID token is required');
  const m = /^Bearer +([A-Za-z0-9_.-]+)\s*$/.exec(authorization);
  if (!m) throw deny('dcp_not_bearer', 'the Authorization header must be "Bearer <self-issued ID token>"');
  const jwt = m[1]!;
  let header: jose.ProtectedHeaderParameters;
  let claims: jose.JWTPayload & { token?: unknown };
  try {
    header = jose.decodeProtectedHeader(jwt);
    claims = jose.decodeJwt(jwt);
  } catch (e) {
    throw deny('dcp_malformed_token', `the self-issued ID token is not a valid JWT: ${(e as Error).message}`);
  }
  const { iss, sub } = claims;
  if (typeof iss !== 'string' || typeof sub !== 'string')
    throw deny('dcp_iss_sub_mismatch', 'the token needs iss and sub (both the caller DID)');
  if (iss !== sub)
    throw deny(
      'dcp_iss_sub_mismatch',
      `iss (${iss}) and sub (${sub}) differ; a self-issued token has iss = sub`,
    );
  if (!iss.startsWith('did:')) throw deny('dcp_iss_not_did', `iss ${iss} is not a DID`);
  if (!asArray(claims.aud).includes(o.ownDid))
    throw deny('dcp_wrong_audience', `aud ${JSON.stringify(claims.aud)} is not this connector (${o.ownDid})`);
  const now = (o.now ?? new Date()).getTime() / 1000;
  const skew = o.maxClockSkewSeconds ?? 60;
  if (typeof claims.exp !== 'number') throw deny('dcp_missing_exp', 'the token has no exp');
  if (claims.exp + skew < now)
    throw deny('dcp_token_expired', `the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now)
    throw deny(
      'dcp_token_not_yet_valid',
      `the token is not valid before ${new Date(claims.nbf * 1000).toISOString()} (nbf)`,
    );
  if (typeof claims.iat === 'number' && claims.iat - skew > now)
    throw deny(
      'dcp_token_not_yet_valid',
      `the token was issued in the future (iat ${new Date(claims.iat * 1000).toISOString()})`,
    );
  const start =
    typeof claims.iat === 'number' ? claims.iat : typeof claims.nbf === 'number' ? claims.nbf : now;
  if (
    claims.exp - start > MAX_TOKEN_LIFETIME_SECONDS + skew ||
    claims.exp - now > MAX_TOKEN_LIFETIME_SECONDS + skew
  ) {
    throw deny('dcp_token_lifetime_too_long', `the token lives longer than ${MAX_TOKEN_LIFETIME_SECONDS} s`);
  }
  if (typeof claims.jti !== 'string' || !claims.jti) throw deny('dcp_missing_jti', 'the token has no jti');
  if ((o.requireToken ?? true) && (typeof claims.token !== 'string' || !claims.token))
    throw deny(
      'dcp_missing_access_token',
      'the token has no "token" claim (the access token for its credential service)',
    );
  if (typeof header.kid !== 'string' || !header.kid)
    throw deny('dcp_missing_kid', 'the token header has no kid');

  let vms;
  try {
    vms = await createKeyLookup(o.resolver)({
      did: iss,
      kid: header.kid,
      relationships: o.relationships ?? ['capabilityInvocation'],
    });
  } catch (e) {
    const code = e instanceof KeyLookupError ? e.code : 'did_unresolvable';
    if (code === 'did_document_id_mismatch')
      throw deny(
        'dcp_sub_not_did_document_id',
        `the DID document fetched for ${sub} has another id: ${(e as Error).message}`,
      );
    if (code === 'key_not_authorized' || code === 'key_not_controlled')
      throw deny('dcp_key_not_authorized', (e as Error).message);
    throw deny('dcp_did_unresolvable', (e as Error).message);
  }
  const r = await verifyCompactWith(jwt, header.alg, vms).catch((e: Error) => ({
    reason: 'bad_signature' as const,
    message: e.message,
  }));
  if ('reason' in r) throw deny('dcp_bad_signature', `the token signature does not verify: ${r.message}`);
  // After the signature, so that nobody can burn someone else's jti.
  if (await o.jtiStore.seen(`${iss}|${claims.jti}`, new Date((claims.exp + skew) * 1000)))
    throw deny('dcp_replayed_jti', `jti ${claims.jti} was already used`);
  return { did: iss, claims: claims as CheckedToken['claims'], expiresAt: new Date(claims.exp * 1000) };
}

// ---------------------------------------------------------------------------------------------
// Verifying a DSP caller: token, presentation query, presentation, cache

export interface ParticipantCache {
  get(key: string): VerifiedParticipant | undefined;
  set(key: string, value: VerifiedParticipant, expiresAt: Date): void;
}

export function createMemoryParticipantCache(
  options: { now?: () => number; maxEntries?: number } = {},
): ParticipantCache {
  const now = options.now ?? Date.now;
  const max = options.maxEntries ?? 10_000;
  const m = new Map<string, { v: VerifiedParticipant; until: number }>();
  return {
    get(key) {
      const e = m.get(key);
      if (!e) return undefined;
      if (e.until <= now()) {
        m.delete(key);
        return undefined;
      }
      return e.v;
    },
    set(key, v, expiresAt) {
      if (m.size >= max) m.delete(m.keys().next().value as string);
      m.set(key, { v, until: expiresAt.getTime() });
    },
  };
}

export interface DcpVerifierOptions {
  ownDid: string;
  /** Signs our token to the caller's credential service. */
  key: SigningKey;
  resolver: DidResolver;
  jtiStore: JtiStore;
  /** Configured with trusted issuers and a status checker. */
  verifier: CredentialVerifier;
  /** POSTs the presentation query (through the URL allow-list). */
  fetchJson: FetchJson;
  /** The scopes our policies need from a caller. */
  requiredScopes: string[] | ((callerDid: string) => string[]);
  cache?: ParticipantCache;
  maxClockSkewSeconds?: number;
  now?: () => Date;
  /** Told the outcome of every presentation check (not of cache hits): for the contract log. */
  onVerification?: (outcome: CredentialVerificationOutcome) => void;
}

/** What the contract log records of a caller's presentation check. */
export interface CredentialVerificationOutcome {
  did: string;
  scopes: string[];
  verified: boolean;
  /** The verified credentials' types and issuers, when verified. */
  credentials?: { types: string[]; issuer: string; id?: string }[];
  /** The check that failed (e.g. `dcp_credential_revoked`) and why, when refused. */
  check?: string;
  message?: string;
}

const PRESENTATION_CODES: Record<string, string> = {
  format: 'dcp_invalid_presentation',
  context: 'dcp_invalid_presentation',
  signature: 'dcp_invalid_signature',
  issuer_key: 'dcp_issuer_key_invalid',
  holder_binding: 'dcp_holder_not_subject',
  trusted_issuer: 'dcp_untrusted_issuer',
  audience: 'dcp_presentation_wrong_audience',
  credentials: 'dcp_missing_credential',
};

/** The ForbiddenError code for a failed presentation check. */
export function presentationRefusalCode(e: CheckError): string {
  if (e.check === 'validity_period')
    return e.reason === 'not_yet_valid' ? 'dcp_credential_not_yet_valid' : 'dcp_credential_expired';
  if (e.check === 'status')
    return e.reason === 'revoked'
      ? 'dcp_credential_revoked'
      : e.reason === 'suspended'
        ? 'dcp_credential_suspended'
        : 'dcp_credential_status_unverifiable';
  return PRESENTATION_CODES[e.check] ?? 'dcp_invalid_presentation';
}

export interface DcpVerifier {
  /** `scopes` overrides the verifier's requiredScopes for this request. */
  verify(authorization: string | undefined, options?: { scopes?: string[] }): Promise<VerifiedParticipant>;
}

export function createDcpVerifier(o: DcpVerifierOptions): DcpVerifier {
  const cache = o.cache ?? createMemoryParticipantCache();
  const clock = o.now ?? (() => new Date());
  return {
    async verify(authorization, options = {}) {
      const now = clock();
      const checked = await verifySelfIssuedToken(authorization, {
        ownDid: o.ownDid,
        resolver: o.resolver,
        jtiStore: o.jtiStore,
        maxClockSkewSeconds: o.maxClockSkewSeconds,
        now,
      });
      const caller = checked.did;
      const wanted =
        options.scopes ??
        (typeof o.requiredScopes === 'function' ? o.requiredScopes(caller) : o.requiredScopes);
      const scopes = [...new Set(wanted)].sort();
      const cacheKey = `${caller}\n${scopes.join(' ')}`;
      const hit = cache.get(cacheKey);
      if (hit) return hit;
      let participant: VerifiedParticipant;
      try {
        participant = await queryAndVerify(o, caller, checked.claims.token!, scopes, now);
      } catch (e) {
        const code = (e as { code?: string }).code;
        o.onVerification?.({
          did: caller,
          scopes,
          verified: false,
          check: code,
          message: (e as Error).message,
        });
        throw e;
      }
      o.onVerification?.({
        did: caller,
        scopes,
        verified: true,
        credentials: participant.credentials.map((c) => ({ types: c.types, issuer: c.issuer, id: c.id })),
      });
      // Cached until the token that led to the query expires (or a credential does, if sooner).
      const until = Math.min(
        checked.expiresAt.getTime(),
        ...participant.credentials.map((c) => c.validUntil?.getTime() ?? Infinity),
      );
      cache.set(cacheKey, participant, new Date(until));
      return participant;
    },
  };
}

/** One-off form of `createDcpVerifier(options).verify(authorization)` (the cache lives as long as `options.cache`). */
export function verifyDcpRequest(
  authorization: string | undefined,
  options: DcpVerifierOptions,
): Promise<VerifiedParticipant> {
  return createDcpVerifier(options).verify(authorization);
}

/**
 * Queries `caller`'s credential service for `scopes` and verifies the answer. Without an access
 * token (a participant that is not calling us) a Pontis credential service answers its public
 * scopes only.
 */
export async function queryAndVerify(
  o: Omit<DcpVerifierOptions, 'jtiStore' | 'requiredScopes' | 'cache'>,
  caller: string,
  accessToken: string | undefined,
  scopes: string[],
  now: Date,
): Promise<VerifiedParticipant> {
  if (!scopes.length) return { did: caller, credentials: [] };
  const doc = await o.resolver.resolve(caller).catch((e: Error) => {
    throw deny('dcp_did_unresolvable', e.message);
  });
  const cs = findService(doc, CREDENTIAL_SERVICE_TYPE);
  if (!cs)
    throw new ForbiddenError(
      `the DID document of ${caller} lists no ${CREDENTIAL_SERVICE_TYPE}`,
      { caller },
      'dcp_no_credential_service',
    );
  const bearer = await createSelfIssuedToken({
    ownDid: o.ownDid,
    key: o.key,
    audience: caller,
    token: accessToken,
    omitToken: accessToken === undefined,
    ttlSeconds: 60,
    now,
  });
  const url = cs.replace(/\/+$/, '') + '/presentations/query';
  let response: unknown;
  try {
    response = await o.fetchJson(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
      body: { '@context': [DCP_CONTEXT_URL], type: 'PresentationQueryMessage', scope: scopes },
    });
  } catch (e) {
    throw new ForbiddenError(
      `the credential service of ${caller} (${url}) did not answer the presentation query: ${(e as Error).message}`,
      { caller },
      'dcp_presentation_query_failed',
    );
  }
  if (
    !isObject(response) ||
    response.type !== 'PresentationResponseMessage' ||
    !Array.isArray(response.presentation)
  ) {
    throw new ForbiddenError(
      `the credential service of ${caller} did not answer a PresentationResponseMessage`,
      { caller },
      'dcp_invalid_presentation_response',
    );
  }
  const credentials: VerifiedCredential[] = [];
  for (const [i, p] of (response.presentation as unknown[]).entries()) {
    const r = await o.verifier.verifyPresentation(p, { audience: o.ownDid, now });
    if (!r.verified) {
      const e = r.errors[0]!;
      throw new ForbiddenError(
        `presentation ${i} from ${caller} refused (${e.check}): ${e.message}`,
        { errors: r.errors },
        presentationRefusalCode(e),
      );
    }
    if (r.holder !== caller)
      throw new ForbiddenError(
        `presentation ${i} is held by ${String(r.holder)}, not by the caller ${caller}`,
        { caller },
        'dcp_holder_not_subject',
      );
    credentials.push(...(r.credentials ?? []));
  }
  for (const s of scopes) {
    const parsed = parseScope(s);
    if (!parsed) continue;
    const ok = credentials.some((c) =>
      parsed.kind === 'type' ? c.types.includes(parsed.value) : c.id === parsed.value,
    );
    if (!ok)
      throw new ForbiddenError(
        `the caller ${caller} presented no valid credential for scope ${s}`,
        { scope: s },
        'dcp_missing_credential',
      );
  }
  return { did: caller, credentials };
}

// ---------------------------------------------------------------------------------------------
// The credential service (holder side)

export interface AccessTokenCheck {
  /** The verifier that presented it (the outer token's iss). */
  verifier: string;
  scopes: string[];
}

/** Checks an access token we issued: our signature (current or previous key), aud = the verifier, not expired. */
export async function verifyAccessToken(
  token: string,
  o: { ownDid: string; keys: KeyRing; verifierDid: string; now?: Date; maxClockSkewSeconds?: number },
): Promise<AccessTokenCheck> {
  let header: jose.ProtectedHeaderParameters;
  try {
    header = jose.decodeProtectedHeader(token);
  } catch {
    throw deny('cs_invalid_access_token', 'the access token is not a JWT');
  }
  const entries = [o.keys.current, ...o.keys.previous];
  const entry = entries.find((k) => header.kid === `${o.ownDid}#${k.kid}`);
  if (!entry)
    throw deny('cs_invalid_access_token', 'the access token was not signed by a key of this connector');
  try {
    const key = await jose.importJWK(entry.publicJwk, entry.alg);
    const { payload } = await jose.jwtVerify(token, key, {
      algorithms: [entry.alg],
      issuer: o.ownDid,
      subject: o.ownDid,
      audience: o.verifierDid,
      currentDate: o.now,
      clockTolerance: o.maxClockSkewSeconds ?? 60,
      requiredClaims: ['exp', 'jti'],
    });
    return {
      verifier: o.verifierDid,
      scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : [],
    };
  } catch (e) {
    throw deny('cs_invalid_access_token', `the access token does not verify: ${(e as Error).message}`);
  }
}

export interface CredentialServiceOptions {
  ownDid: string;
  keys: KeyRing;
  resolver: DidResolver;
  jtiStore: JtiStore;
  store: CredentialStore;
  /**
   * Scopes presented to any authenticated verifier that has no access token from us (a Pontis
   * extension: a catalogue verifying participants it crawls). Default none.
   */
  publicScopes?: string[];
  /** Builds the presentations (injected so the credential service stays format-agnostic). */
  present: (args: {
    credentials: (string | JsonObject)[];
    audience: string;
    now: Date;
  }) => Promise<(string | JsonObject)[]>;
  now?: () => Date;
}

export interface PresentationResponseMessage {
  '@context': string[];
  type: 'PresentationResponseMessage';
  presentation: (string | JsonObject)[];
}

/** POST /presentations/query: scope queries answered from the held credentials the access token grants. */
export async function answerPresentationQuery(
  authorization: string | undefined,
  body: unknown,
  o: CredentialServiceOptions,
): Promise<PresentationResponseMessage> {
  const now = (o.now ?? (() => new Date()))();
  const checked = await verifySelfIssuedToken(authorization, {
    ownDid: o.ownDid,
    resolver: o.resolver,
    jtiStore: o.jtiStore,
    now,
    relationships: ['capabilityInvocation', 'authentication'],
    requireToken: !o.publicScopes?.length,
  });
  const granted = checked.claims.token
    ? await verifyAccessToken(checked.claims.token, {
        ownDid: o.ownDid,
        keys: o.keys,
        verifierDid: checked.did,
        now,
      })
    : { verifier: checked.did, scopes: o.publicScopes ?? [] };
  if (!isObject(body) || body.type !== 'PresentationQueryMessage') {
    throw new PontisError(
      400,
      'invalid_presentation_query',
      'the body must be a DCP PresentationQueryMessage',
    );
  }
  if (body.presentationDefinition !== undefined) {
    throw new PontisError(
      501,
      'presentation_definition_not_supported',
      'presentationDefinition queries are not supported; query by scope',
    );
  }
  const scopes = asArray(body.scope as string | string[]).filter((s): s is string => typeof s === 'string');
  if (!scopes.length) throw new PontisError(400, 'invalid_presentation_query', 'the query names no scope');
  const selected = new Map<string, string | JsonObject>();
  for (const s of scopes) {
    if (!granted.scopes.includes(s))
      throw new ForbiddenError(
        `scope ${s} was not granted to ${checked.did} by the access token`,
        { scope: s },
        'cs_scope_not_granted',
      );
    const parsed = parseScope(s);
    if (!parsed)
      throw new PontisError(
        400,
        'invalid_scope',
        `scope ${s} is not a credential scope (${DCP_TYPE_SCOPE_ALIAS}:<type>:read)`,
      );
    if (parsed.operation !== 'read' && parsed.operation !== '*')
      throw new ForbiddenError(`scope ${s}: only read is allowed`, { scope: s }, 'cs_scope_not_granted');
    const held =
      parsed.kind === 'type'
        ? await o.store.findByType(parsed.value)
        : [await o.store.get(parsed.value)].filter((x) => x !== undefined);
    for (const c of held) if (!c.validUntil || c.validUntil > now) selected.set(c.id, c.credential);
  }
  const presentation = selected.size
    ? await o.present({ credentials: [...selected.values()], audience: checked.did, now })
    : [];
  return { '@context': [DCP_CONTEXT_URL], type: 'PresentationResponseMessage', presentation };
}

/** A stable cache/ledger key for a token without keeping the token itself. */
export function tokenDigest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
