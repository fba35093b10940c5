/**
 * Two real connectors on loopback negotiate with each other over DSP 2025-1: every transition in both
 * roles, automatic and by hand, policy refusals, idempotent repeats, and every message either emits
 * validated against the official DSP schemas.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { negotiationModule } from '../../src/runtime/modules/negotiation.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { management, startTestConnector } from '../helpers/connector.js';
import { dspSchemasSkipReason, validateAgainstDsp } from '../helpers/dsp-schemas.js';
import {
  MEMBERSHIP,
  OPEN_POLICY,
  findByPeerPid,
  json,
  negtestAudit,
  negtestCatalog,
  negtestIdentity,
  negtestToken,
  offerFor,
  requestOffer,
  waitForState,
  type AuditRecord,
} from '../helpers/negotiation.js';

const OUTSIDER_PORT_MARK = 'outsider';
const offers = [
  offerFor('asset-auto'),
  offerFor('asset-manual', OPEN_POLICY, 'manual'),
  offerFor('asset-members-manual', undefined, 'manual'),
];
const providerAudit: AuditRecord[] = [];
let provider: RunningConnector;
let consumer: RunningConnector;
let outsider: RunningConnector;
const fast = { outbox: { pollMs: 50, retryBaseMs: 50, retryMaxMs: 200 } };

beforeAll(async () => {
  // The provider grants membership to everyone except the connector named "outsider".
  let outsiderDid = '';
  provider = await startTestConnector(
    { name: 'provider', ...fast },
    {
      modules: [
        systemModule,
        negtestIdentity((did) => (did === outsiderDid ? [] : [MEMBERSHIP])),
        negtestAudit(providerAudit),
        negtestCatalog(offers),
        negotiationModule,
      ],
    },
  );
  const consumerModules = [systemModule, negtestIdentity(), negtestCatalog([]), negotiationModule];
  consumer = await startTestConnector({ name: 'consumer', ...fast }, { modules: consumerModules });
  outsider = await startTestConnector({ name: OUTSIDER_PORT_MARK, ...fast }, { modules: consumerModules });
  outsiderDid = outsider.services.did;
});

afterAll(async () => {
  if (!dspSchemasSkipReason) {
    // Every message either connector sent validates against the official schemas.
    for (const c of [provider, consumer, outsider]) {
      const sent = await c.db.query<{ body: Record<string, unknown> }>(
        `SELECT body FROM negotiation_history WHERE direction = 'out' AND body IS NOT NULL`,
      );
      for (const { body } of sent.rows) {
        const r = validateAgainstDsp(String(body['@type']), body);
        expect(r.errors, `${String(body['@type'])} ${JSON.stringify(body)}`).toEqual([]);
      }
    }
  }
  await Promise.all([provider?.stop(), consumer?.stop(), outsider?.stop()]);
});

async function start(c: RunningConnector, offerIndex: number, extra: Record<string, unknown> = {}) {
  const res = await management(c, '/v1/negotiations', {
    method: 'POST',
    body: JSON.stringify({
      counterPartyAddress: provider.urls.public + '/',
      counterPartyId: provider.services.did,
      offer: requestOffer(offers[offerIndex]!),
      ...extra,
    }),
  });
  expect(res.status).toBe(201);
  return json<{ id: string; state: string; role: string }>(res);
}

async function step(c: RunningConnector, id: string, name: string, body?: unknown) {
  return management(c, `/v1/negotiations/${encodeURIComponent(id)}/${name}`, {
    method: 'POST',
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

describe('contract negotiation between two connectors', () => {
  it('reaches FINALIZED automatically: request → agreement → verification → finalized', async () => {
    const started = await start(consumer, 0);
    expect(started).toMatchObject({ role: 'consumer', state: 'REQUESTED' });
    const c = await waitForState(consumer, started.id, 'FINALIZED');
    const pid = await findByPeerPid(provider, started.id);
    const p = await waitForState(provider, pid, 'FINALIZED');
    expect(c.agreementId).toBe(p.agreementId);
    const hist = (p.history as { from: string | null; to: string; direction: string }[]).map(
      (h) => `${h.from ?? '-'}>${h.to}:${h.direction}`,
    );
    expect(hist).toEqual([
      '->REQUESTED:in',
      'REQUESTED>AGREED:out',
      'AGREED>VERIFIED:in',
      'VERIFIED>FINALIZED:out',
    ]);
    // A change and its automatic step are written together: both history rows, in order.
    const consumerHist = (
      c.history as { from: string | null; to: string; direction: string; message: string }[]
    ).map((h) => `${h.from ?? '-'}>${h.to}:${h.direction}:${h.message}`);
    expect(consumerHist).toEqual([
      '->REQUESTED:out:request',
      'REQUESTED>AGREED:in:agree',
      'AGREED>VERIFIED:out:verify',
      'VERIFIED>FINALIZED:in:finalize',
    ]);

    const [pa, ca] = await Promise.all([
      json(await management(provider, `/v1/agreements/${encodeURIComponent(String(p.agreementId))}`)),
      json(await management(consumer, `/v1/agreements/${encodeURIComponent(String(c.agreementId))}`)),
    ]);
    expect(pa.digest).toBe(ca.digest);
    expect(pa.policy).toMatchObject({
      '@type': 'Agreement',
      target: 'asset-auto',
      assigner: provider.services.did,
      assignee: consumer.services.did,
    });
    expect(pa).toMatchObject({ role: 'provider', consumerId: consumer.services.did, retired: false });
    expect(
      providerAudit.some((e) => e.type === 'agreement' && e.subjects.agreementId === p.agreementId),
    ).toBe(true);
    // The transfer process sees the agreement through the service.
    const svc = await provider.services.negotiations!.agreement(String(p.agreementId));
    expect(svc).toMatchObject({
      assetId: 'asset-auto',
      consumerDid: consumer.services.did,
      role: 'provider',
      transferMode: 'auto',
    });
    const mine = await consumer.services.negotiations!.agreement(String(c.agreementId));
    expect(mine).toMatchObject({ role: 'consumer', counterPartyAddress: provider.urls.public });

    // The initial request again, after the provider agreed in the transaction that stored it: the same
    // negotiation, and nothing of the second transaction (agreement, history, message) is kept.
    const initial = (
      await provider.db.query<{ body: Record<string, unknown> }>(
        `SELECT body FROM negotiation_history WHERE negotiation_id = $1 AND message = 'request'`,
        [pid],
      )
    ).rows[0]!.body;
    const counts = async () =>
      (
        await provider.db.query<{ a: number; h: number; o: number }>(
          `SELECT (SELECT count(*)::int FROM agreements) AS a, (SELECT count(*)::int FROM negotiation_history) AS h,
                  (SELECT count(*)::int FROM outbox) AS o`,
        )
      ).rows[0];
    const before = await counts();
    const repeated = await fetch(provider.urls.protocol + '/negotiations/request', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: negtestToken(consumer.services.did, provider.services.did),
      },
      body: JSON.stringify(initial),
    });
    expect(repeated.status).toBe(201);
    expect(await json(repeated)).toMatchObject({
      providerPid: pid,
      consumerPid: started.id,
      state: 'FINALIZED',
    });
    expect(await counts()).toEqual(before);
  });

  it('terminates a consumer the contract policy does not permit, with the policy reason', async () => {
    const started = await start(outsider, 0);
    const c = await waitForState(outsider, started.id, 'TERMINATED');
    const pid = await findByPeerPid(provider, started.id);
    const p = await waitForState(provider, pid, 'TERMINATED');
    expect(JSON.stringify(c.termination)).toMatch(/membership/);
    expect(p.termination).toMatchObject({ code: 'policy_denied' });
    const audit = providerAudit.find(
      (e) =>
        e.type === 'negotiation.transition' &&
        e.subjects.negotiationId === pid &&
        e.content.to === 'TERMINATED',
    );
    expect(JSON.stringify(audit?.content.reason)).toMatch(/membership/);
  });

  it('terminates a request whose terms differ from the offer, or for an unknown offer', async () => {
    const changed = await management(consumer, '/v1/negotiations', {
      method: 'POST',
      body: JSON.stringify({
        counterPartyAddress: provider.urls.public,
        counterPartyId: provider.services.did,
        offer: { ...requestOffer(offers[0]!), permission: [{ action: 'use' }] },
      }),
    });
    const a = await json<{ id: string }>(changed);
    const ca = await waitForState(consumer, a.id, 'TERMINATED');
    expect(ca.termination).toMatchObject({ code: 'offer_mismatch' });
    const unknown = await start(consumer, 0, {
      offer: { ...requestOffer(offers[0]!), '@id': 'CD9:asset-auto:1' },
    });
    const cu = await waitForState(consumer, unknown.id, 'TERMINATED');
    expect(cu.termination).toMatchObject({ code: 'offer_not_found' });
  });

  it('manual provider: counter-offer, consumer accepts, operator agrees and finalizes; 409 for steps not allowed', async () => {
    const started = await start(consumer, 1);
    const pid = await findByPeerPid(provider, started.id);
    const p0 = await waitForState(provider, pid, 'REQUESTED');
    expect(p0.allowedSteps).toEqual(['offer', 'agree', 'terminate']);
    const refused = await step(provider, pid, 'finalize');
    expect(refused.status).toBe(409);
    expect((await json(refused)).message).toMatch(/not allowed in state REQUESTED/);
    expect((await step(provider, pid, 'accept')).status).toBe(409);

    expect((await step(provider, pid, 'offer')).status).toBe(200);
    // The offer equals the request: the consumer accepts on its own.
    await waitForState(provider, pid, 'ACCEPTED');
    await waitForState(consumer, started.id, 'ACCEPTED');
    expect((await step(provider, pid, 'agree')).status).toBe(200);
    await waitForState(provider, pid, 'VERIFIED');
    expect((await step(provider, pid, 'finalize')).status).toBe(200);
    await waitForState(consumer, started.id, 'FINALIZED');
    await waitForState(provider, pid, 'FINALIZED');
    expect((await step(provider, pid, 'terminate')).status).toBe(409);
  });

  it('the same step taken twice at once: one is applied, the other refused with 409', async () => {
    const started = await start(consumer, 1);
    const pid = await findByPeerPid(provider, started.id);
    await waitForState(provider, pid, 'REQUESTED');
    const answers = await Promise.all([step(provider, pid, 'offer'), step(provider, pid, 'offer')]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const offered = await provider.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM negotiation_history WHERE negotiation_id = $1 AND message = 'offer'`,
      [pid],
    );
    expect(offered.rows[0]!.n).toBe(1);
    await waitForState(consumer, started.id, 'ACCEPTED');
  });

  it('manual consumer: verifies by hand; counter-request and termination by hand', async () => {
    const started = await start(consumer, 0, { manual: true });
    const c1 = await waitForState(consumer, started.id, 'AGREED');
    expect(c1.allowedSteps).toEqual(['verify', 'terminate']);
    expect((await step(consumer, started.id, 'accept')).status).toBe(409);
    expect((await step(consumer, started.id, 'verify')).status).toBe(200);
    await waitForState(consumer, started.id, 'FINALIZED');

    // A provider offer different from the request is left to the consumer's operator.
    const second = await start(consumer, 1);
    const pid = await findByPeerPid(provider, second.id);
    const counter = { ...requestOffer(offers[1]!), permission: [{ action: 'use', constraint: [] }] };
    expect((await step(provider, pid, 'offer', { offer: counter })).status).toBe(200);
    const c2 = await waitForState(consumer, second.id, 'OFFERED');
    expect(c2.allowedSteps).toEqual(['request', 'accept', 'terminate']);
    expect((await step(consumer, second.id, 'request', { offer: requestOffer(offers[1]!) })).status).toBe(
      200,
    );
    await waitForState(provider, pid, 'REQUESTED');
    expect(
      (await step(consumer, second.id, 'terminate', { code: 'changed_mind', reason: ['no longer needed'] }))
        .status,
    ).toBe(200);
    const p = await waitForState(provider, pid, 'TERMINATED');
    expect(p.termination).toMatchObject({ code: 'changed_mind', reason: ['no longer needed'] });
  });

  it('manual provider refuses by hand to agree with a consumer the policy does not permit', async () => {
    const started = await start(outsider, 2);
    const pid = await findByPeerPid(provider, started.id);
    await waitForState(provider, pid, 'REQUESTED');
    const res = await step(provider, pid, 'agree');
    expect(res.status).toBe(409);
    expect((await json(res)).message).toMatch(/does not permit/);
    expect((await step(provider, pid, 'terminate', { reason: ['not a member'] })).status).toBe(200);
    await waitForState(outsider, started.id, 'TERMINATED');
  });

  it('answers DSP errors: 404 unknown or not the counter-party, 400 for a message not allowed now, idempotent repeats', async () => {
    const started = await start(consumer, 1);
    const pid = await findByPeerPid(provider, started.id);
    await waitForState(provider, pid, 'REQUESTED');
    const dsp = (path: string, body: unknown, as = consumer) =>
      fetch(provider.urls.protocol + path, {
        method: body === undefined ? 'GET' : 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: negtestToken(as.services.did, provider.services.did),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    const get = await dsp(`/negotiations/${pid}`, undefined);
    expect(get.status).toBe(200);
    const resource = await json(get);
    expect(resource).toMatchObject({
      '@type': 'ContractNegotiation',
      state: 'REQUESTED',
      consumerPid: started.id,
    });
    if (!dspSchemasSkipReason) expect(validateAgainstDsp('ContractNegotiation', resource).errors).toEqual([]);
    expect((await dsp(`/negotiations/${pid}`, undefined, outsider)).status).toBe(404);
    expect((await dsp(`/negotiations/urn:uuid:nope`, undefined)).status).toBe(404);
    const unauth = await fetch(`${provider.urls.protocol}/negotiations/${pid}`);
    expect(unauth.status).toBe(401);

    // The initial request again: the same negotiation; another request with its consumerPid: refused.
    const initial = (
      await provider.db.query<{ body: Record<string, unknown> }>(
        `SELECT body FROM negotiation_history WHERE negotiation_id = $1 AND message = 'request'`,
        [pid],
      )
    ).rows[0]!.body;
    const repeated = await dsp('/negotiations/request', initial);
    expect(repeated.status).toBe(201);
    expect(await json(repeated)).toMatchObject({
      providerPid: pid,
      consumerPid: started.id,
      state: 'REQUESTED',
    });
    const other = await dsp('/negotiations/request', {
      ...initial,
      callbackAddress: 'http://127.0.0.1:1/other',
    });
    expect(other.status).toBe(400);
    expect(await json(other)).toMatchObject({ '@type': 'ContractNegotiationError', code: 'duplicate_pid' });
    const count = await provider.db.query(`SELECT 1 FROM negotiations WHERE consumer_pid = $1`, [started.id]);
    expect(count.rows.length).toBe(1);

    const verification = {
      '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
      '@type': 'ContractAgreementVerificationMessage',
      providerPid: pid,
      consumerPid: started.id,
    };
    const bad = await dsp(`/negotiations/${pid}/agreement/verification`, verification);
    expect(bad.status).toBe(400);
    const err = await json(bad);
    expect(err).toMatchObject({ '@type': 'ContractNegotiationError', code: 'invalid_state_transition' });
    if (!dspSchemasSkipReason) expect(validateAgainstDsp('ContractNegotiationError', err).errors).toEqual([]);

    const termination = {
      '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
      '@type': 'ContractNegotiationTerminationMessage',
      '@id': 'urn:uuid:t1',
      providerPid: pid,
      consumerPid: started.id,
      reason: [{ message: 'bye' }],
      extra: 'tolerated',
    };
    expect((await dsp(`/negotiations/${pid}/termination`, termination)).status).toBe(200);
    // The same message again is answered idempotently; another one is refused.
    expect((await dsp(`/negotiations/${pid}/termination`, termination)).status).toBe(200);
    expect(
      (await dsp(`/negotiations/${pid}/termination`, { ...termination, '@id': 'urn:uuid:t2' })).status,
    ).toBe(400);
  });

  it('terminates a negotiation whose message is not delivered before the deadline, with the reason', async () => {
    const lonely = await startTestConnector(
      { name: 'lonely', negotiation: { deadlineMs: 1000 }, ...fast },
      { modules: [systemModule, negtestIdentity(), negtestCatalog([]), negotiationModule] },
    );
    try {
      // Nothing listens there (a port of a stopped listener).
      const gone = await startTestConnector({ name: 'gone' }, { modules: [systemModule] });
      const address = gone.urls.public;
      await gone.stop();
      const res = await management(lonely, '/v1/negotiations', {
        method: 'POST',
        body: JSON.stringify({
          counterPartyAddress: address,
          counterPartyId: 'did:web:gone.example',
          offer: requestOffer(offers[0]!),
        }),
      });
      const { id } = await json<{ id: string }>(res);
      const n = await waitForState(lonely, id, 'TERMINATED');
      expect(n.termination).toMatchObject({ code: 'peer_unreachable' });
      expect(JSON.stringify(n.termination)).toMatch(/not delivered before the deadline/);
    } finally {
      await lonely.stop();
    }
  });

  it('lists and filters negotiations and agreements, and retires an agreement', async () => {
    const list = await json<{ items: { state: string; role: string }[]; total: number }>(
      await management(provider, '/v1/negotiations?state=FINALIZED&role=provider&limit=2'),
    );
    expect(list.items.length).toBeLessThanOrEqual(2);
    expect(list.total).toBeGreaterThanOrEqual(2);
    expect(list.items.every((n) => n.state === 'FINALIZED' && n.role === 'provider')).toBe(true);
    const byDataset = await json<{ items: unknown[]; total: number }>(
      await management(provider, '/v1/negotiations?datasetId=asset-manual&sort=createdAt'),
    );
    expect(byDataset.total).toBeGreaterThanOrEqual(2);

    const agreements = await json<{ items: { id: string; retired: boolean }[]; total: number }>(
      await management(
        provider,
        `/v1/agreements?counterPartyId=${encodeURIComponent(consumer.services.did)}`,
      ),
    );
    expect(agreements.total).toBeGreaterThanOrEqual(2);
    const id = agreements.items[0]!.id;
    const retired = await management(provider, `/v1/agreements/${encodeURIComponent(id)}/retire`, {
      method: 'POST',
    });
    expect(retired.status).toBe(200);
    expect(await json(retired)).toMatchObject({ retired: true });
    expect(
      (await management(provider, `/v1/agreements/${encodeURIComponent(id)}/retire`, { method: 'POST' }))
        .status,
    ).toBe(409);
    expect(await provider.services.negotiations!.agreement(id)).toMatchObject({ retired: true });
    const active = await json<{ items: { id: string }[] }>(
      await management(provider, '/v1/agreements?retired=false'),
    );
    expect(active.items.some((a) => a.id === id)).toBe(false);
  });

  it('notifies registered webhooks of every state change', async () => {
    const events: { negotiationId: string; to: string }[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        events.push(JSON.parse(body) as { negotiationId: string; to: string });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const created = await management(consumer, '/v1/negotiation-webhooks', {
      method: 'POST',
      body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook` }),
    });
    expect(created.status).toBe(201);
    const hook = await json<{ id: string }>(created);
    const started = await start(consumer, 0);
    await waitForState(consumer, started.id, 'FINALIZED');
    const until = Date.now() + 5000;
    while (events.filter((e) => e.negotiationId === started.id).length < 4 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(events.filter((e) => e.negotiationId === started.id).map((e) => e.to)).toEqual([
      'REQUESTED',
      'AGREED',
      'VERIFIED',
      'FINALIZED',
    ]);
    expect(
      (await management(consumer, `/v1/negotiation-webhooks/${hook.id}`, { method: 'DELETE' })).status,
    ).toBe(204);
    server.close();
  });
});
