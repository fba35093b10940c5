/**
 * End to end in a real loopback data space (tests/helpers/negotiation-dataspace.ts): issuer, provider
 * and consumer with DCP on every DSP message, the provider's catalogue (asset and offer through its
 * management API), a negotiated agreement, then transfers through the real data plane to a real origin.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { management } from '../helpers/connector.js';
import { findByPeerPid, json, waitForState } from '../helpers/negotiation.js';
import { offerFromCatalogue, PUBLIC_ACCESS, startDataspace } from '../helpers/negotiation-dataspace.js';
import type { Dataspace } from '../helpers/negotiation-dataspace.js';
import { startTestConnector } from '../helpers/connector.js';
import { eventually, startOrigin } from '../helpers/transfer.js';

let ds: Dataspace;
let origin: Awaited<ReturnType<typeof startOrigin>>;

const post = (c: Dataspace['provider'], path: string, body: unknown) =>
  management(c, path, { method: 'POST', body: JSON.stringify(body) });

beforeAll(async () => {
  ds = await startDataspace({
    outbox: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
    transfer: { monitorIntervalMs: 300 },
  } as never);
  origin = await startOrigin(512 * 1024);
  const asset = await post(ds.provider, '/v1/assets', {
    id: 'tx-data',
    title: 'Transfer test data',
    distributions: [{ format: 'HttpData-PULL', mediaType: 'application/octet-stream' }],
    dataAddress: { type: 'HttpData', baseUrl: `${origin.url}/data`, proxyPath: true, proxyQuery: true },
  });
  expect(asset.status).toBeLessThan(300);
  const offer = await post(ds.provider, '/v1/offers', {
    id: 'tx-limited',
    accessPolicy: PUBLIC_ACCESS,
    contractPolicy: {
      '@type': 'Offer',
      permission: [
        {
          action: 'use',
          constraint: [
            { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'true' },
            { leftOperand: 'count', operator: 'lteq', rightOperand: 3 },
          ],
        },
      ],
    },
    assetSelector: { assetIds: ['tx-data'] },
    negotiationMode: 'auto',
  });
  expect(offer.status, await offer.clone().text()).toBeLessThan(300);
}, 90_000);

afterAll(async () => {
  await ds?.stop();
  await origin?.close();
});

async function negotiate(): Promise<string> {
  const provider = { address: ds.provider.urls.public, did: ds.provider.services.did };
  const offer = await offerFromCatalogue(ds.consumer, provider, 'tx-data');
  const res = await post(ds.consumer, '/v1/negotiations', {
    counterPartyAddress: provider.address,
    counterPartyId: provider.did,
    offer,
  });
  expect(res.status).toBe(201);
  const { id } = await json<{ id: string }>(res);
  const c = await waitForState(ds.consumer, id, 'FINALIZED');
  await waitForState(ds.provider, await findByPeerPid(ds.provider, id), 'FINALIZED');
  return String(c.agreementId);
}

async function transferState(c: Dataspace['provider'], id: string) {
  return json<{ state: string; providerPid: string; reason?: unknown }>(
    await management(c, `/v1/transfers/${id}`),
  );
}

describe('transfer in a loopback data space (real DCP, catalogue, negotiation, audit)', () => {
  it('data flows under a negotiated agreement; the N+1th use is refused; suspend → 403, resume → 200', async () => {
    const agreementId = await negotiate();
    const res = await post(ds.consumer, '/v1/transfers', {
      agreementId,
      counterPartyAddress: ds.provider.urls.public,
    });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    const t = await eventually(async () => {
      const x = await transferState(ds.consumer, id);
      return x.state === 'STARTED' ? x : undefined;
    }, 15_000);

    const first = await management(ds.consumer, `/v1/transfers/${id}/data/a/b.bin?v=1`);
    expect(first.status).toBe(200);
    expect(Buffer.from(await first.arrayBuffer()).equals(origin.body)).toBe(true);
    expect(origin.seen.at(-1)?.url).toBe('/data/a/b.bin?v=1');

    // suspend from the provider: the consumer's token is refused at once
    const edr = await json<{ endpoint: string; authorization: string }>(
      await management(ds.consumer, `/v1/transfers/${id}/edr`),
    );
    const direct = () => fetch(edr.endpoint, { headers: { authorization: `Bearer ${edr.authorization}` } });
    expect(
      (await management(ds.provider, `/v1/transfers/${t.providerPid}/suspend`, { method: 'POST' })).status,
    ).toBe(200);
    const refused = await direct();
    expect(refused.status).toBe(403);
    await eventually(async () => (await transferState(ds.consumer, id)).state === 'SUSPENDED');
    expect(
      (await management(ds.provider, `/v1/transfers/${t.providerPid}/resume`, { method: 'POST' })).status,
    ).toBe(200);
    await eventually(async () => (await transferState(ds.consumer, id)).state === 'STARTED');
    const second = await direct();
    expect(second.status).toBe(200);
    await second.arrayBuffer();

    // at most 3 uses: the third passes, the fourth is refused naming the rule
    const third = await management(ds.consumer, `/v1/transfers/${id}/data`);
    expect(third.status).toBe(200);
    await third.arrayBuffer();
    const fourth = await management(ds.consumer, `/v1/transfers/${id}/data`);
    expect(fourth.status).toBe(403);
    const body = await json<{ error: string; details: { rule: string; constraint: string } }>(fourth);
    expect(body.error).toBe('policy_denied');
    expect(body.details.constraint).toMatch(/count/);

    // the provider's audit log holds the transitions and the decisions
    const transitions = await ds.provider.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_entries WHERE type = 'transfer.transition'`,
    );
    expect(transitions.rows[0]!.n).toBeGreaterThanOrEqual(4);
    const recorded = await ds.provider.db.query<{ d: { decision: string; rule: string; state?: string } }>(
      `SELECT d FROM audit_entries, jsonb_array_elements(content->'decisions') AS d
       WHERE type = 'enforcement.decisions' AND subjects->>'transferId' = $1 ORDER BY seq`,
      [t.providerPid],
    );
    // first, refused while suspended, second, third, fourth refused by the count
    expect(recorded.rows.map(({ d }) => `${d.decision}:${d.state ?? d.rule}`)).toEqual([
      'permit:permission[0]',
      'deny:not-started',
      'permit:permission[0]',
      'permit:permission[0]',
      'deny:permission[0]',
    ]);
  });

  it('push delivers byte-identical data', async () => {
    const agreementId = await negotiate();
    const res = await post(ds.consumer, '/v1/transfers', {
      agreementId,
      format: 'HttpData-PUSH',
      counterPartyAddress: ds.provider.urls.public,
      dataAddress: {
        endpoint: `${origin.url}/sink/e2e`,
        endpointProperties: [
          { name: 'authorization', value: 'e2e-secret' },
          { name: 'authType', value: 'bearer' },
        ],
      },
    });
    expect(res.status).toBe(201);
    const { id } = await json<{ id: string }>(res);
    await eventually(async () => (await transferState(ds.consumer, id)).state === 'COMPLETED', 15_000);
    const got = origin.received.find((r) => r.url === '/sink/e2e');
    expect(got?.headers.authorization).toBe('Bearer e2e-secret');
    expect(got?.body.equals(origin.body)).toBe(true);
  });

  it("revoking the consumer's membership terminates its running transfer, and the consumer is told why", async () => {
    // A provider that never caches status lists, and a consumer whose only membership the issuer can revoke.
    const identity = { ...ds.trust, statusListCacheTtlMs: 0 };
    const fast = {
      outbox: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 },
      transfer: { monitorIntervalMs: 300 },
    };
    const provider = await startTestConnector({ name: 'strict-provider', identity, ...fast } as never);
    const consumer = await startTestConnector({ name: 'revocable-consumer', identity, ...fast } as never);
    try {
      const providerCred = { credential: await ds.credential(provider.services.did) };
      expect((await post(provider, '/v1/identity/credentials', providerCred)).status).toBeLessThan(300);
      const issued = await json<{ id: string; credential: unknown }>(
        await post(ds.issuer, '/v1/issuer/credentials', { holderDid: consumer.services.did }),
      );
      expect(
        (await post(consumer, '/v1/identity/credentials', { credential: issued.credential })).status,
      ).toBeLessThan(300);
      await post(provider, '/v1/assets', {
        id: 'tx-members',
        title: 'Members only',
        distributions: [{ format: 'HttpData-PULL', mediaType: 'application/octet-stream' }],
        dataAddress: { type: 'HttpData', baseUrl: `${origin.url}/members` },
      });
      const offer = await post(provider, '/v1/offers', {
        id: 'tx-members',
        accessPolicy: PUBLIC_ACCESS,
        contractPolicy: {
          '@type': 'Offer',
          permission: [
            {
              action: 'use',
              constraint: [{ leftOperand: 'pontis:membership', operator: 'eq', rightOperand: 'true' }],
            },
          ],
        },
        assetSelector: { assetIds: ['tx-members'] },
        negotiationMode: 'auto',
      });
      expect(offer.status).toBeLessThan(300);
      const p = { address: provider.urls.public, did: provider.services.did };
      const o = await offerFromCatalogue(consumer, p, 'tx-members');
      const n = await post(consumer, '/v1/negotiations', {
        counterPartyAddress: p.address,
        counterPartyId: p.did,
        offer: o,
      });
      const c = await waitForState(consumer, (await json<{ id: string }>(n)).id, 'FINALIZED');
      const res = await post(consumer, '/v1/transfers', {
        agreementId: c.agreementId,
        counterPartyAddress: p.address,
      });
      const { id } = await json<{ id: string }>(res);
      await eventually(async () => (await transferState(consumer, id)).state === 'STARTED', 15_000);
      const ok = await management(consumer, `/v1/transfers/${id}/data`);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();

      expect(
        (await management(ds.issuer, `/v1/issuer/credentials/${issued.id}/revoke`, { method: 'POST' }))
          .status,
      ).toBe(200);
      const t = await eventually(async () => {
        const x = await transferState(consumer, id);
        return x.state === 'TERMINATED' ? x : undefined;
      }, 20_000);
      expect(JSON.stringify(t.reason)).toMatch(/no longer holds/);
      expect((await management(consumer, `/v1/transfers/${id}/data`)).status).toBe(409);
    } finally {
      await consumer.stop();
      await provider.stop();
    }
  });
});
