import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluate, type Scope } from '../../../src/policy/index.js';
import { NOW, c, credential, fullContext, participant, permit } from './helpers.js';

const yes = c('purpose', 'eq', 'research');
const no = c('purpose', 'eq', 'marketing');
const na = c('count', 'lteq', 5); // not applicable in catalog scope
const gone = c('spatial', 'eq', 'DE'); // missing without a participant

function decide(constraint: unknown, scope: Scope = 'request', ctx = fullContext()) {
  return evaluate(compilePolicy(permit(constraint)), scope, ctx);
}

describe('logical constraints', () => {
  const table: { op: string; members: unknown[]; expected: boolean }[] = [
    { op: 'and', members: [yes, yes], expected: true },
    { op: 'and', members: [yes, no], expected: false },
    { op: 'or', members: [no, yes], expected: true },
    { op: 'or', members: [no, no], expected: false },
    { op: 'xone', members: [yes, no], expected: true },
    { op: 'xone', members: [yes, yes], expected: false },
    { op: 'xone', members: [no, no], expected: false },
    { op: 'andSequence', members: [yes, yes], expected: true },
    { op: 'andSequence', members: [no, yes], expected: false },
  ];
  for (const row of table) {
    it(`${row.op} of [${row.members.map((m) => (m === yes ? 'true' : 'false')).join(', ')}] is ${row.expected}`, () => {
      expect(decide({ [row.op]: row.members }).permitted).toBe(row.expected);
    });
  }
  it('andSequence stops at the first failure and says the rest was not evaluated', () => {
    const d = decide({ andSequence: [no, yes] });
    expect(d.trace.map((t) => t.outcome)).toEqual(['not-satisfied', 'not-evaluated', 'not-satisfied']);
    expect(d.trace.some((t) => t.text === 'purpose eq research')).toBe(false);
  });
  it('nested groups are traced, and reasons name the failing members only', () => {
    const d = decide({ or: [{ and: [yes, no] }, no] });
    expect(d.permitted).toBe(false);
    expect(d.trace.filter((t) => t.kind === 'atomic')).toHaveLength(3);
    expect(d.reasons).toEqual([
      "denied: the declared purpose 'research' is not equal to 'marketing' (permission 0, constraint 'purpose eq marketing')",
    ]);
  });
  it('xone explains itself when too many members hold', () => {
    const d = decide({ xone: [yes, yes] });
    expect(d.reasons[0]).toMatch(/xone: 2 of 2 satisfied; exactly one must be/);
  });
  it('a missing value inside or does not make it true', () => {
    const ctx = fullContext({ participant: undefined });
    expect(decide({ or: [gone, no] }, 'request', ctx).permitted).toBe(false);
    expect(decide({ or: [gone, yes] }, 'request', ctx).permitted).toBe(true);
  });
  it('logical constraints in a permission skip members not applicable in the scope', () => {
    expect(decide({ and: [c('spatial', 'eq', 'DE'), na] }, 'catalog').permitted).toBe(true);
    expect(decide({ and: [c('spatial', 'eq', 'FR'), na] }, 'catalog').permitted).toBe(false);
  });
  it('ordered @list members in expanded-style input work too', () => {
    expect(decide({ andSequence: { '@list': [yes, yes] } }).permitted).toBe(true);
  });
});

describe('scopes and missing values', () => {
  it('count in catalog scope does not hide a dataset, and the trace says it was skipped', () => {
    const d = decide(c('count', 'lt', 1), 'catalog', { now: NOW });
    expect(d.permitted).toBe(true);
    expect(d.trace[0]).toMatchObject({
      outcome: 'not-applicable',
      note: expect.stringMatching(/count means nothing in catalog scope/),
    });
    expect(d.reasons.join(' ')).toMatch(/was skipped/);
  });
  it('purpose binds the agreement: skipped where DSP carries no purpose, enforced per data request', () => {
    for (const scope of ['negotiation', 'transfer'] as const) {
      const d = decide(c('purpose', 'eq', 'research'), scope, { now: NOW });
      expect(d.permitted).toBe(true);
      expect(d.trace[0]).toMatchObject({ outcome: 'not-applicable' });
    }
    expect(decide(c('purpose', 'eq', 'research'), 'request', { now: NOW }).permitted).toBe(false);
    expect(
      decide(c('purpose', 'eq', 'research'), 'request', { now: NOW, purpose: 'research' }).permitted,
    ).toBe(true);
  });
  it('the same constraint is enforced in request scope', () => {
    expect(decide(c('count', 'lt', 1), 'request').permitted).toBe(false);
  });
  it('a missing context value fails and says what is missing', () => {
    const d = decide(c('purpose', 'eq', 'research'), 'request', { now: NOW });
    expect(d.permitted).toBe(false);
    expect(d.trace[0]).toMatchObject({
      outcome: 'missing',
      note: 'the requester declared no purpose (purpose)',
    });
    expect(d.reasons[0]).toBe(
      "denied: the requester declared no purpose (purpose) (permission 0, constraint 'purpose eq research')",
    );
  });
  it('each operand names the missing part of the context', () => {
    const notes = [
      c('elapsedTime', 'lt', 'P1D'),
      c('count', 'lt', 3),
      c('spatial', 'eq', 'DE'),
      c('pontis:membership', 'eq', true),
    ].map((k) => decide(k, 'request', { now: NOW }).trace[0]!.note);
    expect(notes).toEqual([
      'no agreement in the context (agreement.signedAt), so the time since the agreement is unknown',
      'the number of uses so far is unknown (usage.count)',
      'no verified participant in the context (participant)',
      'no verified participant in the context (participant)',
    ]);
  });
  it('a country the credentials disagree on is missing, not guessed', () => {
    const ctx = fullContext({
      participant: participant(
        credential(['MembershipCredential'], { countryCode: 'DE' }),
        credential(['Other'], { country: 'US' }),
      ),
    });
    const d = decide(c('spatial', 'eq', 'EU'), 'request', ctx);
    expect(d.permitted).toBe(false);
    expect(d.trace[0]!.note).toMatch(/disagree on its country \(DE, US\)/);
  });
  it('expired credentials do not count', () => {
    const expired = credential(
      ['MembershipCredential'],
      {},
      { validUntil: new Date('2026-01-01T00:00:00Z') },
    );
    expect(
      decide(
        c('pontis:membership', 'eq', true),
        'request',
        fullContext({ participant: participant(expired) }),
      ).permitted,
    ).toBe(false);
  });
  it('membership can be restricted to the data space issuers and a custom type', () => {
    const ctx = fullContext({ dataspace: { memberIssuers: ['did:web:other-authority.example'] } });
    expect(decide(c('pontis:membership', 'eq', true), 'request', ctx).permitted).toBe(false);
    const ctx2 = fullContext({
      dataspace: {
        membershipCredentialType: 'DataspaceMember',
        memberIssuers: ['did:web:authority.example'],
      },
      participant: participant(credential(['DataspaceMember'], {})),
    });
    expect(decide(c('pontis:membership', 'eq', true), 'request', ctx2).permitted).toBe(true);
  });
  it('an unknown scope, an invalid time or an unknown action deny and say why', () => {
    const p = compilePolicy(permit(yes));
    // @ts-expect-error deliberately wrong scope
    const d = evaluate(p, 'download', fullContext());
    expect(d).toMatchObject({
      permitted: false,
      decidedBy: null,
      reasons: ["denied: unknown scope 'download'; expected one of catalog, negotiation, transfer, request"],
    });
    expect(evaluate(p, 'request', { ...fullContext(), now: new Date('nope') }).reasons[0]).toMatch(
      /no valid time/,
    );
    expect(evaluate(p, 'request', fullContext(), 'teleport').reasons[0]).toBe(
      "denied: unknown action 'teleport'",
    );
  });
});

describe('actions, assignee and target', () => {
  const readOnly = compilePolicy({ '@type': 'Set', permission: [{ action: 'read' }] });
  const useAll = compilePolicy({ '@type': 'Set', permission: [{ action: 'use' }] });
  it('use includes read; read does not include use', () => {
    expect(evaluate(useAll, 'request', fullContext(), 'read').permitted).toBe(true);
    expect(evaluate(useAll, 'request', fullContext(), 'odrl:print').permitted).toBe(true);
    const d = evaluate(readOnly, 'request', fullContext(), 'use');
    expect(d.permitted).toBe(false);
    expect(d.reasons[0]).toBe("denied: no permission covers the action 'use' (the policy permits read)");
  });
  it('transfer is not use', () => {
    expect(evaluate(useAll, 'request', fullContext(), 'sell').permitted).toBe(false);
  });
  it('a rule for a named assignee does not apply to someone else', () => {
    const p = compilePolicy({
      '@type': 'Offer',
      assignee: 'did:web:other.example',
      permission: [{ action: 'use' }],
    });
    const d = evaluate(p, 'request', fullContext());
    expect(d.permitted).toBe(false);
    expect(d.reasons[0]).toMatch(
      /the participant 'did:web:consumer.example' is not the assignee 'did:web:other.example'/,
    );
    expect(evaluate(p, 'request', { now: NOW }).trace[0]!.outcome).toBe('missing');
  });
  it('a rule for another target does not apply when the caller names the asset', () => {
    const p = compilePolicy({ '@type': 'Set', permission: [{ action: 'use', target: 'urn:asset:1' }] });
    expect(evaluate(p, 'request', fullContext({ target: 'urn:asset:1' })).permitted).toBe(true);
    expect(evaluate(p, 'request', fullContext({ target: 'urn:asset:2' })).permitted).toBe(false);
  });
  it('action refinements must hold', () => {
    const p = compilePolicy({
      '@type': 'Set',
      permission: [{ action: [{ 'rdf:value': { '@id': 'odrl:use' }, 'odrl:refinement': [yes] }] }],
    });
    expect(evaluate(p, 'request', fullContext()).permitted).toBe(true);
    const d = evaluate(p, 'request', fullContext({ purpose: 'marketing' }));
    expect(d.permitted).toBe(false);
    expect(d.trace[0]!.pointer).toBe('/permission/0/action/0/odrl:refinement/0');
  });
});

describe('conflict strategies', () => {
  const policy = (conflict?: string) =>
    compilePolicy({
      '@type': 'Set',
      ...(conflict ? { 'odrl:conflict': conflict } : {}),
      permission: [{ action: 'use', constraint: [yes] }],
      prohibition: [{ action: 'use', constraint: [c('spatial', 'eq', 'DE')] }],
    });
  it('perm: the permission overrides the prohibition', () => {
    const d = evaluate(policy('perm'), 'request', fullContext());
    expect(d).toMatchObject({ permitted: true, decidedBy: { kind: 'permission', index: 0 } });
    expect(d.reasons[1]).toMatch(/conflict strategy 'perm'/);
  });
  it('prohibit: the prohibition overrides the permission', () => {
    const d = evaluate(policy('prohibit'), 'request', fullContext());
    expect(d).toMatchObject({ permitted: false, decidedBy: { kind: 'prohibition', index: 0 } });
  });
  it('invalid: the policy is void', () => {
    const d = evaluate(policy('invalid'), 'request', fullContext());
    expect(d).toMatchObject({ permitted: false, decidedBy: { kind: 'default', index: -1 } });
    expect(d.reasons[0]).toMatch(/the conflict strategy is 'invalid', so the policy is void/);
  });
  it("the default is ODRL's invalid", () => {
    const d = evaluate(policy(), 'request', fullContext());
    expect(d.permitted).toBe(false);
    expect(d.reasons[0]).toMatch(/ODRL's default when none is set/);
  });
  it('no conflict when the prohibition does not apply', () => {
    const ctx = fullContext({
      participant: participant(credential(['MembershipCredential'], { countryCode: 'FR' })),
    });
    expect(evaluate(policy(), 'request', ctx).permitted).toBe(true);
  });
  it('a prohibition that cannot be ruled out is taken to apply', () => {
    const p = compilePolicy({
      '@type': 'Set',
      'odrl:conflict': 'prohibit',
      permission: [{ action: 'use' }],
      prohibition: [{ action: 'use', constraint: [gone] }],
    });
    const d = evaluate(p, 'request', { now: NOW });
    expect(d.permitted).toBe(false);
    expect(d.reasons[1]).toMatch(/may apply and the context cannot rule it out/);
  });
  it('a prohibition with a constraint not applicable in the scope is not in effect there', () => {
    const p = compilePolicy({
      '@type': 'Set',
      'odrl:conflict': 'prohibit',
      permission: [{ action: 'use' }],
      prohibition: [{ action: 'use', constraint: [c('count', 'gt', 3)] }],
    });
    expect(evaluate(p, 'catalog', { now: NOW }).permitted).toBe(true);
    expect(evaluate(p, 'request', fullContext({ usage: { count: 3 } })).permitted).toBe(false);
  });
  it('prohibiting use prohibits read (action hierarchy)', () => {
    const p = compilePolicy({
      '@type': 'Set',
      'odrl:conflict': 'prohibit',
      permission: [{ action: 'read' }],
      prohibition: [{ action: 'use' }],
    });
    expect(evaluate(p, 'request', fullContext(), 'read').decidedBy).toMatchObject({ kind: 'prohibition' });
  });
});

describe('duties', () => {
  const notify = {
    action: [
      {
        'rdf:value': { '@id': 'pontis:notify' },
        'odrl:refinement': [c('pontis:endpoint', 'eq', { '@id': 'https://provider.example/hooks/usage' })],
      },
    ],
  };
  const deleteAfter = (d: string) => ({
    action: [{ 'rdf:value': { '@id': 'odrl:delete' }, 'odrl:refinement': [c('elapsedTime', 'lteq', d)] }],
  });
  const deleteBy = (t: string) => ({
    action: [{ 'rdf:value': { '@id': 'odrl:delete' }, 'odrl:refinement': [c('dateTime', 'lteq', t)] }],
  });
  const policy = (...duty: unknown[]) =>
    compilePolicy({ '@type': 'Set', permission: [{ action: 'use', duty }] });

  it('log, notify and delete come with the permit', () => {
    const d = evaluate(
      policy({ action: 'pontis:log' }, notify, deleteAfter('P30D')),
      'request',
      fullContext(),
    );
    expect(d.permitted).toBe(true);
    expect(d.duties).toEqual([
      {
        action: 'pontis:log',
        source: { kind: 'permission', index: 0, duty: 0 },
        description: 'log every use of the data (permission 0, duty 0)',
      },
      {
        action: 'pontis:notify',
        source: { kind: 'permission', index: 0, duty: 1 },
        endpoint: 'https://provider.example/hooks/usage',
        description: 'notify https://provider.example/hooks/usage of every use (permission 0, duty 1)',
      },
      {
        action: 'delete',
        source: { kind: 'permission', index: 0, duty: 2 },
        deadline: new Date('2026-07-05T12:00:00Z'),
        description:
          'delete the data by 2026-07-05T12:00:00.000Z, P30D after the agreement (permission 0, duty 2)',
      },
    ]);
  });
  it('before an agreement, deletion is relative to it', () => {
    const d = evaluate(policy(deleteAfter('P30D')), 'negotiation', { now: NOW });
    expect(d.duties[0]).toMatchObject({ action: 'delete', afterAgreement: 'P30D' });
  });
  it('after the deletion deadline, use is denied', () => {
    const d = evaluate(policy(deleteAfter('P5D')), 'request', fullContext());
    expect(d.permitted).toBe(false);
    expect(d.reasons[0]).toBe(
      'denied: the data had to be deleted by 2026-06-10T12:00:00.000Z, P5D after the agreement (permission 0, duty 0)',
    );
    expect(evaluate(policy(deleteBy('2026-06-01')), 'request', fullContext()).permitted).toBe(false);
    expect(evaluate(policy(deleteBy('2026-12-31')), 'request', fullContext()).duties[0]!.deadline).toEqual(
      new Date('2027-01-01T00:00:00Z'),
    );
  });
  it('in request scope without an agreement the deadline cannot be computed, so it denies', () => {
    const d = evaluate(policy(deleteAfter('P30D')), 'request', { ...fullContext(), agreement: undefined });
    expect(d.permitted).toBe(false);
    expect(d.reasons[0]).toMatch(/no agreement in the context/);
  });
  it('a duty whose condition does not hold is not returned', () => {
    const d = evaluate(policy({ action: 'pontis:log', constraint: [no] }), 'request', fullContext());
    expect(d).toMatchObject({ permitted: true, duties: [] });
  });
  it('policy obligations come with the permit and can deny when overdue', () => {
    const p = (o: unknown) =>
      compilePolicy({ '@type': 'Set', permission: [{ action: 'use' }], obligation: [o] });
    expect(evaluate(p({ action: 'pontis:log' }), 'request', fullContext()).duties[0]).toMatchObject({
      source: { kind: 'obligation', index: 0 },
    });
    const d = evaluate(p(deleteBy('2026-06-01T00:00:00Z')), 'request', fullContext());
    expect(d).toMatchObject({ permitted: false, decidedBy: { kind: 'obligation', index: 0 } });
  });
  it('duties Pontis cannot carry out are refused on write', () => {
    expect(() => policy({ action: 'compensate' })).toThrow(/'compensate' is not a duty Pontis can carry out/);
    expect(() => policy({ action: 'pontis:notify' })).toThrow(/pontis:notify needs a refinement/);
    expect(() => policy({ action: 'delete' })).toThrow(/delete needs one deadline/);
    expect(() =>
      policy({
        action: [
          {
            'rdf:value': { '@id': 'pontis:notify' },
            'odrl:refinement': [c('pontis:endpoint', 'eq', 'ftp://x')],
          },
        ],
      }),
    ).toThrow(/must be an http\(s\) URL/);
  });
});

describe('reasons', () => {
  it('say which permission and constraint denied, with both values', () => {
    const d = decide(c('count', 'lt', 3), 'request', fullContext({ usage: { count: 3 } }));
    expect(d.reasons).toEqual([
      "denied: this would be use 4 (3 so far), which is not less than 3 (permission 0, constraint 'count lt 3')",
    ]);
    expect(d.trace[0]).toMatchObject({
      leftValue: 4,
      operator: 'lt',
      rightValue: 3,
      outcome: 'not-satisfied',
    });
  });
  it('name the rule uid when it has one', () => {
    const p = compilePolicy({
      '@type': 'Set',
      permission: [{ '@id': 'urn:rule:members', action: 'use', constraint: [no] }],
    });
    expect(evaluate(p, 'request', fullContext()).reasons[0]).toMatch(
      /\(permission 0 \(urn:rule:members\), constraint/,
    );
  });
});
