/**
 * The consumer side with real DCP on loopback: a member consumer and an outsider fetch the provider's
 * catalogue through their management APIs, by DID (DID document → DataService → version metadata →
 * DSP base) and by address. The member sees the members-only dataset; the outsider does not (it is refused, holding no membership
 * credential).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, keyFileContent, loadKeys } from '../../src/identity/keys.js';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { catalogModule } from '../../src/runtime/modules/catalog.js';
import { identityModule } from '../../src/runtime/modules/identity.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { CONTRACT_POLICY, MEMBERS_POLICY, PUBLIC_POLICY, httpAsset } from '../helpers/catalog.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { issueMembership } from '../helpers/membership.js';

const post = (c: RunningConnector, path: string, body: unknown) =>
  management(c, path, { method: 'POST', body: JSON.stringify(body) });

describe('remote catalogue over real DCP', () => {
  let issuer: RunningConnector;
  let provider: RunningConnector;
  let consumer: RunningConnector;
  let outsider: RunningConnector;

  beforeAll(async () => {
    const key = keyFileContent(await generateKeyPair('Ed25519'));
    const issuerKeys = await loadKeys({ json: key });
    issuer = await startTestConnector({
      name: 'issuer',
      role: 'issuer',
      identity: { key, allowHttpDidWeb: true },
    });
    const identity = {
      allowHttpDidWeb: true,
      trustedIssuers: [{ did: issuer.services.did, types: ['MembershipCredential'] }],
    };
    const modules = [systemModule, identityModule, catalogModule];
    provider = await startTestConnector({ name: 'provider', identity }, { modules });
    consumer = await startTestConnector({ name: 'consumer', identity }, { modules });
    outsider = await startTestConnector({ name: 'outsider', identity }, { modules });
    const credential = await issueMembership({
      issuerDid: issuer.services.did,
      key: issuerKeys.current,
      subject: { id: consumer.services.did, memberOf: 'loopback-dataspace' },
    });
    expect((await post(consumer, '/v1/identity/credentials', { credential })).status).toBe(201);
    for (const id of ['open-1', 'members-1']) await post(provider, '/v1/assets', httpAsset(id));
    await post(provider, '/v1/offers', {
      accessPolicy: PUBLIC_POLICY,
      contractPolicy: CONTRACT_POLICY,
      assetSelector: { assetIds: ['open-1'] },
    });
    await post(provider, '/v1/offers', {
      accessPolicy: MEMBERS_POLICY,
      contractPolicy: CONTRACT_POLICY,
      assetSelector: { assetIds: ['members-1'] },
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([issuer, provider, consumer, outsider].map((c) => c?.stop()));
  });

  const ids = async (res: Response) => {
    const text = await res.text();
    expect(res.status, text).toBe(200);
    expect(text).not.toContain('internal.example');
    return ((JSON.parse(text) as { datasets: { '@id': string }[] }).datasets ?? []).map((d) => d['@id']);
  };

  it('a member sees the members-only dataset, by DID and by address; an outsider does not', async () => {
    expect(await ids(await post(consumer, '/v1/catalog/request', { did: provider.services.did }))).toEqual([
      'members-1',
      'open-1',
    ]);
    expect(
      await ids(
        await post(consumer, '/v1/catalog/request', {
          address: provider.urls.public,
          did: provider.services.did,
          refresh: true,
        }),
      ),
    ).toEqual(['members-1', 'open-1']);
    // Identity refuses a caller that holds no credential of the requested scope (403 from the provider,
    // a 502 PeerError here); were it to let it through without claims, it would see the public dataset only.
    const res = await post(outsider, '/v1/catalog/request', { did: provider.services.did });
    const body = (await res.json()) as { datasets?: { '@id': string }[]; details?: { status?: number } };
    if (res.status === 200) expect(body.datasets!.map((d) => d['@id'])).toEqual(['open-1']);
    else expect({ status: res.status, peer: body.details?.status }).toEqual({ status: 502, peer: 403 });
  });
});
