/**
 * Policy definitions over HTTP: create (checked on write, problems with pointers), read, list with
 * paging and filters, update, delete only when no offer definition uses it, validate, and the
 * dry-run evaluation of a stored or inline policy.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningConnector } from '../../src/runtime/connector.js';
import { catalogModule } from '../../src/runtime/modules/catalog.js';
import { policiesModule } from '../../src/runtime/modules/policies.js';
import { systemModule } from '../../src/runtime/modules/system.js';
import { management, startTestConnector } from '../helpers/connector.js';

const post = (body: unknown) => ({ method: 'POST', body: JSON.stringify(body) });
const put = (body: unknown) => ({ method: 'PUT', body: JSON.stringify(body) });
const template = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../policies/${name}.json`, import.meta.url), 'utf8')) as Record<
    string,
    unknown
  >;

const member = {
  did: 'did:web:consumer.example',
  credentials: [
    {
      types: ['VerifiableCredential', 'MembershipCredential'],
      issuer: 'did:web:authority.example',
      subject: { countryCode: 'DE' },
    },
  ],
};

describe('policy definitions over HTTP', () => {
  let c: RunningConnector;
  beforeAll(async () => {
    c = await startTestConnector({}, { modules: [systemModule, policiesModule, catalogModule] });
  });
  afterAll(async () => {
    await c?.stop();
  });

  it('creates, reads, updates and lists policy definitions', async () => {
    const created = await management(
      c,
      '/v1/policies',
      post({ id: 'members', description: 'members only', policy: template('members-only') }),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({
      id: 'members',
      description: 'members only',
      type: 'Offer',
      leftOperands: ['pontis:membership'],
      actions: ['use'],
      version: 1,
    });
    const again = await management(
      c,
      '/v1/policies',
      post({ id: 'members', policy: template('members-only') }),
    );
    expect(again.status).toBe(409);

    for (const name of ['at-most-n-uses', 'time-window', 'members-eea-research']) {
      expect((await management(c, '/v1/policies', post({ id: name, policy: template(name) }))).status).toBe(
        201,
      );
    }
    const generated = await management(
      c,
      '/v1/policies',
      post({ policy: { '@type': 'Set', permission: [{ action: 'read' }] } }),
    );
    expect(generated.status).toBe(201);
    const gid = ((await generated.json()) as { id: string }).id;
    expect(gid).toMatch(/^[0-9a-f-]{36}$/);

    const got = await management(c, '/v1/policies/members');
    expect(got.status).toBe(200);
    expect(((await got.json()) as { policy: unknown }).policy).toEqual(template('members-only'));
    expect((await management(c, '/v1/policies/nope')).status).toBe(404);

    const updated = await management(
      c,
      '/v1/policies/members',
      put({ policy: template('members-eea-research') }),
    );
    expect(updated.status).toBe(200);
    expect(await updated.json()).toMatchObject({
      version: 2,
      leftOperands: ['pontis:membership', 'spatial', 'purpose'],
    });
    expect((await management(c, '/v1/policies/nope', put({ policy: template('members-only') }))).status).toBe(
      404,
    );

    const page = await management(c, '/v1/policies?limit=2&sort=-id');
    expect(await page.json()).toMatchObject({
      total: 5,
      limit: 2,
      offset: 0,
      items: [{ id: 'time-window' }, { id: 'members-eea-research' }],
    });
    const byOperand = (await (await management(c, '/v1/policies?leftOperand=spatial')).json()) as {
      items: { id: string }[];
    };
    expect(byOperand.items.map((p) => p.id)).toEqual(['members', 'members-eea-research']);
    const byAction = (await (await management(c, '/v1/policies?action=read')).json()) as {
      items: { id: string }[];
    };
    expect(byAction.items.map((p) => p.id)).toEqual([gid]);
    const byType = (await (await management(c, '/v1/policies?type=Set')).json()) as { total: number };
    expect(byType.total).toBe(1);
    const byPrefix = (await (await management(c, '/v1/policies?idPrefix=members')).json()) as {
      total: number;
    };
    expect(byPrefix.total).toBe(2);
    expect((await management(c, '/v1/policies?sort=colour')).status).toBe(400);
    expect((await management(c, '/v1/policies?limit=0')).status).toBe(400);
    const second = (await (await management(c, '/v1/policies?limit=2&offset=2&sort=id')).json()) as {
      items: { id: string }[];
    };
    expect(second.items.map((p) => p.id)).toEqual(['members', 'members-eea-research']);
  });

  it('refuses an invalid policy with a pointer into the request body, for every problem', async () => {
    const res = await management(
      c,
      '/v1/policies',
      post({
        id: 'bad',
        policy: {
          '@type': 'Offer',
          permission: [
            {
              action: 'use',
              constraint: [
                { leftOperand: 'partner', operator: 'eq', rightOperand: 'gold' },
                { leftOperand: 'dateTime', operator: 'lt', rightOperand: '2026-02-30' },
              ],
            },
          ],
        },
      }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as {
      error: string;
      details: { pointer: string; problems: { pointer: string }[] };
    };
    expect(body.error).toBe('invalid_policy');
    expect(body.details.pointer).toBe('/policy/permission/0/constraint/0/leftOperand');
    expect(body.details.problems.map((p) => p.pointer)).toEqual([
      '/policy/permission/0/constraint/0/leftOperand',
      '/policy/permission/0/constraint/1/rightOperand',
    ]);
    expect((await management(c, '/v1/policies/bad')).status).toBe(404);
    // The OpenAPI document checks the shape first.
    expect(
      (await management(c, '/v1/policies', post({ id: 'has:colon', policy: template('members-only') })))
        .status,
    ).toBe(400);
  });

  it('validates without storing', async () => {
    const ok = await management(c, '/v1/policies/validate', post({ policy: template('time-window') }));
    expect(await ok.json()).toEqual({ valid: true, problems: [] });
    const bad = await management(
      c,
      '/v1/policies/validate',
      post({ policy: { '@type': 'Set', permission: [{ action: 'fly' }] } }),
    );
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({
      valid: false,
      problems: [{ pointer: '/permission/0/action', message: expect.stringMatching(/unknown action 'fly'/) }],
    });
  });

  it('evaluates a stored or an inline policy as a dry run', async () => {
    const stored = await management(
      c,
      '/v1/policies/evaluate',
      post({
        policyId: 'members',
        scope: 'negotiation',
        context: { now: '2026-06-15T12:00:00Z', participant: member, purpose: 'research' },
      }),
    );
    expect(stored.status).toBe(200);
    const d = (await stored.json()) as {
      permitted: boolean;
      decidedBy: unknown;
      trace: { outcome: string }[];
      duties: { action: string }[];
      reasons: string[];
    };
    expect(d).toMatchObject({
      permitted: true,
      decidedBy: { kind: 'permission', index: 0 },
      duties: [{ action: 'pontis:log' }],
    });
    // purpose is declared per data request; in negotiation scope it is a term of the agreement, not checked.
    expect(d.trace.map((t) => t.outcome)).toEqual(['satisfied', 'satisfied', 'not-applicable']);

    const missing = await management(
      c,
      '/v1/policies/evaluate',
      post({ policyId: 'members', scope: 'request', context: { participant: member } }),
    );
    const m = (await missing.json()) as { permitted: boolean; reasons: string[] };
    expect(m.permitted).toBe(false);
    expect(m.reasons).toEqual([
      "denied: the requester declared no purpose (purpose) (permission 0, constraint 'purpose eq research')",
    ]);

    const inline = await management(
      c,
      '/v1/policies/evaluate',
      post({
        policy: template('expires-n-days-after-agreement'),
        scope: 'request',
        context: { now: '2026-06-15T12:00:00Z', agreement: { id: 'a1', signedAt: '2026-06-01T00:00:00Z' } },
      }),
    );
    expect(await inline.json()).toMatchObject({
      permitted: true,
      duties: [{ action: 'delete', deadline: '2026-07-01T00:00:00.000Z' }],
    });

    expect(
      (await management(c, '/v1/policies/evaluate', post({ policyId: 'nope', scope: 'request' }))).status,
    ).toBe(404);
    expect((await management(c, '/v1/policies/evaluate', post({ scope: 'request' }))).status).toBe(400);
    expect(
      (await management(c, '/v1/policies/evaluate', post({ policyId: 'members', scope: 'download' }))).status,
    ).toBe(400);
    const badInline = await management(
      c,
      '/v1/policies/evaluate',
      post({ policy: { '@type': 'Set' }, scope: 'request' }),
    );
    expect(badInline.status).toBe(400);
    expect(((await badInline.json()) as { details: { pointer: string } }).details.pointer).toBe(
      '/policy/permission',
    );
  });

  it('deletes a policy definition only when no offer definition uses it', async () => {
    const offer = await management(
      c,
      '/v1/offers',
      post({ id: 'o1', accessPolicyId: 'members', contractPolicyId: 'at-most-n-uses' }),
    );
    expect(offer.status).toBe(201);
    const refused = await management(c, '/v1/policies/members', { method: 'DELETE' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'conflict', details: { offers: ['o1'] } });
    expect((await management(c, '/v1/policies/time-window', { method: 'DELETE' })).status).toBe(204);
    expect((await management(c, '/v1/policies/time-window')).status).toBe(404);
    expect((await management(c, '/v1/offers/o1', { method: 'DELETE' })).status).toBe(204);
    expect((await management(c, '/v1/policies/members', { method: 'DELETE' })).status).toBe(204);
    expect((await management(c, '/v1/policies/members', { method: 'DELETE' })).status).toBe(404);
  });
});
