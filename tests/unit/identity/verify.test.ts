import * as jose from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCredential, issuePresentation } from '../../../src/identity/issue.js';
import type { CredentialFormat } from '../../../src/identity/issue.js';
import { createCredentialVerifier } from '../../../src/identity/verifier.js';
import type { CredentialVerifier } from '../../../src/identity/verifier.js';
import {
  buildStatusListCredential,
  createStatusChecker,
  createStatusList,
  setStatusBit,
  statusEntry,
} from '../../../src/identity/status-list.js';
import type { StatusList } from '../../../src/identity/status-list.js';
import type { JsonObject } from '../../../src/identity/credential-model.js';
import { World } from './fixtures.js';
import { PONTIS_CREDENTIALS_CONTEXT } from '../../../src/identity/contexts.js';
import type { Party } from './fixtures.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const V1 = 'https://www.w3.org/2018/credentials/v1';

const NOW = new Date('2026-06-01T12:00:00Z');

let world: World;
let issuer: Party;
let holder: Party;
let other: Party;
let verifier: CredentialVerifier;
let list: StatusList;
const LIST_URL = 'https://issuer.example/status/1';

function membership(subject: string, extra: JsonObject = {}, v: 1 | 2 = 2): JsonObject {
  return {
    '@context': [v === 2 ? V2 : V1, PONTIS_CREDENTIALS_CONTEXT],
    id: `urn:uuid:${Math.random().toString(16).slice(2)}`,
    type: ['VerifiableCredential', 'MembershipCredential'],
    issuer: issuer.did,
    ...(v === 2
      ? { validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }
      : { issuanceDate: '2026-01-01T00:00:00Z', expirationDate: '2027-01-01T00:00:00Z' }),
    credentialSubject: { id: subject, memberOf: 'dataspace-1' },
    ...extra,
  };
}

async function issue(
  format: CredentialFormat,
  cred: JsonObject,
  by: Party = issuer,
  suite?: 'eddsa-rdfc-2022' | 'Ed25519Signature2020',
) {
  return issueCredential({
    credential: cred,
    format,
    issuerDid: by.did,
    key: by.keys.current,
    suite,
    now: NOW,
  });
}

async function publishList() {
  const cred = buildStatusListCredential({
    id: LIST_URL,
    issuer: issuer.did,
    purpose: 'revocation',
    list,
    validFrom: new Date('2026-01-01T00:00:00Z'),
  });
  world.served.set(LIST_URL, await issue('data-integrity', cred));
}

beforeAll(async () => {
  world = new World();
  issuer = await world.party('issuer');
  holder = await world.party('holder', 'P-256');
  other = await world.party('other');
  list = createStatusList();
  await publishList();
  const inner = createCredentialVerifier({ resolver: world.resolver });
  const statusChecker = createStatusChecker({
    fetchJson: world.fetchJson,
    verifyListCredential: (c) =>
      inner.verifyCredential(c, { skipStatus: true, trustedIssuers: null, now: NOW }),
    ttlMs: 0,
  });
  verifier = createCredentialVerifier({
    resolver: world.resolver,
    statusChecker,
    trustedIssuers: { MembershipCredential: [issuer.did] },
    now: () => NOW,
  });
});

const failedChecks = (r: { errors: { check: string }[] }) => r.errors.map((e) => e.check);

describe('verifyCredential', () => {
  it.each(['vc-jose', 'vc-jwt', 'data-integrity'] as const)(
    'accepts a valid %s credential and fills VerifiedCredential',
    async (format) => {
      const vc = await issue(format, membership(holder.did, {}, format === 'vc-jose' ? 2 : 1));
      const r = await verifier.verifyCredential(vc);
      expect(r.errors).toEqual([]);
      expect(r.verified).toBe(true);
      expect(r.checks).toEqual(
        expect.arrayContaining(['signature', 'issuer_key', 'validity_period', 'trusted_issuer']),
      );
      expect(r.credentials![0]).toMatchObject({
        types: ['VerifiableCredential', 'MembershipCredential'],
        issuer: issuer.did,
        subject: { id: holder.did, memberOf: 'dataspace-1' },
      });
      expect(r.credentials![0]!.validUntil).toEqual(new Date('2027-01-01T00:00:00Z'));
    },
  );

  it('accepts Ed25519Signature2020 (VC 1.1) and eddsa-rdfc-2022 (VC 1.1 and 2.0)', async () => {
    for (const [suite, v] of [
      ['Ed25519Signature2020', 1],
      ['eddsa-rdfc-2022', 1],
      ['eddsa-rdfc-2022', 2],
    ] as const) {
      const vc = (await issue('data-integrity', membership(holder.did, {}, v), issuer, suite)) as JsonObject;
      expect((vc.proof as JsonObject).type).toBe(
        suite === 'Ed25519Signature2020' ? suite : 'DataIntegrityProof',
      );
      const r = await verifier.verifyCredential(vc);
      expect(r.errors).toEqual([]);
    }
  });

  it('refuses a tampered signature (signature)', async () => {
    const jwt = (await issue('vc-jose', membership(holder.did))) as string;
    const [h, p] = jwt.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.credentialSubject.memberOf = 'another';
    const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${jwt.split('.')[2]}`;
    expect(failedChecks(await verifier.verifyCredential(forged))).toEqual(['signature']);
    const di = (await issue('data-integrity', membership(holder.did))) as JsonObject;
    (di.credentialSubject as JsonObject).memberOf = 'another';
    expect(failedChecks(await verifier.verifyCredential(di))).toEqual(['signature']);
  });

  it('refuses a credential signed with a key its issuer does not control (issuer_key)', async () => {
    const cred = membership(holder.did);
    const jwt = await issueCredential({
      credential: { ...cred, issuer: other.did },
      format: 'vc-jose',
      issuerDid: other.did,
      key: other.keys.current,
    });
    // re-label the payload's issuer as `issuer` while keeping `other`'s key id
    const [h, p, s] = (jwt as string).split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
    payload.issuer = issuer.did;
    payload.iss = issuer.did;
    const relabelled = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    const r = await verifier.verifyCredential(relabelled);
    expect(failedChecks(r)).toEqual(['issuer_key']);
    expect(r.errors[0]!.message).toMatch(/does not belong/);
    const di = (await issue('data-integrity', { ...cred, issuer: other.did }, other)) as JsonObject;
    const r2 = await verifier.verifyCredential({ ...di, issuer: issuer.did });
    expect(r2.verified).toBe(false);
  });

  it.each([
    ['validUntil', { validUntil: '2026-05-01T00:00:00Z' }, 2, 'expired'],
    ['validFrom', { validFrom: '2026-07-01T00:00:00Z' }, 2, 'not_yet_valid'],
    ['expirationDate', { expirationDate: '2026-05-01T00:00:00Z' }, 1, 'expired'],
    ['issuanceDate', { issuanceDate: '2026-07-01T00:00:00Z' }, 1, 'not_yet_valid'],
  ] as const)('refuses by %s (validity_period, %s)', async (_n, extra, v, reason) => {
    for (const format of (v === 2
      ? ['vc-jose', 'data-integrity']
      : ['vc-jwt', 'data-integrity']) as CredentialFormat[]) {
      const r = await verifier.verifyCredential(await issue(format, membership(holder.did, extra, v)));
      expect(r.errors.map((e) => [format, e.check, e.reason, e.message])).toEqual([
        [format, 'validity_period', reason, expect.any(String)],
      ]);
    }
  });

  it('refuses a JWT whose exp has passed even if the credential says nothing (validity_period)', async () => {
    const signer = {
      alg: 'EdDSA',
      kid: `${issuer.did}#${issuer.keys.current.kid}`,
      key: issuer.keys.current.privateKey,
    };
    const cred = membership(holder.did);
    delete cred.validUntil;
    const jwt = await new jose.SignJWT({
      ...cred,
      iss: issuer.did,
      exp: Math.floor(NOW.getTime() / 1000) - 3600,
    })
      .setProtectedHeader({ alg: signer.alg, typ: 'vc+jwt', kid: signer.kid })
      .sign(signer.key);
    expect((await verifier.verifyCredential(jwt)).errors.map((e) => e.reason)).toEqual(['expired']);
  });

  it('checks revocation through the status list (status)', async () => {
    const good = await issue(
      'vc-jose',
      membership(holder.did, { credentialStatus: statusEntry(LIST_URL, 42, 'revocation') }),
    );
    expect((await verifier.verifyCredential(good)).errors).toEqual([]);
    setStatusBit(list, 42, true);
    await publishList();
    const r = await verifier.verifyCredential(good);
    expect(r.errors.map((e) => [e.check, e.reason])).toEqual([['status', 'revoked']]);
    setStatusBit(list, 42, false);
    await publishList();
  });

  it('refuses a status list signed by someone else, and a missing one', async () => {
    const cred = membership(holder.did, {
      credentialStatus: statusEntry('https://issuer.example/status/missing', 1, 'revocation'),
    });
    expect((await verifier.verifyCredential(await issue('vc-jose', cred))).errors[0]).toMatchObject({
      check: 'status',
      reason: 'status_list_unavailable',
    });
    const forgedUrl = 'https://issuer.example/status/forged';
    world.served.set(
      forgedUrl,
      await issue(
        'data-integrity',
        buildStatusListCredential({
          id: forgedUrl,
          issuer: other.did,
          purpose: 'revocation',
          list: createStatusList(),
          validFrom: new Date('2026-01-01T00:00:00Z'),
        }),
        other,
      ),
    );
    const cred2 = membership(holder.did, { credentialStatus: statusEntry(forgedUrl, 1, 'revocation') });
    expect((await verifier.verifyCredential(await issue('vc-jose', cred2))).errors[0]).toMatchObject({
      check: 'status',
      reason: 'status_list_issuer_mismatch',
    });
  });

  it('refuses an issuer not trusted for the type (trusted_issuer)', async () => {
    const cred = { ...membership(holder.did), issuer: other.did };
    const r = await verifier.verifyCredential(await issue('vc-jose', cred, other));
    expect(r.errors.map((e) => e.check)).toEqual(['trusted_issuer']);
    expect(r.errors[0]!.message).toMatch(/not trusted for MembershipCredential/);
  });

  it('refuses malformed input and unknown contexts, naming the problem, fetching nothing', async () => {
    expect((await verifier.verifyCredential('not.a.jwt!')).errors[0]).toMatchObject({
      check: 'format',
      reason: 'malformed_jwt',
    });
    expect(
      (await verifier.verifyCredential('eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln')).errors[0],
    ).toMatchObject({ check: 'format', reason: 'malformed_jwt' });
    const before = world.fetched.length;
    const di = (await issue('data-integrity', membership(holder.did))) as JsonObject;
    const r = await verifier.verifyCredential({
      ...di,
      '@context': [V2, 'https://evil.example/context.jsonld'],
    });
    expect(r.errors[0]).toMatchObject({ check: 'context', reason: 'unknown_context' });
    expect(r.errors[0]!.message).toContain('https://evil.example/context.jsonld');
    expect(world.fetched.slice(before).some((u) => u.includes('evil'))).toBe(false);
    const { proof: _p, ...unsecured } = di;
    expect((await verifier.verifyCredential(unsecured)).errors[0]).toMatchObject({
      check: 'format',
      reason: 'unsecured',
    });
  });
});

describe('verifyPresentation', () => {
  it.each(['vc-jose', 'vc-jwt'] as const)(
    'accepts a JWT presentation of %s credentials by their subject',
    async (format) => {
      const vc = await issue(format, membership(holder.did, {}, format === 'vc-jose' ? 2 : 1));
      const vp = await issuePresentation({
        holderDid: holder.did,
        key: holder.keys.current,
        credentials: [vc],
        audience: other.did,
        now: NOW,
      });
      const r = await verifier.verifyPresentation(vp, { audience: other.did });
      expect(r.errors).toEqual([]);
      expect(r.holder).toBe(holder.did);
      expect(r.credentials!.map((c) => c.types[1])).toEqual(['MembershipCredential']);
    },
  );

  it('accepts a Data Integrity presentation (Ed25519 holder)', async () => {
    const vc = await issue('data-integrity', membership(other.did));
    const vp = await issuePresentation({
      holderDid: other.did,
      key: other.keys.current,
      credentials: [vc],
      audience: holder.did,
      format: 'data-integrity',
      now: NOW,
    });
    const r = await verifier.verifyPresentation(vp, { audience: holder.did });
    expect(r.errors).toEqual([]);
    expect(r.credentials).toHaveLength(1);
    const wrongAud = await verifier.verifyPresentation(vp, { audience: issuer.did });
    expect(failedChecks(wrongAud)).toEqual(['audience']);
    const tampered = structuredClone(vp) as JsonObject;
    (tampered as { holder: string }).holder = other.did;
    ((tampered.verifiableCredential as JsonObject[])[0]!.credentialSubject as JsonObject).memberOf = 'x';
    expect((await verifier.verifyPresentation(tampered, { audience: holder.did })).verified).toBe(false);
  });

  it('refuses holder != subject (holder_binding), no credentials, and the wrong audience', async () => {
    const someoneElses = await issue('vc-jose', membership(other.did));
    const vp = await issuePresentation({
      holderDid: holder.did,
      key: holder.keys.current,
      credentials: [someoneElses],
      audience: other.did,
      now: NOW,
    });
    expect(failedChecks(await verifier.verifyPresentation(vp, { audience: other.did }))).toEqual([
      'holder_binding',
    ]);
    const empty = await issuePresentation({
      holderDid: holder.did,
      key: holder.keys.current,
      credentials: [],
      audience: other.did,
      now: NOW,
    });
    expect((await verifier.verifyPresentation(empty, { audience: other.did })).errors[0]).toMatchObject({
      check: 'credentials',
      reason: 'no_credentials',
    });
    const mine = await issue('vc-jose', membership(holder.did));
    const vp2 = await issuePresentation({
      holderDid: holder.did,
      key: holder.keys.current,
      credentials: [mine],
      audience: other.did,
      now: NOW,
    });
    expect(failedChecks(await verifier.verifyPresentation(vp2, { audience: issuer.did }))).toEqual([
      'audience',
    ]);
  });

  it('refuses an expired presentation and one whose credential is bad, naming the credential', async () => {
    const mine = await issue('vc-jose', membership(holder.did, { validUntil: '2026-05-01T00:00:00Z' }));
    const vp = await issuePresentation({
      holderDid: holder.did,
      key: holder.keys.current,
      credentials: [mine],
      audience: other.did,
      now: NOW,
    });
    const r = await verifier.verifyPresentation(vp, { audience: other.did });
    expect(r.errors).toEqual([
      expect.objectContaining({ check: 'validity_period', reason: 'expired', credentialIndex: 0 }),
    ]);
    const later = await verifier.verifyPresentation(vp, {
      audience: other.did,
      now: new Date(NOW.getTime() + 3600_000),
    });
    expect(later.errors[0]).toMatchObject({ check: 'validity_period', reason: 'expired' });
    expect(later.errors[0]!.credentialIndex).toBeUndefined();
  });
});
