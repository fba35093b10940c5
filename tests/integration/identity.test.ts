/**
 * Identity on loopback: an issuer and two connectors with real listeners. A connector holding a
 * valid membership credential is accepted by its peer over DCP and its claims reach the policy
 * (it sees the members-only dataset); refusals carry a named reason; the DID document, the
 * credential service and the VC-API endpoints answer over HTTP.
 */
import * as jose from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, keyFileContent, loadKeys } from '../../src/identity/keys.js';
import type { KeyRing } from '../../src/identity/keys.js';
import { typeScope } from '../../src/identity/dcp.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { catalogModule } from '../../src/runtime/modules/catalog.js';
import { identityModule } from '../../src/runtime/modules/identity.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import type { IdentityService } from '../../src/runtime/services.js';
import {
  CONTRACT_POLICY,
  MEMBERS_POLICY,
  PUBLIC_POLICY,
  httpAsset,
  testPolicyModule,
} from '../helpers/catalog.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { issueMembership } from '../helpers/membership.js';

const json = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });

describe('identity on loopback: issuer, provider, consumer', () => {
  let issuer: RunningConnector;
  let provider: RunningConnector;
  let consumer: RunningConnector;
  let outsider: RunningConnector;
  let issuerKeys: KeyRing;

  const idOf = (c: RunningConnector) => c.services.identity as IdentityService;

  async function membership(subject: string, extra: Record<string, unknown> = {}) {
    return issueMembership({
      issuerDid: issuer.services.did,
      key: issuerKeys.current,
      subject: { id: subject, memberOf: 'loopback-dataspace' },
      extra,
    });
  }

  beforeAll(async () => {
    const key = keyFileContent(await generateKeyPair('Ed25519'));
    issuerKeys = await loadKeys({ json: key });
    issuer = await startTestConnector({
      name: 'issuer',
      role: 'issuer',
      identity: { key, allowHttpDidWeb: true },
    });
    const trust = {
      allowHttpDidWeb: true,
      trustedIssuers: [{ did: issuer.services.did, types: ['MembershipCredential'] }],
    };
    provider = await startTestConnector(
      { name: 'provider', identity: trust },
      {
        modules: [
          systemModule,
          identityModule,
          testPolicyModule({ members: MEMBERS_POLICY, public: PUBLIC_POLICY, contract: CONTRACT_POLICY }),
          catalogModule,
        ],
      },
    );
    consumer = await startTestConnector({ name: 'consumer', identity: trust });
    outsider = await startTestConnector({ name: 'outsider', identity: trust });
    for (const id of ['open-1', 'members-1']) await management(provider, '/v1/assets', json(httpAsset(id)));
    await management(
      provider,
      '/v1/offers',
      json({
        id: 'public-offer',
        accessPolicyId: 'public',
        contractPolicyId: 'contract',
        assetSelector: { assetIds: ['open-1'] },
      }),
    );
    await management(
      provider,
      '/v1/offers',
      json({
        id: 'members-offer',
        accessPolicyId: 'members',
        contractPolicyId: 'contract',
        assetSelector: { assetIds: ['members-1'] },
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all([issuer, provider, consumer, outsider].map((c) => c?.stop()));
  });

  it('serves each DID document at /.well-known/did.json with keys and services', async () => {
    const res = await fetch(`${provider.urls.protocol}/.well-known/did.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      id: string;
      capabilityInvocation: string[];
      service: { type: string; serviceEndpoint: string }[];
    };
    expect(doc.id).toBe(provider.services.did);
    expect(doc.capabilityInvocation).toHaveLength(1);
    expect(doc.service.map((s) => s.type).sort()).toEqual(['CredentialService', 'DataService']);
  });

  it('imports a membership credential through the management API (verified first), lists and deletes', async () => {
    const bad = await management(
      consumer,
      '/v1/identity/credentials',
      json({ credential: await membership(outsider.services.did) }),
    );
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: string }).error).toBe('credential_not_ours');
    const res = await management(
      consumer,
      '/v1/identity/credentials',
      json({ credential: await membership(consumer.services.did) }),
    );
    expect(res.status).toBe(201);
    const list = (await (await management(consumer, '/v1/identity/credentials')).json()) as {
      items: { id: string; types: string[] }[];
      total: number;
    };
    expect(list.total).toBe(1);
    const extra = (await (
      await management(
        consumer,
        '/v1/identity/credentials',
        json({ credential: await membership(consumer.services.did) }),
      )
    ).json()) as { id: string };
    expect(
      (
        await management(consumer, `/v1/identity/credentials/${encodeURIComponent(extra.id)}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(204);
    expect(
      (
        await management(consumer, `/v1/identity/credentials/${encodeURIComponent(extra.id)}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
  });

  it('accepts the member over DCP; its claims reach the policy (it sees the members-only dataset)', async () => {
    const auth = await idOf(consumer).authorizationFor(provider.services.did);
    const participant = await idOf(provider).authenticate(auth);
    expect(participant.did).toBe(consumer.services.did);
    expect(participant.credentials[0]).toMatchObject({
      issuer: issuer.services.did,
      subject: { memberOf: 'loopback-dataspace' },
    });
    const res = await fetch(`${provider.urls.protocol}/catalog/request`, {
      method: 'POST',
      headers: {
        authorization: await idOf(consumer).authorizationFor(provider.services.did),
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
        '@type': 'CatalogRequestMessage',
      }),
    });
    expect(res.status).toBe(200);
    const ids = (((await res.json()) as { dataset?: { '@id': string }[] }).dataset ?? [])
      .map((d) => d['@id'])
      .sort();
    expect(ids).toEqual(['members-1', 'open-1']);
  });

  it('reuses the access token for a peer and scopes inside fresh self-issued tokens', async () => {
    const claims = async (scopes?: string[], audience = provider.services.did) => {
      const auth = await idOf(consumer).authorizationFor(audience, scopes ? { scopes } : undefined);
      return { auth, ...(jose.decodeJwt(auth.slice('Bearer '.length)) as { jti: string; token: string }) };
    };
    const a = await claims();
    const b = await claims();
    expect(b.token).toBe(a.token);
    expect(b.jti).not.toBe(a.jti);
    // Each is accepted once: the replay check is on the self-issued token, not the access token.
    expect((await idOf(provider).authenticate(a.auth)).did).toBe(consumer.services.did);
    expect((await idOf(provider).authenticate(b.auth)).did).toBe(consumer.services.did);
    // Another audience or other scopes: another access token, for that audience and those scopes.
    const other = await claims([typeScope('OtherCredential')]);
    expect(other.token).not.toBe(a.token);
    expect(jose.decodeJwt(other.token)).toMatchObject({ scope: typeScope('OtherCredential') });
    const elsewhere = await claims(undefined, outsider.services.did);
    expect(elsewhere.token).not.toBe(a.token);
    expect(jose.decodeJwt(elsewhere.token)).toMatchObject({ aud: outsider.services.did });
  });

  it('verifies a participant that is not calling (public membership scope), and refreshes one', async () => {
    const identity = provider.services.identity as IdentityService;
    const p = await identity.verifyParticipant!(consumer.services.did);
    expect(p.credentials.map((c) => c.types[1])).toEqual(['MembershipCredential']);
    await expect(identity.verifyParticipant!(outsider.services.did)).rejects.toMatchObject({
      status: 403,
      code: 'dcp_missing_credential',
    });
    const refreshed = await identity.refreshParticipant!(p);
    expect(refreshed.credentials).toHaveLength(1);
    expect(
      (await identity.refreshParticipant!({ did: outsider.services.did, credentials: p.credentials }))
        .credentials,
    ).toEqual([]);
  });

  it('refuses a caller without credentials, a replayed token and a token for someone else, naming why', async () => {
    const dsp = async (authorization: string | undefined) => {
      const res = await fetch(`${provider.urls.protocol}/catalog/request`, {
        method: 'POST',
        headers: { ...(authorization ? { authorization } : {}), 'content-type': 'application/json' },
        body: JSON.stringify({
          '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
          '@type': 'CatalogRequestMessage',
        }),
      });
      return { status: res.status, text: await res.text() };
    };
    const none = await dsp(await idOf(outsider).authorizationFor(provider.services.did));
    expect(none.status).toBe(403);
    expect(none.text).toContain('dcp_missing_credential');
    const once = await idOf(consumer).authorizationFor(provider.services.did);
    expect((await dsp(once)).status).toBe(200);
    const replay = await dsp(once);
    expect(replay.status).toBe(401);
    expect(replay.text).toContain('dcp_replayed_jti');
    const elsewhere = await dsp(await idOf(consumer).authorizationFor(outsider.services.did));
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.text).toContain('dcp_wrong_audience');
    const missing = await dsp(undefined);
    expect(missing.status).toBe(401);
    expect(missing.text).toContain('dcp_missing_token');
  });

  it('the credential service refuses a query without a valid token and answers 501 to presentation definitions', async () => {
    const cs = `${consumer.urls.protocol}/cs/presentations/query`;
    const anon = await fetch(cs, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'PresentationQueryMessage', scope: [typeScope('MembershipCredential')] }),
    });
    expect(anon.status).toBe(401);
    const big = await fetch(cs, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(3_000_000) }),
    });
    expect(big.status).toBe(413);
  });

  it('VC-API: 200 for a valid credential, 422 for a tampered or untrusted one, 400 for malformed input or an unknown context', async () => {
    const ok = await management(
      provider,
      '/credentials/verify',
      json({ verifiableCredential: await membership(consumer.services.did) }),
    );
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { verified: boolean }).verified).toBe(true);
    const jwt = (await membership(consumer.services.did)) as string;
    const tampered = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const bad = await management(provider, '/credentials/verify', json({ verifiableCredential: tampered }));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { errors: { check: string }[] }).errors[0]!.check).toBe('signature');
    const malformed = await management(
      provider,
      '/credentials/verify',
      json({ verifiableCredential: 'not-a-jwt' }),
    );
    expect(malformed.status).toBe(400);
    const unknownCtx = await management(
      provider,
      '/credentials/verify',
      json({
        verifiableCredential: {
          '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/ctx'],
          type: ['VerifiableCredential'],
          issuer: 'did:web:x',
          credentialSubject: {},
          proof: {},
        },
      }),
    );
    expect(unknownCtx.status).toBe(400);
    expect(JSON.stringify(await unknownCtx.json())).toContain('https://evil.example/ctx');
    const vp = await management(provider, '/presentations/verify', json({ verifiablePresentation: 'x.y.z' }));
    expect(vp.status).toBe(400);
  });
});
