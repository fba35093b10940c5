import { randomUUID } from 'node:crypto';
import * as jose from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError, UnauthorizedError } from '../../../src/errors.js';
import { PONTIS_CREDENTIALS_CONTEXT } from '../../../src/identity/contexts.js';
import type { JsonObject } from '../../../src/identity/credential-model.js';
import {
  answerPresentationQuery,
  createDcpVerifier,
  createSelfIssuedToken,
  typeScope,
} from '../../../src/identity/dcp.js';
import type { DcpVerifier } from '../../../src/identity/dcp.js';
import { buildDidDocument, didWebToUrl } from '../../../src/identity/did.js';
import { createPresenter, importCredential, receiveCredentialMessage } from '../../../src/identity/holder.js';
import { issueCredential } from '../../../src/identity/issue.js';
import {
  buildStatusListCredential,
  createStatusChecker,
  createStatusList,
  setStatusBit,
  statusEntry,
} from '../../../src/identity/status-list.js';
import { createMemoryCredentialStore, createMemoryJtiStore } from '../../../src/identity/stores.js';
import type { CredentialStore } from '../../../src/identity/stores.js';
import { createCredentialVerifier } from '../../../src/identity/verifier.js';
import type { CredentialVerifier } from '../../../src/identity/verifier.js';
import { World } from './fixtures.js';
import type { Party } from './fixtures.js';

const MEMBERSHIP = typeScope('MembershipCredential');
const CS = 'https://consumer.example/cs';
const LIST = 'https://authority.example/status/1';

let world: World;
let authority: Party;
let provider: Party;
let consumer: Party;
let stranger: Party;
let verifier: CredentialVerifier;
let store: CredentialStore;
let dcp: DcpVerifier;
let csCalls = 0;
const list = createStatusList();

function credential(extra: JsonObject = {}, subject?: string): JsonObject {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2', PONTIS_CREDENTIALS_CONTEXT],
    id: `urn:uuid:${randomUUID()}`,
    type: ['VerifiableCredential', 'MembershipCredential'],
    issuer: authority.did,
    validFrom: new Date(Date.now() - 86_400_000).toISOString(),
    validUntil: new Date(Date.now() + 86_400_000).toISOString(),
    credentialSubject: { id: subject ?? consumer.did, memberOf: 'dataspace-1', membershipType: 'full' },
    ...extra,
  };
}

async function issued(
  extra: JsonObject = {},
  by: Party = authority,
  subject?: string,
  format: 'vc-jose' | 'data-integrity' = 'vc-jose',
) {
  const c = credential({ issuer: by.did, ...extra }, subject);
  return issueCredential({ credential: c, format, issuerDid: by.did, key: by.keys.current });
}

async function hold(...credentials: (string | JsonObject)[]) {
  for (const c of credentials) {
    const doc = (typeof c === 'string' ? jose.decodeJwt(c) : c) as JsonObject;
    await store.put({
      id: randomUUID(),
      format: typeof c === 'string' ? 'jwt' : 'json-ld',
      types: doc.type as string[],
      issuer: String(doc.issuer),
      credential: c,
      receivedAt: new Date(),
    });
  }
}

async function token(
  overrides: jose.JWTPayload = {},
  signer: Party = consumer,
  header: Partial<jose.JWTHeaderParameters> = {},
) {
  const now = Math.floor(Date.now() / 1000);
  const base = await createSelfIssuedToken({
    ownDid: consumer.did,
    key: consumer.keys.current,
    audience: provider.did,
    scopes: [MEMBERSHIP],
  });
  const claims = {
    ...jose.decodeJwt(base),
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 300,
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims))
    if (v === undefined) delete (claims as Record<string, unknown>)[k];
  return new jose.SignJWT(claims)
    .setProtectedHeader({
      alg: signer.keys.current.alg,
      kid: `${signer.did}#${signer.keys.current.kid}`,
      ...header,
    })
    .sign(signer.keys.current.privateKey);
}

async function refusal(auth: string | undefined): Promise<{ status: number; code: string; message: string }> {
  try {
    await dcp.verify(auth);
  } catch (e) {
    if (e instanceof UnauthorizedError || e instanceof ForbiddenError)
      return { status: e.status, code: e.code, message: e.message };
    throw e;
  }
  throw new Error('accepted');
}

beforeAll(async () => {
  world = new World();
  authority = await world.party('authority');
  provider = await world.party('provider', 'P-256');
  consumer = await world.party('consumer', 'Ed25519', { credentialServiceUrl: CS });
  stranger = await world.party('stranger');
  const inner = createCredentialVerifier({ resolver: world.resolver });
  const statusChecker = createStatusChecker({
    fetchJson: world.fetchJson,
    verifyListCredential: (c) => inner.verifyCredential(c, { skipStatus: true, trustedIssuers: null }),
    ttlMs: 0,
  });
  verifier = createCredentialVerifier({
    resolver: world.resolver,
    statusChecker,
    trustedIssuers: { MembershipCredential: [authority.did] },
  });
  world.handlers.set(`${CS}/presentations/query`, async (body, headers) => {
    csCalls++;
    return answerPresentationQuery(headers.authorization, body, {
      ownDid: consumer.did,
      keys: consumer.keys,
      resolver: world.resolver,
      jtiStore: createMemoryJtiStore(),
      store,
      present: createPresenter(consumer.did, consumer.keys.current),
    });
  });
});

async function publishList() {
  world.served.set(
    LIST,
    await issueCredential({
      credential: buildStatusListCredential({
        id: LIST,
        issuer: authority.did,
        purpose: 'revocation',
        list,
        validFrom: new Date(Date.now() - 86_400_000),
      }),
      format: 'vc-jose',
      issuerDid: authority.did,
      key: authority.keys.current,
    }),
  );
}

beforeEach(async () => {
  store = createMemoryCredentialStore();
  await publishList();
  dcp = createDcpVerifier({
    ownDid: provider.did,
    key: provider.keys.current,
    resolver: world.resolver,
    jtiStore: createMemoryJtiStore(),
    verifier,
    fetchJson: world.fetchJson,
    requiredScopes: [MEMBERSHIP],
  });
});

describe('DCP: a valid caller', () => {
  it('is accepted with its verified claims, which are cached until the token expires', async () => {
    await hold(await issued());
    const p = await dcp.verify(
      `Bearer ${await createSelfIssuedToken({ ownDid: consumer.did, key: consumer.keys.current, audience: provider.did, scopes: [MEMBERSHIP] })}`,
    );
    expect(p.did).toBe(consumer.did);
    expect(p.credentials).toHaveLength(1);
    expect(p.credentials[0]).toMatchObject({
      issuer: authority.did,
      types: ['VerifiableCredential', 'MembershipCredential'],
      subject: { id: consumer.did, memberOf: 'dataspace-1' },
    });
    const calls = csCalls;
    const again = await dcp.verify(`Bearer ${await token()}`);
    expect(again.credentials[0]!.subject.memberOf).toBe('dataspace-1');
    expect(csCalls).toBe(calls);
  });

  it('accepts Data Integrity credentials in the presentation too', async () => {
    await hold(await issued({}, authority, undefined, 'data-integrity'));
    const p = await dcp.verify(`Bearer ${await token()}`);
    expect(p.credentials[0]!.subject.membershipType).toBe('full');
  });
});

describe('DCP: token refusals (401, named)', () => {
  beforeEach(async () => hold(await issued()));
  const cases: [string, () => Promise<string | undefined>, string][] = [
    ['missing Authorization', async () => undefined, 'dcp_missing_token'],
    ['not Bearer', async () => `Basic ${await token()}`, 'dcp_not_bearer'],
    ['malformed JWT', async () => 'Bearer abc.def', 'dcp_malformed_token'],
    ['iss != sub', async () => `Bearer ${await token({ sub: stranger.did })}`, 'dcp_iss_sub_mismatch'],
    ['wrong aud', async () => `Bearer ${await token({ aud: stranger.did })}`, 'dcp_wrong_audience'],
    [
      'nbf in the future',
      async () => `Bearer ${await token({ nbf: Math.floor(Date.now() / 1000) + 600 })}`,
      'dcp_token_not_yet_valid',
    ],
    [
      'expired',
      async () =>
        `Bearer ${await token({ iat: Math.floor(Date.now() / 1000) - 400, nbf: undefined, exp: Math.floor(Date.now() / 1000) - 100 })}`,
      'dcp_token_expired',
    ],
    [
      'lifetime over 5 minutes',
      async () => `Bearer ${await token({ exp: Math.floor(Date.now() / 1000) + 3600 })}`,
      'dcp_token_lifetime_too_long',
    ],
    ['no jti', async () => `Bearer ${await token({ jti: undefined })}`, 'dcp_missing_jti'],
    ['no token claim', async () => `Bearer ${await token({ token: undefined })}`, 'dcp_missing_access_token'],
    [
      'signed by someone else',
      async () =>
        `Bearer ${await token({}, stranger, { kid: `${consumer.did}#${consumer.keys.current.kid}` })}`,
      'dcp_bad_signature',
    ],
    ['kid of another DID', async () => `Bearer ${await token({}, stranger)}`, 'dcp_key_not_authorized'],
  ];
  it.each(cases)('%s', async (_name, make, code) => {
    const r = await refusal(await make());
    expect(r).toMatchObject({ status: 401, code });
  });

  it('refuses a replayed jti', async () => {
    const t = `Bearer ${await token()}`;
    await dcp.verify(t);
    expect(await refusal(t)).toMatchObject({ status: 401, code: 'dcp_replayed_jti' });
  });

  it('refuses a key that is not a capabilityInvocation key', async () => {
    const doc = buildDidDocument({ did: consumer.did, keys: consumer.keys, credentialServiceUrl: CS });
    const url = didWebToUrl(consumer.did).toString();
    world.served.set(url, { ...doc, capabilityInvocation: [] });
    world.resolver.invalidate();
    try {
      expect(await refusal(`Bearer ${await token()}`)).toMatchObject({ code: 'dcp_key_not_authorized' });
    } finally {
      world.served.set(url, doc);
      world.resolver.invalidate();
    }
  });

  it('refuses when sub is not the id of the DID document found for it', async () => {
    const url = didWebToUrl(consumer.did).toString();
    const doc = world.served.get(url) as JsonObject;
    world.served.set(url, { ...doc, id: stranger.did });
    world.resolver.invalidate();
    try {
      expect(await refusal(`Bearer ${await token()}`)).toMatchObject({ code: 'dcp_sub_not_did_document_id' });
    } finally {
      world.served.set(url, doc);
      world.resolver.invalidate();
    }
  });

  it('refuses an unresolvable DID', async () => {
    const ghost = { ...consumer, did: 'did:web:ghost.example' };
    const t = await new jose.SignJWT({ token: 'x' })
      .setProtectedHeader({ alg: 'EdDSA', kid: `${ghost.did}#k` })
      .setIssuer(ghost.did)
      .setSubject(ghost.did)
      .setAudience(provider.did)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('2m')
      .sign(consumer.keys.current.privateKey);
    expect(await refusal(`Bearer ${t}`)).toMatchObject({ status: 401, code: 'dcp_did_unresolvable' });
  });
});

describe('DCP: presentation refusals (403, named)', () => {
  const cases: [string, () => Promise<void>, string][] = [
    ['no credentials', async () => {}, 'dcp_missing_credential'],
    [
      'a credential of the wrong type',
      async () => hold(await issued({ type: ['VerifiableCredential', 'OtherCredential'] })),
      'dcp_missing_credential',
    ],
    [
      'holder != subject',
      async () => hold(await issued({}, authority, stranger.did)),
      'dcp_holder_not_subject',
    ],
    [
      'an expired credential',
      async () =>
        hold(
          await issued({
            validFrom: new Date(Date.now() - 2 * 86_400_000).toISOString(),
            validUntil: new Date(Date.now() - 86_400_000).toISOString(),
          }),
        ),
      'dcp_credential_expired',
    ],
    [
      'a not-yet-valid credential',
      async () =>
        hold(
          await issued({
            validFrom: new Date(Date.now() + 86_400_000).toISOString(),
            validUntil: new Date(Date.now() + 2 * 86_400_000).toISOString(),
          }),
        ),
      'dcp_credential_not_yet_valid',
    ],
    ['an untrusted issuer', async () => hold(await issued({}, stranger)), 'dcp_untrusted_issuer'],
    [
      'a tampered signature',
      async () => {
        const jwt = (await issued()) as string;
        const [h, p, s] = jwt.split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as JsonObject;
        (payload.credentialSubject as JsonObject).membershipType = 'admin';
        await hold(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
      },
      'dcp_invalid_signature',
    ],
    [
      'a revoked credential',
      async () => {
        setStatusBit(list, 7, true);
        await publishList();
        await hold(await issued({ credentialStatus: statusEntry(LIST, 7, 'revocation') }));
      },
      'dcp_credential_revoked',
    ],
  ];
  it.each(cases)('%s', async (_name, setup, code) => {
    await setup();
    const r = await refusal(`Bearer ${await token()}`);
    expect(r).toMatchObject({ status: 403, code });
  });
});

describe('DCP: outcomes for the contract log', () => {
  it('reports each fresh presentation check, passed or refused with the failed check, but not cache hits', async () => {
    const outcomes: { verified: boolean; check?: string; did: string }[] = [];
    const logged = createDcpVerifier({
      ownDid: provider.did,
      key: provider.keys.current,
      resolver: world.resolver,
      jtiStore: createMemoryJtiStore(),
      verifier,
      fetchJson: world.fetchJson,
      requiredScopes: [MEMBERSHIP],
      onVerification: (o) => outcomes.push(o),
    });
    const bearer = async () =>
      `Bearer ${await createSelfIssuedToken({ ownDid: consumer.did, key: consumer.keys.current, audience: provider.did, scopes: [MEMBERSHIP] })}`;
    await expect(logged.verify(await bearer())).rejects.toMatchObject({ code: 'dcp_missing_credential' });
    await hold(await issued());
    await logged.verify(await bearer());
    await logged.verify(await bearer()); // cached: not checked again, not reported again
    expect(outcomes.map((o) => [o.did, o.verified, o.check])).toEqual([
      [consumer.did, false, 'dcp_missing_credential'],
      [consumer.did, true, undefined],
    ]);
  });
});

describe('credential service', () => {
  it('refuses scopes the access token did not grant, and presentation definitions (501)', async () => {
    await hold(await issued());
    const access = await createSelfIssuedToken({
      ownDid: consumer.did,
      key: consumer.keys.current,
      audience: provider.did,
      scopes: [],
    });
    const accessToken = jose.decodeJwt(access).token as string;
    const bearer = async () =>
      `Bearer ${await createSelfIssuedToken({ ownDid: provider.did, key: provider.keys.current, audience: consumer.did, token: accessToken })}`;
    const opts = {
      ownDid: consumer.did,
      keys: consumer.keys,
      resolver: world.resolver,
      jtiStore: createMemoryJtiStore(),
      store,
      present: createPresenter(consumer.did, consumer.keys.current),
    };
    await expect(
      answerPresentationQuery(
        await bearer(),
        { type: 'PresentationQueryMessage', scope: [MEMBERSHIP] },
        opts,
      ),
    ).rejects.toMatchObject({ status: 403, code: 'cs_scope_not_granted' });
    await expect(
      answerPresentationQuery(
        await bearer(),
        { type: 'PresentationQueryMessage', presentationDefinition: {} },
        opts,
      ),
    ).rejects.toMatchObject({ status: 501 });
    // an access token minted for someone else is refused
    const stolen = `Bearer ${await createSelfIssuedToken({ ownDid: stranger.did, key: stranger.keys.current, audience: consumer.did, token: accessToken })}`;
    await expect(
      answerPresentationQuery(stolen, { type: 'PresentationQueryMessage', scope: [MEMBERSHIP] }, opts),
    ).rejects.toMatchObject({ status: 401, code: 'cs_invalid_access_token' });
  });

  it('imports a verified credential about us, refuses others, and accepts an issuer delivery', async () => {
    const ours = await issued();
    const held = await importCredential(ours, { ownDid: consumer.did, verifier, store });
    expect(held.types).toContain('MembershipCredential');
    await expect(
      importCredential(await issued({}, authority, stranger.did), { ownDid: consumer.did, verifier, store }),
    ).rejects.toMatchObject({ code: 'credential_not_ours' });
    await expect(
      importCredential(await issued({}, stranger), { ownDid: consumer.did, verifier, store }),
    ).rejects.toMatchObject({ status: 422, code: 'credential_trusted_issuer' });
    const delivery = `Bearer ${await createSelfIssuedToken({ ownDid: authority.did, key: authority.keys.current, audience: consumer.did })}`;
    const stored = await receiveCredentialMessage(
      delivery,
      {
        type: 'CredentialMessage',
        status: 'ISSUED',
        credentials: [{ credentialType: 'MembershipCredential', format: 'jwt', payload: await issued() }],
      },
      { ownDid: consumer.did, resolver: world.resolver, jtiStore: createMemoryJtiStore(), verifier, store },
    );
    expect(stored).toHaveLength(1);
    const fromStranger = `Bearer ${await createSelfIssuedToken({ ownDid: stranger.did, key: stranger.keys.current, audience: consumer.did })}`;
    await expect(
      receiveCredentialMessage(
        fromStranger,
        { type: 'CredentialMessage', credentials: [{ format: 'jwt', payload: await issued() }] },
        { ownDid: consumer.did, resolver: world.resolver, jtiStore: createMemoryJtiStore(), verifier, store },
      ),
    ).rejects.toMatchObject({ code: 'credential_not_from_caller' });
  });
});
