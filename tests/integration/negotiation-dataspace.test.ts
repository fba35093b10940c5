/**
 * Negotiation in a real loopback data space: DCP on every DSP message, credentials from an issuer,
 * offers from the provider's catalogue, the contract log of the audit module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { management } from '../helpers/connector.js';
import { json, waitForState, findByPeerPid } from '../helpers/negotiation.js';
import {
  MEMBERS_CONTRACT,
  PUBLIC_ACCESS,
  offerFromCatalogue,
  startDataspace,
  type Dataspace,
} from '../helpers/negotiation-dataspace.js';
import { AUDITOR_KEY } from '../helpers/connector.js';
import { scopesFor } from '../../src/negotiation/scopes.js';
import {
  buildContractAgreementVerificationMessage,
  buildContractNegotiationTerminationMessage,
  buildContractRequestMessage,
  type MessageOffer,
} from '../../src/protocol/index.js';

let ds: Dataspace;
const fast = { outbox: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 } };

beforeAll(async () => {
  ds = await startDataspace(fast);
}, 60_000);
afterAll(async () => {
  await ds?.stop();
});

async function start(from: typeof ds.consumer, datasetId: string) {
  const provider = { address: ds.provider.urls.public, did: ds.provider.services.did };
  const offer = await offerFromCatalogue(from, provider, datasetId);
  const res = await management(from, '/v1/negotiations', {
    method: 'POST',
    body: JSON.stringify({ counterPartyAddress: provider.address, counterPartyId: provider.did, offer }),
  });
  expect(res.status).toBe(201);
  return json<{ id: string }>(res);
}

describe('contract negotiation in a loopback data space (real DCP, catalogue, audit)', () => {
  it('a member consumer reaches FINALIZED with the same agreement on both sides', async () => {
    const { id } = await start(ds.consumer, 'data-auto');
    const c = await waitForState(ds.consumer, id, 'FINALIZED');
    const pid = await findByPeerPid(ds.provider, id);
    const p = await waitForState(ds.provider, pid, 'FINALIZED');
    expect(c.agreementId).toBe(p.agreementId);
    const agreement = await ds.provider.services.negotiations!.agreement(String(p.agreementId));
    expect(agreement).toMatchObject({
      assetId: 'data-auto',
      providerDid: ds.provider.services.did,
      consumerDid: ds.consumer.services.did,
    });
  });

  it('starts from the provider DID and an offer id alone: address from the DID document, terms from the catalogue', async () => {
    const provider = { address: ds.provider.urls.public, did: ds.provider.services.did };
    const offerId = String((await offerFromCatalogue(ds.consumer, provider, 'data-auto'))['@id']);
    const res = await management(ds.consumer, '/v1/negotiations', {
      method: 'POST',
      // The DSP TCK's initiate call names the provider providerId.
      body: JSON.stringify({ providerId: provider.did, datasetId: 'data-auto', offerId }),
    });
    expect(res.status).toBe(201);
    const started = await json<{ id: string; counterPartyAddress: string; offer: Record<string, unknown> }>(
      res,
    );
    expect(started.counterPartyAddress).toBe(provider.address);
    expect(started.offer).toMatchObject({ '@id': offerId, target: 'data-auto' });
    await waitForState(ds.consumer, started.id, 'FINALIZED');

    const unknown = await management(ds.consumer, '/v1/negotiations', {
      method: 'POST',
      body: JSON.stringify({
        counterPartyId: provider.did,
        datasetId: 'data-auto',
        offerId: 'no-such-offer',
      }),
    });
    expect(unknown.status).toBe(404);
    expect((await json<{ message: string }>(unknown)).message).toMatch(/has no offer no-such-offer/);
    const noDataset = await management(ds.consumer, '/v1/negotiations', {
      method: 'POST',
      body: JSON.stringify({ counterPartyId: provider.did, datasetId: 'no-such-data', offerId }),
    });
    expect(noDataset.status).toBe(404);
    expect((await json<{ message: string }>(noDataset)).message).toMatch(/has no dataset no-such-data/);
    const neither = await management(ds.consumer, '/v1/negotiations', {
      method: 'POST',
      body: JSON.stringify({ counterPartyId: provider.did, datasetId: 'data-auto' }),
    });
    expect(neither.status).toBe(400);
    expect((await json<{ message: string }>(neither)).message).toMatch(
      /give the offer, or offerId and datasetId/,
    );
  });

  it('an outsider is TERMINATED with the policy reason, and the provider audit log shows why', async () => {
    // The outsider is a member (DCP lets it in, the offer is public) of level silver, not gold.
    const { id } = await start(ds.outsider, 'data-auto');
    const c = await waitForState(ds.outsider, id, 'TERMINATED');
    expect(c.termination).toMatchObject({ code: 'policy_denied' });
    expect(JSON.stringify(c.termination)).toMatch(/level/);
    const pid = await findByPeerPid(ds.provider, id);
    const res = await fetch(
      `${ds.provider.urls.management}/v1/audit/entries?type=negotiation.transition&limit=500`,
      { headers: { 'X-Api-Key': AUDITOR_KEY } },
    );
    expect(res.status).toBe(200);
    const entries = (await res.json()) as {
      items: { subjects: Record<string, string>; content: Record<string, unknown> }[];
    };
    const why = entries.items.find((e) => e.subjects.negotiationId === pid && e.content.to === 'TERMINATED');
    expect(JSON.stringify(why?.content.reason)).toMatch(/level/);
  });

  it('a manual offer waits for the operator, who agrees; the consumer verifies on its own', async () => {
    const { id } = await start(ds.consumer, 'data-manual');
    const pid = await findByPeerPid(ds.provider, id);
    await waitForState(ds.provider, pid, 'REQUESTED');
    const agreed = await management(ds.provider, `/v1/negotiations/${encodeURIComponent(pid)}/agree`, {
      method: 'POST',
    });
    expect(agreed.status).toBe(200);
    await waitForState(ds.provider, pid, 'VERIFIED');
    expect(
      (
        await management(ds.provider, `/v1/negotiations/${encodeURIComponent(pid)}/finalize`, {
          method: 'POST',
        })
      ).status,
    ).toBe(200);
    await waitForState(ds.consumer, id, 'FINALIZED');
  });

  it('an asset deleted through the management API is negotiable no more, at once (no cached copy)', async () => {
    const created = await management(ds.provider, '/v1/assets', {
      method: 'POST',
      body: JSON.stringify({
        id: 'data-brief',
        title: 'Dataset data-brief',
        distributions: [{ format: 'HttpData-PULL', mediaType: 'text/csv' }],
        dataAddress: { type: 'HttpData', baseUrl: 'http://internal.example/data' },
      }),
    });
    expect(created.status).toBe(201);
    const offered = await management(ds.provider, '/v1/offers', {
      method: 'POST',
      body: JSON.stringify({
        id: 'brief',
        accessPolicy: PUBLIC_ACCESS,
        contractPolicy: MEMBERS_CONTRACT,
        assetSelector: { assetIds: ['data-brief'] },
      }),
    });
    expect(offered.status).toBe(201);
    const provider = { address: ds.provider.urls.public, did: ds.provider.services.did };
    const offer = await offerFromCatalogue(ds.consumer, provider, 'data-brief');
    const request = async () => {
      const res = await management(ds.consumer, '/v1/negotiations', {
        method: 'POST',
        body: JSON.stringify({ counterPartyAddress: provider.address, counterPartyId: provider.did, offer }),
      });
      expect(res.status).toBe(201);
      return json<{ id: string }>(res);
    };
    // The first request reads the asset (and keeps it for a second); the deletion must end that.
    const first = await request();
    await waitForState(ds.consumer, first.id, 'FINALIZED');
    expect((await management(ds.provider, '/v1/assets/data-brief', { method: 'DELETE' })).status).toBe(204);
    const again = await request();
    const c = await waitForState(ds.consumer, again.id, 'TERMINATED');
    expect(c.termination).toMatchObject({ code: 'offer_not_found' });
  });

  it('a replayed DCP token is refused (401 dcp_replayed_jti) on every path, and the message it carries is not applied', async () => {
    const { provider, consumer } = ds;
    const did = provider.services.did;
    const offer = (await offerFromCatalogue(
      consumer,
      { address: provider.urls.public, did },
      'data-manual',
    )) as MessageOffer;
    const token = (scopes?: string[]) =>
      consumer.services.identity!.authorizationFor(did, scopes ? { scopes } : undefined);
    const dsp = async (path: string, auth: string, body?: unknown) => {
      const res = await fetch(`${provider.urls.public}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', authorization: auth },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const replayed = { status: 401, body: { code: 'dcp_replayed_jti' } };
    const request = (consumerPid: string) =>
      buildContractRequestMessage({ consumerPid, offer, callbackAddress: consumer.urls.public });
    const pidsFor = async (consumerPid: string) =>
      (
        await provider.db.query<{ id: string }>('SELECT id FROM negotiations WHERE consumer_pid = $1', [
          consumerPid,
        ])
      ).rows.map((r) => r.id);
    const stateOf = async (id: string) =>
      (await provider.db.query<{ state: string }>('SELECT state FROM negotiations WHERE id = $1', [id]))
        .rows[0]!.state;

    // The initial request: applied once; its token cannot start another negotiation, nor repeat this one.
    const consumerPid = `urn:uuid:${crypto.randomUUID()}`;
    const a = await token(scopesFor(offer, 'MembershipCredential'));
    const first = await dsp('/negotiations/request', a, request(consumerPid));
    expect(first.status).toBe(201);
    const pid = String(first.body.providerPid);
    const other = `urn:uuid:${crypto.randomUUID()}`;
    expect(await dsp('/negotiations/request', a, request(other))).toMatchObject(replayed);
    expect(await pidsFor(other)).toEqual([]);
    expect(await dsp('/negotiations/request', a, request(consumerPid))).toMatchObject(replayed);
    expect(await pidsFor(consumerPid)).toEqual([pid]);

    const pids = { providerPid: pid, consumerPid };
    const terminate = buildContractNegotiationTerminationMessage({ ...pids, code: 'replay-test' });
    const at = `/negotiations/${encodeURIComponent(pid)}`;
    // A token spent on a refused message, or on a read, cannot be spent again.
    const b = await token();
    expect(
      (await dsp(`${at}/agreement/verification`, b, buildContractAgreementVerificationMessage(pids))).status,
    ).toBe(400);
    expect(await dsp(`${at}/termination`, b, terminate)).toMatchObject(replayed);
    const c = await token();
    expect((await dsp(at, c)).status).toBe(200);
    expect(await dsp(`${at}/termination`, c, terminate)).toMatchObject(replayed);
    expect(await stateOf(pid)).toBe('REQUESTED');

    // A token spent on a change, then on the repeat that is answered as before.
    const d = await token();
    expect((await dsp(`${at}/termination`, d, terminate)).status).toBe(200);
    expect(await stateOf(pid)).toBe('TERMINATED');
    expect(await dsp(`${at}/termination`, d, terminate)).toMatchObject(replayed);
    const e = await token();
    expect((await dsp(`${at}/termination`, e, terminate)).status).toBe(200); // a fresh token: the idempotent answer
    expect(await dsp(`${at}/termination`, e, terminate)).toMatchObject(replayed);
  });
});
