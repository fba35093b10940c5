/**
 * The provider's store on PostgreSQL (skipped unless DATABASE_URL is set): the transfer SQL, the
 * group-committed usage count under concurrency and a suspension seen by another replica at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { management } from '../helpers/connector.js';
import { openTestPostgres, postgresUrl } from '../helpers/db.js';
import {
  agreementRecord,
  eventually,
  membership,
  newStandIns,
  startOrigin,
  startTransferConnector,
} from '../helpers/transfer.js';
import type { RunningConnector } from '../helpers/transfer.js';

const PROVIDER = 'did:web:provider.test';
const CONSUMER = 'did:web:consumer.test';

describe.skipIf(!postgresUrl)('transfers on PostgreSQL (DATABASE_URL)', () => {
  let replicaA: RunningConnector;
  let replicaB: RunningConnector;
  let consumer: RunningConnector;
  let origin: Awaited<ReturnType<typeof startOrigin>>;

  beforeAll(async () => {
    origin = await startOrigin(4096);
    const p = newStandIns(PROVIDER);
    const c = newStandIns(CONSUMER);
    p.participants.set(CONSUMER, membership(CONSUMER));
    c.participants.set(PROVIDER, membership(PROVIDER));
    p.dataAddresses.set('asset', { type: 'HttpData', baseUrl: origin.url });
    const id = 'urn:uuid:pg-agreement';
    const base = agreementRecord({
      id,
      provider: PROVIDER,
      consumer: CONSUMER,
      assetId: 'asset',
      constraints: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 7 }],
    });
    p.agreements.set(id, { ...base, role: 'provider' });
    c.agreements.set(id, { ...base, role: 'consumer' });
    const db = await openTestPostgres({ max: 10 });
    // Two provider replicas on one PostgreSQL schema; the first closes (and drops) it, the second does not.
    replicaA = await startTransferConnector(p, {}, { database: db });
    replicaB = await startTransferConnector(p, {}, { database: { ...db, close: async () => undefined } });
    consumer = await startTransferConnector(c);
    c.agreements.get(id)!.counterPartyAddress = replicaA.urls.public;
  });

  afterAll(async () => {
    await consumer?.stop();
    await replicaB?.stop();
    await replicaA?.stop();
    await origin?.close();
  });

  it('counts uses exactly across replicas and sees a suspension at once', async () => {
    const res = await management(consumer, '/v1/transfers', {
      method: 'POST',
      body: JSON.stringify({ agreementId: 'urn:uuid:pg-agreement' }),
    });
    const { id } = (await res.json()) as { id: string };
    const t = await eventually(async () => {
      const x = (await (await management(consumer, `/v1/transfers/${id}`)).json()) as {
        state: string;
        providerPid: string;
      };
      return x.state === 'STARTED' ? x : undefined;
    });
    const edr = (await (await management(consumer, `/v1/transfers/${id}/edr`)).json()) as {
      endpoint: string;
      authorization: string;
    };
    const path = new URL(edr.endpoint).pathname;
    const call = async (replica: RunningConnector) => {
      const r = await fetch(replica.urls.data + path, {
        headers: { authorization: `Bearer ${edr.authorization}` },
      });
      await r.arrayBuffer();
      return r.status;
    };
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(i % 2 ? replicaA : replicaB)),
    );
    expect(statuses.filter((s) => s === 200).length).toBe(7);
    // suspend through replica A; replica B refuses the next request
    const more = await Promise.all([call(replicaB)]);
    expect(more[0]).toBe(403);
    expect(
      (await management(replicaA, `/v1/transfers/${t.providerPid}/suspend`, { method: 'POST' })).status,
    ).toBe(200);
    const r = await fetch(replicaB.urls.data + path, {
      headers: { authorization: `Bearer ${edr.authorization}` },
    });
    expect(r.status).toBe(403);
    expect(((await r.json()) as { error: string }).error).toBe('transfer_not_started');
  });
});
