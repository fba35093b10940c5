/**
 * Every operator with every right operand type, table-driven. The generic left operand
 * pontis:credentialClaim carries any type, so the same tables run for all of them; operand-specific
 * tables follow. Pairs that make no sense (lt on a string) must be refused on write.
 */
import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluate, validatePolicy } from '../../../src/policy/index.js';
import { NOW, c, credential, fullContext, participant, permit } from './helpers.js';

function claimPolicy(operator: string, rightOperand: unknown): Record<string, unknown> {
  return permit(
    c('pontis:credentialClaim', operator, rightOperand, {
      'pontis:fromCredential': 'TestCredential',
      'pontis:claimPath': '$.v',
    }),
  );
}

function withClaim(v: unknown) {
  return { now: NOW, participant: participant(credential(['TestCredential'], { v })) };
}

function outcome(operator: string, right: unknown, claim: unknown): boolean {
  const d = evaluate(compilePolicy(claimPolicy(operator, right)), 'request', withClaim(claim));
  expect(d.trace[0]?.outcome).toBe(d.permitted ? 'satisfied' : 'not-satisfied');
  return d.permitted;
}

const typed = (value: string, type: string) => ({ '@value': value, '@type': `xsd:${type}` });

// For each type: a right operand and left values below, equal to, and above it.
const ORDERED: { type: string; right: unknown; below: unknown; equal: unknown; above: unknown }[] = [
  {
    type: 'dateTime',
    right: typed('2026-06-01T00:00:00Z', 'dateTime'),
    below: '2026-05-31T23:59:59Z',
    equal: '2026-06-01T02:00:00+02:00',
    above: '2026-06-01T00:00:01Z',
  },
  // A date is the whole day: "equal" is any instant within it.
  {
    type: 'date',
    right: typed('2026-06-01', 'date'),
    below: '2026-05-31T23:00:00Z',
    equal: '2026-06-01T18:00:00Z',
    above: '2026-06-02',
  },
  // Durations are compared by adding them to the same instant (months stay calendar months).
  { type: 'duration', right: typed('P30D', 'duration'), below: 'P29DT23H', equal: 'PT720H', above: 'P1M1D' },
  { type: 'decimal', right: typed('2.5', 'decimal'), below: 2.49, equal: '2.50', above: 3 },
  { type: 'integer', right: 3, below: 2, equal: 3, above: 4 },
];

// expected [below, equal, above]
const ORDER_TABLE: Record<string, [boolean, boolean, boolean]> = {
  eq: [false, true, false],
  neq: [true, false, true],
  lt: [true, false, false],
  lteq: [true, true, false],
  gt: [false, false, true],
  gteq: [false, true, true],
};

describe('comparison operators on ordered types', () => {
  for (const row of ORDERED) {
    for (const [op, expected] of Object.entries(ORDER_TABLE)) {
      it(`${op} on xsd:${row.type}`, () => {
        expect([
          outcome(op, row.right, row.below),
          outcome(op, row.right, row.equal),
          outcome(op, row.right, row.above),
        ]).toEqual(expected);
      });
    }
  }
});

const UNORDERED: { type: string; right: unknown; same: unknown; other: unknown }[] = [
  { type: 'string', right: 'gold', same: 'gold', other: 'silver' },
  { type: 'string (typed)', right: typed('gold', 'string'), same: 'gold', other: 'Gold' },
  {
    type: 'IRI',
    right: { '@id': 'https://example.org/level/gold' },
    same: 'https://example.org/level/gold',
    other: 'https://example.org/level/silver',
  },
  { type: 'boolean', right: true, same: true, other: false },
];

describe('equality operators on unordered types', () => {
  for (const row of UNORDERED) {
    it(`eq / neq on ${row.type}`, () => {
      expect(outcome('eq', row.right, row.same)).toBe(true);
      expect(outcome('eq', row.right, row.other)).toBe(false);
      expect(outcome('neq', row.right, row.same)).toBe(false);
      expect(outcome('neq', row.right, row.other)).toBe(true);
    });
    if (row.type !== 'boolean') {
      it(`isA on ${row.type}`, () => {
        expect(outcome('isA', row.right, row.same)).toBe(true);
        expect(outcome('isA', row.right, row.other)).toBe(false);
      });
    }
    for (const op of ['lt', 'lteq', 'gt', 'gteq']) {
      it(`${op} on ${row.type} is refused on write`, () => {
        const v = validatePolicy(claimPolicy(op, row.right));
        expect(v.valid).toBe(false);
        expect(v.problems[0]!.pointer).toBe('/permission/0/constraint/0/rightOperand');
        expect(v.problems[0]!.message).toMatch(/ordered right operand/);
      });
    }
  }
  for (const row of ORDERED) {
    it(`isA on xsd:${row.type} is refused on write`, () => {
      expect(validatePolicy(claimPolicy('isA', row.right)).problems[0]!.message).toMatch(
        /isA needs a class name or IRI/,
      );
    });
  }
});

// Set operators: right list [a, b]; left values a, c (not listed), [a], [a, b, c].
const SETS: { type: string; a: unknown; b: unknown; la: unknown; lb: unknown; lc: unknown }[] = [
  {
    type: 'dateTime',
    a: typed('2026-01-01T00:00:00Z', 'dateTime'),
    b: typed('2026-02-01T00:00:00Z', 'dateTime'),
    la: '2026-01-01T00:00:00Z',
    lb: '2026-02-01T00:00:00Z',
    lc: '2026-03-01T00:00:00Z',
  },
  {
    type: 'date',
    a: typed('2026-01-01', 'date'),
    b: typed('2026-02-01', 'date'),
    la: '2026-01-01',
    lb: '2026-02-01T10:00:00Z',
    lc: '2026-03-01',
  },
  {
    type: 'duration',
    a: typed('P1D', 'duration'),
    b: typed('P2D', 'duration'),
    la: 'PT24H',
    lb: 'P2D',
    lc: 'P3D',
  },
  { type: 'decimal', a: typed('1.5', 'decimal'), b: typed('2.5', 'decimal'), la: 1.5, lb: '2.5', lc: 3.5 },
  { type: 'integer', a: 1, b: 2, la: 1, lb: 2, lc: 3 },
  { type: 'string', a: 'red', b: 'green', la: 'red', lb: 'green', lc: 'blue' },
  {
    type: 'IRI',
    a: { '@id': 'https://ex.org/a' },
    b: { '@id': 'https://ex.org/b' },
    la: 'https://ex.org/a',
    lb: 'https://ex.org/b',
    lc: 'https://ex.org/c',
  },
];

// expected for left = [a], c, [a] (as a list), [a, b, c]
const SET_TABLE: Record<string, [boolean, boolean, boolean, boolean]> = {
  isAnyOf: [true, false, true, true],
  isNoneOf: [false, true, false, false],
  isPartOf: [true, false, true, false],
  hasPart: [false, false, false, true],
  isAllOf: [false, false, false, true],
};

describe('set operators with lists of every type', () => {
  for (const row of SETS) {
    for (const [op, expected] of Object.entries(SET_TABLE)) {
      it(`${op} on a list of xsd:${row.type}`, () => {
        const right = [row.a, row.b];
        expect([
          outcome(op, right, row.la),
          outcome(op, right, row.lc),
          outcome(op, right, [row.la]),
          outcome(op, right, [row.la, row.lb, row.lc]),
        ]).toEqual(expected);
      });
    }
    it(`eq with a list of xsd:${row.type} is refused on write`, () => {
      expect(validatePolicy(claimPolicy('eq', [row.a, row.b])).problems[0]!.message).toMatch(
        /exactly one right operand/,
      );
    });
  }
  it('a list mixing types is refused', () => {
    const v = validatePolicy(claimPolicy('isAnyOf', ['a', 1]));
    expect(v.problems[0]).toEqual({
      pointer: '/permission/0/constraint/0/rightOperand/1',
      message: expect.stringMatching(/same type/),
    });
  });
  it('a claim of the wrong type does not satisfy (never true by default)', () => {
    expect(outcome('gt', 3, 'many')).toBe(false);
    expect(outcome('lt', typed('2026-01-01T00:00:00Z', 'dateTime'), 42)).toBe(false);
    expect(outcome('neq', 'gold', ['gold', 'silver'])).toBe(false);
  });
});

describe('left operands', () => {
  const cases: {
    name: string;
    constraint: Record<string, unknown>;
    ctx: ReturnType<typeof fullContext>;
    expected: boolean;
  }[] = [
    {
      name: 'dateTime lt (before)',
      constraint: c('dateTime', 'lt', '2026-07-01T00:00:00Z'),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'dateTime gteq (not yet)',
      constraint: c('dateTime', 'gteq', '2026-07-01T00:00:00Z'),
      ctx: fullContext(),
      expected: false,
    },
    {
      name: 'dateTime lteq a date includes that day',
      constraint: c('dateTime', 'lteq', '2026-06-15'),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'dateTime lt a date excludes that day',
      constraint: c('dateTime', 'lt', '2026-06-15'),
      ctx: fullContext(),
      expected: false,
    },
    {
      name: 'elapsedTime lt P30D after 10 days',
      constraint: c('elapsedTime', 'lt', 'P30D'),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'elapsedTime lt P7D after 10 days',
      constraint: c('elapsedTime', 'lt', 'P7D'),
      ctx: fullContext(),
      expected: false,
    },
    {
      name: 'elapsedTime gteq P1M (calendar month)',
      constraint: c('elapsedTime', 'gteq', 'P1M'),
      ctx: fullContext(),
      expected: false,
    },
    {
      name: 'count lteq 2 on the second use',
      constraint: c('count', 'lteq', 2),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'count lteq 2 on the third use',
      constraint: c('count', 'lteq', 2),
      ctx: fullContext({ usage: { count: 2 } }),
      expected: false,
    },
    {
      name: 'count isNoneOf',
      constraint: c('count', 'isNoneOf', [1, 3]),
      ctx: fullContext(),
      expected: true,
    },
    { name: 'purpose eq', constraint: c('purpose', 'eq', 'research'), ctx: fullContext(), expected: true },
    { name: 'purpose neq', constraint: c('purpose', 'neq', 'research'), ctx: fullContext(), expected: false },
    {
      name: 'purpose IRI',
      constraint: c('purpose', 'eq', { '@id': 'https://w3id.org/dpv#ResearchAndDevelopment' }),
      ctx: fullContext({ purpose: 'https://w3id.org/dpv#ResearchAndDevelopment' }),
      expected: true,
    },
    {
      name: 'spatial eq EU (inside)',
      constraint: c('spatial', 'eq', 'EU'),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'spatial isPartOf EEA for Norway',
      constraint: c('spatial', 'isPartOf', 'EEA'),
      ctx: fullContext({
        participant: participant(credential(['MembershipCredential'], { address: { addressCountry: 'NO' } })),
      }),
      expected: true,
    },
    {
      name: 'spatial eq EU for Norway',
      constraint: c('spatial', 'eq', 'EU'),
      ctx: fullContext({
        participant: participant(credential(['MembershipCredential'], { countryCode: 'NO' })),
      }),
      expected: false,
    },
    {
      name: 'spatial isNoneOf',
      constraint: c('spatial', 'isNoneOf', ['US', 'CN']),
      ctx: fullContext(),
      expected: true,
    },
    { name: 'spatial neq DE', constraint: c('spatial', 'neq', 'DE'), ctx: fullContext(), expected: false },
    {
      name: 'membership eq true',
      constraint: c('pontis:membership', 'eq', true),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'membership eq true without a membership credential',
      constraint: c('pontis:membership', 'eq', true),
      ctx: fullContext({ participant: participant(credential(['OtherCredential'], {})) }),
      expected: false,
    },
    {
      name: 'membership neq true',
      constraint: c('pontis:membership', 'neq', true),
      ctx: fullContext(),
      expected: false,
    },
    {
      name: 'credentialType hasPart',
      constraint: c('pontis:credentialType', 'hasPart', 'MembershipCredential'),
      ctx: fullContext(),
      expected: true,
    },
    {
      name: 'credentialType isAllOf',
      constraint: c('pontis:credentialType', 'isAllOf', ['MembershipCredential', 'DataProcessorCredential']),
      ctx: fullContext(),
      expected: false,
    },
    {
      name: 'credentialType isNoneOf',
      constraint: c('pontis:credentialType', 'isNoneOf', ['SanctionedCredential']),
      ctx: fullContext(),
      expected: true,
    },
  ];
  for (const k of cases) {
    it(k.name, () => {
      expect(evaluate(compilePolicy(permit(k.constraint)), 'request', k.ctx).permitted).toBe(k.expected);
    });
  }
  it('operators an operand does not support are refused with the list it does', () => {
    const v = validatePolicy(permit(c('pontis:membership', 'isAnyOf', [true])));
    expect(v.problems[0]).toEqual({
      pointer: '/permission/0/constraint/0/operator',
      message: 'pontis:membership does not support isAnyOf; use one of eq, neq',
    });
  });
  it('a claim constraint needs the credential type and a JSON path', () => {
    const v = validatePolicy(
      permit(c('pontis:credentialClaim', 'eq', 'x', { 'pontis:claimPath': 'not a path' })),
    );
    expect(v.problems.map((p) => p.pointer)).toEqual([
      '/permission/0/constraint/0/pontis:fromCredential',
      '/permission/0/constraint/0/pontis:claimPath',
    ]);
  });
  it('reads nested claims by path', () => {
    const p = compilePolicy(
      permit(
        c('pontis:credentialClaim', 'eq', 'gold', {
          'pontis:fromCredential': 'MembershipCredential',
          'pontis:claimPath': '$.memberOf[0].level',
        }),
      ),
    );
    const ctx = {
      now: NOW,
      participant: participant(credential(['MembershipCredential'], { memberOf: [{ level: 'gold' }] })),
    };
    expect(evaluate(p, 'catalog', ctx).permitted).toBe(true);
  });
});
