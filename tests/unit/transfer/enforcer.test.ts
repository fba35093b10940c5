/**
 * The data plane's enforcer on a real store (PGlite; PostgreSQL too when DATABASE_URL is set) with the real audit log: uses reserved in blocks
 * (leases), exact counting near a count limit, several replicas on one store, a crash, and how fast a
 * state change is seen. The clock is injected so that a lease's time runs out without waiting.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendAuditEntries, appendAuditEntry } from '../../../src/audit/log.js';
import { compilePolicy, evaluate } from '../../../src/policy/index.js';
import type { Database } from '../../../src/store/index.js';
import type { AgreementView } from '../../../src/transfer/agreements.js';
import { Enforcer, reservationBound } from '../../../src/transfer/dataplane/enforcer.js';
import type { DecisionRecord } from '../../../src/transfer/dataplane/enforcer.js';
import { EdrTokens } from '../../../src/transfer/dataplane/tokens.js';
import { storeKinds } from '../../helpers/db.js';
import { agreementRecord, membership, newStandIns, standInIdentity } from '../../helpers/transfer.js';

const PROVIDER = 'did:web:provider.test';
const CONSUMER = 'did:web:consumer.test';
const LEASE_MS = 500;

function bound(constraint: unknown, kind: 'permission' | 'prohibition' = 'permission') {
  const policy = compilePolicy({
    '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
    '@type': 'Set',
    '@id': 'urn:p',
    [kind]: [{ action: 'use', target: 'a', constraint: [constraint] }],
    ...(kind === 'prohibition' ? { permission: [{ action: 'use', target: 'a' }] } : {}),
  });
  return reservationBound(policy, evaluate(policy, 'request', { now: new Date(), usage: { count: 0 } }));
}

describe('reservationBound', () => {
  const c = (leftOperand: string, operator: string, rightOperand: unknown) => ({
    leftOperand,
    operator,
    rightOperand,
  });
  it('reserves freely without a count, up to N for "count lteq N" (N - 1 for lt)', () => {
    expect(bound(c('purpose', 'eq', 'research'))).toBe(Infinity);
    expect(bound(c('count', 'lteq', 7))).toBe(7);
    expect(bound(c('count', 'lt', 7))).toBe(6);
  });
  it('counts exactly whenever the count is used any other way', () => {
    expect(bound(c('count', 'gteq', 3))).toBe(0);
    expect(bound(c('count', 'eq', 3))).toBe(0);
    expect(bound({ or: [c('count', 'lteq', 5), c('purpose', 'eq', 'x')] })).toBe(0);
    expect(bound(c('count', 'gt', 3), 'prohibition')).toBe(0);
  });
});

interface Plane {
  enforcer: Enforcer;
  token: string;
}

describe.each(storeKinds)('Enforcer on $name', ({ open, skip }) => {
  let db: Database;
  let now: number;
  let tokens: EdrTokens;
  const agreements = new Map<string, AgreementView>();
  const planes: Enforcer[] = [];

  beforeEach(async ({ skip: skipTest }) => {
    if (skip) return skipTest('DATABASE_URL is not set');
    db = await open();
    now = Date.now();
    tokens = new EdrTokens(await standInIdentity(PROVIDER, newStandIns(PROVIDER)), {
      ttlSeconds: 3600,
      issuer: PROVIDER,
    });
  });

  afterEach(async () => {
    for (const e of planes.splice(0)) await e.close();
    await db?.close();
  });

  /** A STARTED provider transfer under an agreement with these constraints, and its token. */
  async function transfer(id: string, constraints: Record<string, unknown>[]): Promise<string> {
    const agreementId = `agr-${id}`;
    agreements.set(agreementId, {
      ...agreementRecord({
        id: agreementId,
        provider: PROVIDER,
        consumer: CONSUMER,
        assetId: 'asset',
        constraints,
      }),
      role: 'provider',
    });
    await db.query(
      `INSERT INTO transfers (id, role, provider_pid, consumer_pid, state, agreement_id, asset_id, format,
         counter_party_did, counter_party_address, participant)
       VALUES ($1, 'provider', $1, $2, 'STARTED', $3, 'asset', 'HttpData-PULL', $4, 'http://127.0.0.1:9', $5)`,
      [id, `c-${id}`, agreementId, CONSUMER, JSON.stringify(membership(CONSUMER))],
    );
    return (await tokens.issue({ transferId: id, agreementId, consumerDid: CONSUMER })).token;
  }

  /** A data plane on the shared store whose lease is trusted `leaseMs`. */
  function dataPlane(leaseMs: number): Enforcer {
    return new Enforcer({
      db,
      tokens,
      agreement: async (id) => agreements.get(id),
      dataAddress: async () => ({ type: 'HttpData', baseUrl: 'http://origin.test/' }),
      audit: { append: appendAuditEntry, appendMany: appendAuditEntries },
      leaseMs,
      now: () => new Date(now),
    });
  }

  /** One replica of the data plane on the shared store, closed after the test. */
  function replica(): Enforcer {
    const e = dataPlane(LEASE_MS);
    planes.push(e);
    return e;
  }

  /** Status of `n` concurrent requests (200 or the refusal's code). */
  async function call(p: Plane, n = 1): Promise<string[]> {
    return Promise.all(
      Array.from({ length: n }, () =>
        p.enforcer.authorize(`Bearer ${p.token}`, { path: '/' }).then(
          () => '200',
          (e: { code?: string; details?: { constraint?: string } }) =>
            `${e.code}${e.details?.constraint?.includes('count') ? ':count' : ''}`,
        ),
      ),
    );
  }

  const counted = async (transferId: string) => {
    const r = await db.query<{ t: number; a: number }>(
      `SELECT t.usage_count::int AS t, u.count::int AS a FROM transfers t
       JOIN agreement_usage u ON u.agreement_id = t.agreement_id WHERE t.id = $1`,
      [transferId],
    );
    return r.rows[0]!;
  };
  /** The decisions recorded for a transfer, in order: its `enforcement.decisions` entries' lists. */
  const recorded = async (transferId: string) =>
    (
      await db.query<{ content: { permitted: number; denied: number; decisions: DecisionRecord[] } }>(
        `SELECT content FROM audit_entries
         WHERE type = 'enforcement.decisions' AND subjects->>'transferId' = $1 ORDER BY seq`,
        [transferId],
      )
    ).rows.flatMap(({ content }) => {
      // each entry's counts agree with its list
      expect(content.permitted + content.denied).toBe(content.decisions.length);
      expect(content.decisions.filter((d) => d.decision === 'permit').length).toBe(content.permitted);
      return content.decisions;
    });
  const decisions = async (transferId: string) => (await recorded(transferId)).length;

  it('records every decision and, once its reservation is given back, counts exactly the uses', async () => {
    const token = await transfer('t-free', []);
    const p = { enforcer: replica(), token };
    const statuses = [...(await call(p, 5)), ...(await call(p, 12)), ...(await call(p, 1))];
    expect(statuses.every((s) => s === '200')).toBe(true);
    expect(await decisions('t-free')).toBe(18);
    const held = await counted('t-free');
    expect(held.a).toBeGreaterThanOrEqual(18); // reserved ahead, never fewer than used
    await p.enforcer.close();
    expect(await counted('t-free')).toEqual({ t: 18, a: 18 });
  });

  it('never lets more uses through than "count lteq N" allows, across two replicas reserving blocks', async () => {
    const token = await transfer('t-count', [{ leftOperand: 'count', operator: 'lteq', rightOperand: 300 }]);
    const a = { enforcer: replica(), token };
    const b = { enforcer: replica(), token };
    let permitted = 0;
    for (let i = 0; i < 40; i++) {
      const s = await Promise.all([call(a, 5), call(b, 5)]);
      permitted += s.flat().filter((x) => x === '200').length;
      expect(permitted).toBeLessThanOrEqual(300);
      if (i % 10 === 9) now += LEASE_MS; // leases run out now and then
    }
    // Whatever the other replica still holds comes back when its lease runs out: then every use is had.
    now += LEASE_MS;
    const last: string[] = [];
    for (
      let i = 0;
      i < 400 && !(last.at(-1)?.startsWith('policy') && last.at(-2)?.startsWith('policy'));
      i++
    ) {
      const s = (await call(i % 2 ? a : b))[0]!;
      if (s === '200') permitted++;
      last.push(s);
    }
    expect(permitted).toBe(300);
    expect(last.at(-1)).toBe('policy_denied:count');
    const denial = (await recorded('t-count')).at(-1)!;
    expect(denial).toMatchObject({ decision: 'deny', rule: 'permission[0]', usageCount: 300 });
    expect(denial.constraint).toMatch(/count lteq 300/);
    expect(denial.reasons!.length).toBeGreaterThan(0);
    expect((await counted('t-count')).a).toBe(300);
    await a.enforcer.close();
    await b.enforcer.close();
    expect(await counted('t-count')).toEqual({ t: 300, a: 300 });
  });

  it('a crash loses the uses it had reserved, and never allows more', async () => {
    const token = await transfer('t-crash', [{ leftOperand: 'count', operator: 'lteq', rightOperand: 200 }]);
    // Never closed, and its lease outlives the test: as if the process died holding it.
    const crashed = dataPlane(3_600_000);
    expect(await call({ enforcer: crashed, token }, 3)).toEqual(['200', '200', '200']);
    const reserved = (await counted('t-crash')).a;
    expect(reserved).toBeGreaterThan(3);
    const b = { enforcer: replica(), token };
    let permitted = 3;
    for (let i = 0; i < 250; i++) if ((await call(b))[0] === '200') permitted++;
    expect(permitted).toBe(200 - (reserved - 3));
    expect((await call(b))[0]).toBe('policy_denied:count');
  });

  it('sees a state change made through this process at once, and one made elsewhere when the lease runs out', async () => {
    const token = await transfer('t-state', []);
    const p = { enforcer: replica(), token };
    expect(await call(p)).toEqual(['200']);
    // another replica suspends: seen once this replica's lease has run out
    await db.query(`UPDATE transfers SET state = 'SUSPENDED' WHERE id = 't-state'`);
    now += LEASE_MS;
    expect(await call(p)).toEqual(['transfer_not_started']);
    await db.query(`UPDATE transfers SET state = 'STARTED' WHERE id = 't-state'`);
    expect(await call(p)).toEqual(['200']);
    // suspended through this process (the transfer manager calls forget in its transaction): at once
    await db.query(`UPDATE transfers SET state = 'SUSPENDED' WHERE id = 't-state'`);
    p.enforcer.forget('t-state');
    expect(await call(p)).toEqual(['transfer_not_started']);
    await p.enforcer.close();
    expect(await counted('t-state')).toEqual({ t: 2, a: 2 });
    const log = await recorded('t-state');
    expect(log.map((d) => [d.decision, d.rule, d.state ?? d.usageCount])).toEqual([
      ['permit', 'permission[0]', 0],
      ['deny', 'transfer-state', 'not-started'],
      ['permit', 'permission[0]', 1],
      ['deny', 'transfer-state', 'not-started'],
    ]);
    expect(log.every((d) => d.path === '/' && d.reasons === undefined)).toBe(true);
  });

  it('records a batch of concurrent requests as one entry per transfer, each decision listed', async () => {
    const [ta, tb] = [await transfer('t-batch-a', []), await transfer('t-batch-b', [])];
    const enforcer = replica();
    // One request each first: tokens verified and transfers looked up, so that the concurrent ones
    // below reach the queue in the same turn of the event loop (one batch), whatever the timing.
    expect([...(await call({ enforcer, token: ta })), ...(await call({ enforcer, token: tb }))]).toEqual([
      '200',
      '200',
    ]);
    const entries = async () =>
      Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM audit_entries')).rows[0]!.n);
    const before = await entries();
    const statuses = await Promise.all([call({ enforcer, token: ta }, 6), call({ enforcer, token: tb }, 3)]);
    expect(statuses.flat().every((s) => s === '200')).toBe(true);
    expect((await entries()) - before).toBe(2); // decided together: one entry per transfer
    const a = await recorded('t-batch-a');
    expect(a.map((d) => d.usageCount)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect((await recorded('t-batch-b')).map((d) => d.usageCount)).toEqual([0, 1, 2, 3]);
    expect(a.every((d) => !Number.isNaN(Date.parse(d.time)))).toBe(true);
    // the declared purpose is an input of the decision: recorded with it
    await enforcer.authorize(`Bearer ${ta}`, { path: '/x', purpose: 'research' });
    expect((await recorded('t-batch-a')).at(-1)).toMatchObject({
      path: '/x',
      purpose: 'research',
      usageCount: 7,
    });
  });
});
