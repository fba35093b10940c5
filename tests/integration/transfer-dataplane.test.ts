/**
 * Transfers between two connectors on loopback (provider and consumer, each with its own store),
 * with a real origin HTTP server behind the provider. Identity, negotiation and catalogue are
 * stand-ins (tests/helpers/transfer.ts); the transfer module, its DSP messages, data plane and
 * management API are the real ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { management } from '../helpers/connector.js';
import {
  agreementRecord,
  eventually,
  membership,
  newStandIns,
  startOrigin,
  startTransferConnector,
} from '../helpers/transfer.js';
import type { RunningConnector, StandIns } from '../helpers/transfer.js';

const PROVIDER = 'did:web:provider.test';
const CONSUMER = 'did:web:consumer.test';

interface Setup {
  provider: RunningConnector;
  consumer: RunningConnector;
  p: StandIns;
  c: StandIns;
  origin: Awaited<ReturnType<typeof startOrigin>>;
}

let s: Setup;

beforeAll(async () => {
  const origin = await startOrigin(256 * 1024);
  const p = newStandIns(PROVIDER);
  const c = newStandIns(CONSUMER);
  p.participants.set(CONSUMER, membership(CONSUMER, { id: 'urn:cred:consumer-membership' }));
  c.participants.set(PROVIDER, membership(PROVIDER));
  p.dataAddresses.set('asset-1', {
    type: 'HttpData',
    baseUrl: `${origin.url}/data`,
    proxyPath: true,
    proxyQuery: true,
  });
  p.dataAddresses.set('asset-fixed', { type: 'HttpData', baseUrl: `${origin.url}/fixed` });
  const provider = await startTransferConnector(p);
  const consumer = await startTransferConnector(c);
  s = { provider, consumer, p, c, origin };
});

afterAll(async () => {
  await s?.consumer.stop();
  await s?.provider.stop();
  await s?.origin.close();
});

let n = 0;
/** Registers an agreement on both sides and returns its id. */
function agreement(
  constraints: Record<string, unknown>[] = [],
  options: { assetId?: string; manual?: boolean } = {},
) {
  const id = `urn:uuid:agreement-${++n}-${Date.now()}`;
  const assetId = options.assetId ?? 'asset-1';
  const base = agreementRecord({ id, provider: PROVIDER, consumer: CONSUMER, assetId, constraints });
  s.p.agreements.set(id, { ...base, role: 'provider', transferMode: options.manual ? 'manual' : 'auto' });
  s.c.agreements.set(id, { ...base, role: 'consumer', counterPartyAddress: s.provider.urls.public + '/' });
  return id;
}

async function json(res: Response) {
  return (await res.json()) as Record<string, unknown>;
}

async function requestTransfer(agreementId: string, body: Record<string, unknown> = {}) {
  const res = await management(s.consumer, '/v1/transfers', {
    method: 'POST',
    body: JSON.stringify({ agreementId, ...body }),
  });
  expect(res.status).toBe(201);
  return (await json(res)).id as string;
}

async function stateOf(c: RunningConnector, id: string) {
  return (await json(await management(c, `/v1/transfers/${id}`))) as {
    state: string;
    providerPid: string;
    reason?: unknown;
    history: unknown[];
  };
}

async function until(c: RunningConnector, id: string, state: string) {
  return eventually(async () => {
    const t = await stateOf(c, id);
    return t.state === state ? t : undefined;
  });
}

const proxy = (id: string, path = '', init: RequestInit = {}) =>
  management(s.consumer, `/v1/transfers/${id}/data${path}`, init);

describe('pull transfer through the data plane', () => {
  it('starts on its own, and data flows through the consumer proxy, byte for byte', async () => {
    const id = await requestTransfer(agreement());
    const t = await until(s.consumer, id, 'STARTED');
    await until(s.provider, t.providerPid, 'STARTED');
    const res = await proxy(id, '/some/file.bin?x=1&y=2');
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).equals(s.origin.body)).toBe(true);
    // path and query passthrough reach the origin
    expect(s.origin.seen.at(-1)?.url).toBe('/data/some/file.bin?x=1&y=2');
  });

  it('passes Range requests on (206)', async () => {
    const id = await requestTransfer(agreement());
    await until(s.consumer, id, 'STARTED');
    const res = await proxy(id, '', { headers: { range: 'bytes=100-199' } });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe(`bytes 100-199/${s.origin.body.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(s.origin.body.subarray(100, 200))).toBe(true);
  });

  it('refuses path passthrough where the asset does not allow it', async () => {
    const id = await requestTransfer(agreement([], { assetId: 'asset-fixed' }));
    await until(s.consumer, id, 'STARTED');
    expect((await proxy(id)).status).toBe(200);
    const res = await proxy(id, '/elsewhere');
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('path_not_allowed');
  });

  it('refuses the N+1th use of an "at most N uses" agreement with 403 naming the rule', async () => {
    const id = await requestTransfer(
      agreement([{ leftOperand: 'count', operator: 'lteq', rightOperand: 3 }]),
    );
    await until(s.consumer, id, 'STARTED');
    for (let i = 0; i < 3; i++) {
      const ok = await proxy(id);
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    }
    const denied = await proxy(id);
    expect(denied.status).toBe(403);
    const body = await json(denied);
    expect(body.error).toBe('policy_denied');
    expect((body.details as { rule: string }).rule).toMatch(/permission\[0\]/);
    expect(JSON.stringify(body.details)).toContain('count');
    const pt = await stateOf(s.provider, (await stateOf(s.consumer, id)).providerPid);
    expect((pt as unknown as { usageCount: number }).usageCount).toBe(3);
  });

  it('shows the uses served, not the uses reserved ahead, while a block of uses is held', async () => {
    // No count limit: the data plane reserves uses in blocks (up to 256 at once).
    const id = await requestTransfer(agreement([]));
    await until(s.consumer, id, 'STARTED');
    for (let i = 0; i < 3; i++) await (await proxy(id)).arrayBuffer();
    const providerPid = (await stateOf(s.consumer, id)).providerPid;
    const usage = async () =>
      ((await stateOf(s.provider, providerPid)) as unknown as { usageCount: number }).usageCount;
    expect(await usage()).toBe(3);
    // After the reservation is given back (500 ms), the stored count says the same.
    await new Promise((r) => setTimeout(r, 800));
    expect(await usage()).toBe(3);
    const stored = await s.provider.db.query<{ usage_count: number }>(
      'SELECT usage_count FROM transfers WHERE provider_pid = $1',
      [providerPid],
    );
    expect(stored.rows[0]!.usage_count).toBe(3);
  });

  it('never lets more uses through than the policy allows under concurrent requests', async () => {
    const id = await requestTransfer(
      agreement([{ leftOperand: 'count', operator: 'lteq', rightOperand: 5 }]),
    );
    await until(s.consumer, id, 'STARTED');
    const edr = await json(await management(s.consumer, `/v1/transfers/${id}/edr`));
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const r = await fetch(String(edr.endpoint), {
          headers: { authorization: `Bearer ${String(edr.authorization)}` },
        });
        await r.arrayBuffer();
        return r.status;
      }),
    );
    expect(statuses.filter((x) => x === 200).length).toBe(5);
    expect(statuses.filter((x) => x === 403).length).toBe(15);
    const pt = await stateOf(s.provider, (await stateOf(s.consumer, id)).providerPid);
    expect((pt as unknown as { usageCount: number }).usageCount).toBe(5);
  });

  it('checks the purpose sent in the X-Purpose header', async () => {
    const id = await requestTransfer(
      agreement([{ leftOperand: 'purpose', operator: 'eq', rightOperand: 'research' }]),
    );
    await until(s.consumer, id, 'STARTED');
    expect((await proxy(id)).status).toBe(403);
    expect((await proxy(id, '', { headers: { 'x-purpose': 'marketing' } })).status).toBe(403);
    const ok = await proxy(id, '', { headers: { 'x-purpose': 'research' } });
    expect(ok.status).toBe(200);
  });

  it('refuses a request after the time window', async () => {
    const end = new Date(Date.now() + 2500).toISOString();
    const id = await requestTransfer(
      agreement([{ leftOperand: 'dateTime', operator: 'lt', rightOperand: end }]),
    );
    await until(s.consumer, id, 'STARTED');
    const edr = await json(await management(s.consumer, `/v1/transfers/${id}/edr`));
    const direct = () =>
      fetch(String(edr.endpoint), { headers: { authorization: `Bearer ${String(edr.authorization)}` } });
    expect((await direct()).status).toBe(200);
    await new Promise((r) => setTimeout(r, Date.parse(end) - Date.now() + 50));
    const late = await direct();
    expect(late.status).toBe(403);
    // Either the request is denied by the rule, or the monitor already terminated the transfer.
    expect(['policy_denied', 'transfer_not_started']).toContain((await json(late)).error);
  });

  it('suspend → 403, resume → 200, from either side', async () => {
    const id = await requestTransfer(agreement());
    const t = await until(s.consumer, id, 'STARTED');
    const edr = await json(await management(s.consumer, `/v1/transfers/${id}/edr`));
    const direct = () =>
      fetch(String(edr.endpoint), { headers: { authorization: `Bearer ${String(edr.authorization)}` } });
    expect((await direct()).status).toBe(200);

    // the consumer suspends
    expect(
      (
        await management(s.consumer, `/v1/transfers/${id}/suspend`, {
          method: 'POST',
          body: '{"reason":"pause"}',
        })
      ).status,
    ).toBe(200);
    await until(s.provider, t.providerPid, 'SUSPENDED');
    const refused = await direct();
    expect(refused.status).toBe(403);
    expect((await json(refused)).error).toBe('transfer_not_started');
    // not allowed twice: 409 with the reason
    const again = await management(s.consumer, `/v1/transfers/${id}/suspend`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await json(again)).message).toMatch(/SUSPENDED/);
    // the consumer resumes
    expect((await management(s.consumer, `/v1/transfers/${id}/resume`, { method: 'POST' })).status).toBe(200);
    await until(s.provider, t.providerPid, 'STARTED');
    expect((await direct()).status).toBe(200);

    // the provider suspends and resumes
    expect(
      (await management(s.provider, `/v1/transfers/${t.providerPid}/suspend`, { method: 'POST' })).status,
    ).toBe(200);
    await until(s.consumer, id, 'SUSPENDED');
    expect((await direct()).status).toBe(403);
    expect(
      (await management(s.provider, `/v1/transfers/${t.providerPid}/resume`, { method: 'POST' })).status,
    ).toBe(200);
    await until(s.consumer, id, 'STARTED');
    const res = await proxy(id);
    expect(res.status).toBe(200);
    await res.arrayBuffer();

    // complete: data stops
    expect((await management(s.consumer, `/v1/transfers/${id}/complete`, { method: 'POST' })).status).toBe(
      200,
    );
    await until(s.provider, t.providerPid, 'COMPLETED');
    expect((await direct()).status).toBe(403);
    expect((await management(s.consumer, `/v1/transfers/${id}/terminate`, { method: 'POST' })).status).toBe(
      409,
    );
  });

  it('refreshes tokens while STARTED, not after', async () => {
    const id = await requestTransfer(agreement());
    const t = await until(s.consumer, id, 'STARTED');
    const props = Object.fromEntries(
      (
        await s.consumer.db.query<{
          data_address: { endpointProperties: { name: string; value: string }[] };
        }>('SELECT data_address FROM transfers WHERE id = $1', [id])
      ).rows[0]!.data_address.endpointProperties.map((p) => [p.name, p.value]),
    );
    const refresh = (token: string) =>
      fetch(props.refreshEndpoint!, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'refresh_token', refresh_token: token }),
      });
    const r = await refresh(props.refreshToken!);
    expect(r.status).toBe(200);
    const pair = await json(r);
    const data = await fetch(`${s.provider.urls.data}/v1/data`, {
      headers: { authorization: `Bearer ${String(pair.access_token)}` },
    });
    expect(data.status).toBe(200);
    await data.arrayBuffer();
    // rotated: the old refresh token is spent
    expect((await refresh(props.refreshToken!)).status).toBe(401);
    await management(s.provider, `/v1/transfers/${t.providerPid}/suspend`, { method: 'POST' });
    expect((await refresh(String(pair.refresh_token))).status).toBe(403);
  });

  it('refuses a bad token with 401 and a missing one with 403', async () => {
    expect(
      (await fetch(`${s.provider.urls.data}/v1/data`, { headers: { authorization: 'Bearer nope' } })).status,
    ).toBe(401);
    expect((await fetch(`${s.provider.urls.data}/v1/data`)).status).toBe(403);
  });

  it('terminates a running transfer when the consumer membership is revoked, telling the consumer why', async () => {
    const id = await requestTransfer(
      agreement([{ leftOperand: 'pontis:membership', operator: 'eq', rightOperand: true }]),
    );
    await until(s.consumer, id, 'STARTED');
    expect((await proxy(id)).status).toBe(200);
    s.p.revoked.add('urn:cred:consumer-membership');
    try {
      const t = await until(s.consumer, id, 'TERMINATED');
      expect(JSON.stringify(t.reason)).toMatch(/no longer holds/);
      expect((await proxy(id)).status).toBe(409);
    } finally {
      s.p.revoked.delete('urn:cred:consumer-membership');
    }
  });

  it('terminates running transfers of a retired agreement', async () => {
    const a = agreement();
    const id = await requestTransfer(a);
    await until(s.consumer, id, 'STARTED');
    s.p.agreements.get(a)!.retired = true;
    const t = await until(s.consumer, id, 'TERMINATED');
    expect(JSON.stringify(t.reason)).toMatch(/retired/);
  });

  it('manual mode waits for the operator', async () => {
    const id = await requestTransfer(agreement([], { manual: true }));
    const t = await eventually(async () => {
      const x = await stateOf(s.consumer, id);
      return x.providerPid ? x : undefined;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect((await stateOf(s.provider, t.providerPid)).state).toBe('REQUESTED');
    // the consumer cannot start it
    expect((await management(s.consumer, `/v1/transfers/${id}/start`, { method: 'POST' })).status).toBe(409);
    expect(
      (await management(s.provider, `/v1/transfers/${t.providerPid}/start`, { method: 'POST' })).status,
    ).toBe(200);
    await until(s.consumer, id, 'STARTED');
    const list = await json(
      await management(s.provider, `/v1/transfers?role=provider&state=STARTED&limit=500`),
    );
    expect((list.items as { id: string }[]).some((x) => x.id === t.providerPid)).toBe(true);
  });

  it('refuses a transfer under an agreement that names someone else', async () => {
    const a = agreement();
    s.p.agreements.get(a)!.consumerDid = 'did:web:someone-else.test';
    const id = await requestTransfer(a);
    // the provider refuses the request; the consumer records why and stops asking
    const t = await until(s.consumer, id, 'TERMINATED');
    expect(JSON.stringify(t)).toMatch(/refused the request.*does not name/);
    const list = await json(
      await management(s.provider, `/v1/transfers?agreementId=${encodeURIComponent(a)}`),
    );
    expect(list.total).toBe(0);
  });
});

describe('push transfer', () => {
  it('delivers byte-identical data to the consumer address, then completes', async () => {
    const id = await requestTransfer(agreement(), {
      format: 'HttpData-PUSH',
      dataAddress: {
        endpoint: `${s.origin.url}/sink/${n}`,
        endpointProperties: [
          { name: 'authorization', value: 'sink-secret' },
          { name: 'authType', value: 'bearer' },
        ],
      },
    });
    await until(s.consumer, id, 'COMPLETED');
    const got = s.origin.received.find((r) => r.url === `/sink/${n}`);
    expect(got?.headers.authorization).toBe('Bearer sink-secret');
    expect(got?.body.equals(s.origin.body)).toBe(true);
  });

  it('retries a failing destination', async () => {
    s.origin.failNextPushes(2);
    const id = await requestTransfer(agreement(), {
      format: 'HttpData-PUSH',
      dataAddress: { endpoint: `${s.origin.url}/sink/retry-${n}` },
    });
    await until(s.consumer, id, 'COMPLETED');
    // two refused attempts, then the delivery
    const got = s.origin.received.filter((r) => r.url === `/sink/retry-${n}`);
    expect(got.length).toBe(3);
    expect(got[2]!.body.equals(s.origin.body)).toBe(true);
  });
});

describe('short-lived tokens', () => {
  it('the consumer proxy refreshes the token before it expires, and data keeps flowing', async () => {
    const p = newStandIns(PROVIDER);
    const c = newStandIns(CONSUMER);
    p.participants.set(CONSUMER, membership(CONSUMER));
    c.participants.set(PROVIDER, membership(PROVIDER));
    p.dataAddresses.set('asset-1', { type: 'HttpData', baseUrl: `${s.origin.url}/data` });
    const provider = await startTransferConnector(p, {
      transfer: { tokenTtlSeconds: 10, monitorIntervalMs: 60_000 },
    });
    const consumer = await startTransferConnector(c);
    try {
      const id = 'urn:uuid:short-lived';
      const base = agreementRecord({ id, provider: PROVIDER, consumer: CONSUMER, assetId: 'asset-1' });
      p.agreements.set(id, { ...base, role: 'provider' });
      c.agreements.set(id, { ...base, role: 'consumer', counterPartyAddress: provider.urls.public });
      const res = await management(consumer, '/v1/transfers', {
        method: 'POST',
        body: JSON.stringify({ agreementId: id }),
      });
      const tid = (await json(res)).id as string;
      await eventually(
        async () => (await json(await management(consumer, `/v1/transfers/${tid}`))).state === 'STARTED',
      );
      const token = async () =>
        (
          await consumer.db.query<{
            data_address: { endpointProperties: { name: string; value: string }[] };
          }>('SELECT data_address FROM transfers WHERE id = $1', [tid])
        ).rows[0]!.data_address.endpointProperties.find((x) => x.name === 'authorization')!.value;
      const before = await token();
      // 10 s tokens are always within the 10 s refresh margin: each proxied request refreshes first
      const r = await management(consumer, `/v1/transfers/${tid}/data`);
      expect(r.status).toBe(200);
      await r.arrayBuffer();
      const after = await token();
      expect(after).not.toBe(before);
      const again = await management(consumer, `/v1/transfers/${tid}/data`);
      expect(again.status).toBe(200);
      await again.arrayBuffer();
    } finally {
      await consumer.stop();
      await provider.stop();
    }
  });
});
