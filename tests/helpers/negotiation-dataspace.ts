/**
 * A loopback data space for the negotiation tests and bench: an issuer, a provider with a members-only
 * contract offer (auto) and a manual one, a member consumer and an outsider (no membership). Every part
 * is real: DCP on every DSP message, credentials issued by the issuer and imported through the
 * management API, offers created through the catalogue's management API. All three are members; the
 * contract policy asks for membership level gold, which the outsider (silver) lacks.
 */
import { generateKeyPair, keyFileContent, loadKeys } from '../../src/identity/keys.js';
import type { ConfigInput } from '../../src/config/index.js';
import type { RunningConnector, StartOptions } from '../../src/runtime/connector.js';
import { management, startTestConnector } from './connector.js';
import { issueMembership } from './membership.js';

export const PUBLIC_ACCESS = { '@type': 'Set', permission: [{ action: 'use' }] };
export const MEMBERS_CONTRACT = {
  '@type': 'Offer',
  permission: [
    {
      action: 'use',
      constraint: [
        { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'true' },
        {
          leftOperand: 'pontis:credentialClaim',
          'pontis:fromCredential': 'MembershipCredential',
          'pontis:claimPath': '$.level',
          operator: 'eq',
          rightOperand: 'gold',
        },
      ],
    },
  ],
};

export interface Dataspace {
  issuer: RunningConnector;
  provider: RunningConnector;
  consumer: RunningConnector;
  outsider: RunningConnector;
  trust: { allowHttpDidWeb: true; trustedIssuers: { did: string; types: string[] }[] };
  /** A membership credential with claim `level` (default gold) for `did` (VC-JOSE, signed by the issuer). */
  credential(did: string, level?: string): Promise<unknown>;
  stop(): Promise<void>;
}

async function ok(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${what}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
}

const post = (c: RunningConnector, path: string, body: unknown) =>
  management(c, path, { method: 'POST', body: JSON.stringify(body) });

/** Creates the provider's catalogue: assets `data-auto` (auto offer `auto`) and `data-manual` (manual offer `manual`). */
export async function seedProvider(provider: RunningConnector): Promise<void> {
  for (const id of ['data-auto', 'data-manual']) {
    await ok(
      await post(provider, '/v1/assets', {
        id,
        title: `Dataset ${id}`,
        distributions: [{ format: 'HttpData-PULL', mediaType: 'text/csv' }],
        dataAddress: { type: 'HttpData', baseUrl: 'http://internal.example/data' },
      }),
      `asset ${id}`,
    );
  }
  for (const [id, mode] of [
    ['auto', 'auto'],
    ['manual', 'manual'],
  ] as const) {
    await ok(
      await post(provider, '/v1/offers', {
        id,
        accessPolicy: PUBLIC_ACCESS,
        contractPolicy: MEMBERS_CONTRACT,
        assetSelector: { assetIds: [`data-${id}`] },
        negotiationMode: mode,
      }),
      `offer ${id}`,
    );
  }
}

/** The offer for `datasetId` as `consumer` sees it in the provider's catalogue (over DSP), with its target. */
export async function offerFromCatalogue(
  consumer: RunningConnector,
  provider: { address: string; did: string },
  datasetId: string,
): Promise<Record<string, unknown>> {
  const cat = await ok(
    await post(consumer, '/v1/catalog/request', { ...provider, refresh: true }),
    'catalog',
  );
  const ds = (cat.datasets as { '@id': string; hasPolicy: Record<string, unknown>[] }[]).find(
    (d) => d['@id'] === datasetId,
  );
  if (!ds) throw new Error(`dataset ${datasetId} not in the catalogue: ${JSON.stringify(cat)}`);
  return { ...ds.hasPolicy[0], target: datasetId };
}

export async function startDataspace(
  overrides: ConfigInput = {},
  options: { provider?: StartOptions; consumer?: StartOptions } = {},
): Promise<Dataspace> {
  const key = keyFileContent(await generateKeyPair('Ed25519'));
  const issuerKeys = await loadKeys({ json: key });
  const issuer = await startTestConnector({
    name: 'issuer',
    role: 'issuer',
    identity: { key, allowHttpDidWeb: true },
  });
  const trust = {
    allowHttpDidWeb: true as const,
    trustedIssuers: [{ did: issuer.services.did, types: ['MembershipCredential'] }],
  };
  const credential = (did: string, level = 'gold') =>
    issueMembership({
      issuerDid: issuer.services.did,
      key: issuerKeys.current,
      subject: { id: did, memberOf: 'loopback-dataspace', level },
    });
  const config = (name: string) => ({ name, identity: trust, ...overrides }) as ConfigInput;
  const provider = await startTestConnector(config('provider'), options.provider);
  const consumer = await startTestConnector(config('consumer'), options.consumer);
  const outsider = await startTestConnector(config('outsider'));
  // Everyone is a member (DCP lets members in); the contract policy asks for level gold, which the outsider lacks.
  for (const [c, level] of [
    [provider, 'gold'],
    [consumer, 'gold'],
    [outsider, 'silver'],
  ] as const) {
    const body = { credential: await credential(c.services.did, level) };
    await ok(await post(c, '/v1/identity/credentials', body), `credential of ${c.config.name}`);
  }
  await seedProvider(provider);
  return {
    issuer,
    provider,
    consumer,
    outsider,
    trust,
    credential,
    stop: async () => {
      await Promise.all([issuer, provider, consumer, outsider].map((c) => c.stop()));
    },
  };
}
