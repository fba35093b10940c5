import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { compilePolicy, validatePolicy } from '../../../src/policy/index.js';
import { c, permit } from './helpers.js';

const C0 = '/permission/0/constraint/0';

describe('validation on write', () => {
  const table: { name: string; policy: unknown; pointer: string; message: RegExp }[] = [
    {
      name: 'unknown left operand',
      policy: permit(c('partner', 'eq', 'gold')),
      pointer: `${C0}/leftOperand`,
      message: /unknown left operand 'partner'; known: dateTime/,
    },
    {
      name: 'unknown operator',
      policy: permit(c('count', 'about', 3)),
      pointer: `${C0}/operator`,
      message: /unknown operator "about"/,
    },
    {
      name: 'term-lteq (DSP enum, not ODRL 2.2)',
      policy: permit(c('count', 'term-lteq', 3)),
      pointer: `${C0}/operator`,
      message: /unknown operator/,
    },
    {
      name: 'unknown action',
      policy: { '@type': 'Set', permission: [{ action: 'teleport' }] },
      pointer: '/permission/0/action',
      message: /unknown action 'teleport'/,
    },
    {
      name: 'deprecated ODRL action',
      policy: { '@type': 'Set', permission: [{ action: 'copy' }] },
      pointer: '/permission/0/action',
      message: /unknown action 'copy'/,
    },
    {
      name: 'duty action in a permission',
      policy: { '@type': 'Set', permission: [{ action: 'pontis:log' }] },
      pointer: '/permission/0/action',
      message: /is a duty action/,
    },
    {
      name: 'missing action',
      policy: { '@type': 'Set', permission: [{}] },
      pointer: '/permission/0/action',
      message: /needs an action/,
    },
    {
      name: 'integer operand given a decimal',
      policy: permit(c('count', 'lt', 2.5)),
      pointer: `${C0}/rightOperand`,
      message: /count needs xsd:integer, not xsd:decimal "2.5"/,
    },
    {
      name: 'integer operand given a string',
      policy: permit(c('count', 'lt', 'three')),
      pointer: `${C0}/rightOperand`,
      message: /'three' is not an xsd:integer/,
    },
    {
      name: 'typed literal of the wrong type',
      policy: permit(c('dateTime', 'lt', { '@value': '5', '@type': 'xsd:integer' })),
      pointer: `${C0}/rightOperand`,
      message: /dateTime needs xsd:dateTime or xsd:date, not xsd:integer/,
    },
    {
      name: 'malformed date',
      policy: permit(c('dateTime', 'lt', '2026-13-01T00:00:00Z')),
      pointer: `${C0}/rightOperand`,
      message: /month 13 does not exist/,
    },
    {
      name: 'impossible day',
      policy: permit(c('dateTime', 'lt', '2026-02-29')),
      pointer: `${C0}/rightOperand`,
      message: /day 29 does not exist/,
    },
    {
      name: 'not a date at all',
      policy: permit(c('dateTime', 'lt', 'next tuesday')),
      pointer: `${C0}/rightOperand`,
      message: /is not an xsd:dateTime/,
    },
    {
      name: 'weeks in a duration',
      policy: permit(c('elapsedTime', 'lt', 'P2W')),
      pointer: `${C0}/rightOperand`,
      message: /write P14D/,
    },
    {
      name: 'unknown datatype',
      policy: permit(c('count', 'lt', { '@value': '3', '@type': 'xsd:banana' })),
      pointer: `${C0}/rightOperand/@type`,
      message: /unknown datatype/,
    },
    {
      name: 'blank node area',
      policy: permit(c('spatial', 'eq', '_:EU')),
      pointer: `${C0}/rightOperand`,
      message: /is a blank node, not a named area/,
    },
    {
      name: 'unknown area',
      policy: permit(c('spatial', 'eq', 'Europe')),
      pointer: `${C0}/rightOperand`,
      message: /not an ISO 3166-1 alpha-2/,
    },
    {
      name: 'missing rightOperand',
      policy: permit({ leftOperand: 'count', operator: 'lt' }),
      pointer: `${C0}/rightOperand`,
      message: /rightOperand is required/,
    },
    {
      name: 'rightOperandReference',
      policy: permit({ leftOperand: 'count', operator: 'lt', rightOperandReference: 'https://x' }),
      pointer: `${C0}/rightOperandReference`,
      message: /not supported/,
    },
    {
      name: 'unit',
      policy: permit(c('count', 'lt', 3, { 'odrl:unit': 'x' })),
      pointer: `${C0}/odrl:unit`,
      message: /unit is not supported/,
    },
    {
      name: 'two logical operands',
      policy: permit({ and: [c('count', 'lt', 3)], or: [c('count', 'lt', 3)] }),
      pointer: C0,
      message: /exactly one of and, or, xone, andSequence/,
    },
    {
      name: 'empty logical operand',
      policy: permit({ or: [] }),
      pointer: `${C0}/or`,
      message: /needs at least one constraint/,
    },
    {
      name: 'constraint reference',
      policy: permit({ '@id': 'urn:c1' }),
      pointer: C0,
      message: /constraint references are not supported/,
    },
    {
      name: 'nested error keeps its path',
      policy: permit({ or: [c('count', 'lt', 3), { and: [c('purpose', 'lt', 'x')] }] }),
      pointer: `${C0}/or/1/and/0/operator`,
      message: /purpose does not support lt; use one of eq, neq/,
    },
    {
      name: 'unknown policy type',
      policy: { '@type': 'Contract', permission: [{ action: 'use' }] },
      pointer: '/@type',
      message: /expected Set, Offer or Agreement/,
    },
    {
      name: 'missing policy type',
      policy: { permission: [{ action: 'use' }] },
      pointer: '/@type',
      message: /@type .* is required/,
    },
    {
      name: 'empty policy',
      policy: { '@type': 'Set' },
      pointer: '/permission',
      message: /at least one permission, prohibition or obligation/,
    },
    {
      name: 'agreement without parties',
      policy: { '@type': 'Agreement', target: 'urn:t', permission: [{ action: 'use' }] },
      pointer: '/assigner',
      message: /an Agreement needs assigner/,
    },
    {
      name: 'unknown conflict strategy',
      policy: { '@type': 'Set', 'odrl:conflict': 'first', permission: [{ action: 'use' }] },
      pointer: '/odrl:conflict',
      message: /expected perm, prohibit or invalid/,
    },
    {
      name: 'conflict not in the DSP context',
      policy: { '@type': 'Set', conflict: 'perm', permission: [{ action: 'use' }] },
      pointer: '/conflict',
      message: /write 'odrl:conflict'/,
    },
    {
      name: 'inheritance',
      policy: { '@type': 'Set', inheritFrom: 'urn:p', permission: [{ action: 'use' }] },
      pointer: '/inheritFrom',
      message: /inheritance .* is not supported/,
    },
    {
      name: 'remedy',
      policy: { '@type': 'Set', prohibition: [{ action: 'use', remedy: [{ action: 'delete' }] }] },
      pointer: '/prohibition/0/remedy',
      message: /remedy is not supported/,
    },
    {
      name: 'unknown rule property',
      policy: { '@type': 'Set', permission: [{ action: 'use', constraints: [] }] },
      pointer: '/permission/0/constraints',
      message: /unknown property 'constraints'/,
    },
    {
      name: 'unknown context',
      policy: {
        '@context': 'https://example.org/ctx.jsonld',
        '@type': 'Set',
        permission: [{ action: 'use' }],
      },
      pointer: '/@context',
      message: /unknown context/,
    },
    {
      name: 'term definitions in an inline context',
      policy: {
        '@context': [{ use: 'http://example.org/anything' }],
        '@type': 'Set',
        permission: [{ action: 'use' }],
      },
      pointer: '/@context/0/use',
      message: /only prefix definitions/,
    },
    {
      name: 'party collection',
      policy: {
        '@type': 'Set',
        permission: [{ action: 'use', assignee: { '@type': 'PartyCollection', source: 'urn:x' } }],
      },
      pointer: '/permission/0/assignee',
      message: /collections are not supported/,
    },
    { name: 'not an object', policy: 'use it', pointer: '', message: /must be a JSON object/ },
  ];
  for (const row of table) {
    it(`refuses: ${row.name}`, () => {
      const v = validatePolicy(row.policy);
      expect(v.valid).toBe(false);
      expect(v.problems[0]).toEqual({ pointer: row.pointer, message: expect.stringMatching(row.message) });
    });
  }

  it('collects every problem, each with its own pointer', () => {
    const v = validatePolicy({
      '@type': 'Offer',
      permission: [
        {
          action: 'use',
          constraint: [c('partner', 'eq', 'gold'), c('dateTime', 'lteq', '2023-12-31T25:00Z')],
        },
      ],
      prohibition: [{ action: 'fly' }],
    });
    expect(v.problems.map((p) => p.pointer)).toEqual([
      '/permission/0/constraint/0/leftOperand',
      '/permission/0/constraint/1/rightOperand',
      '/prohibition/0/action',
    ]);
  });

  it('compilePolicy throws a ValidationError with the first pointer and every problem', () => {
    let err: unknown;
    try {
      compilePolicy(permit(c('count', 'lt', 'x'), c('purpose', 'gt', 'y')));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    const e = err as ValidationError;
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      "invalid policy at '/permission/0/constraint/0/rightOperand': 'x' is not an xsd:integer (and 1 more problem)",
    );
    expect(e.details).toEqual({
      pointer: '/permission/0/constraint/0/rightOperand',
      problems: [
        { pointer: '/permission/0/constraint/0/rightOperand', message: "'x' is not an xsd:integer" },
        {
          pointer: '/permission/0/constraint/1/operator',
          message: expect.stringMatching(/purpose does not support gt/),
        },
      ],
    });
  });

  it('accepts the DSP examples that use only known terms, and metadata properties', () => {
    expect(
      validatePolicy({
        '@context': 'https://w3id.org/dspace/2025/1/context.jsonld',
        '@type': 'Agreement',
        '@id': 'urn:uuid:e8dc8655-44c2-46ef-b701-4cffdc2faa44',
        target: 'urn:uuid:3dd1add4-4d2d-569e-d634-8394a8836d23',
        profile: 'https://test.com/profile',
        timestamp: '2023-01-01T01:00:00Z',
        assigner: 'http://example.com/Provider',
        assignee: 'http://example.com/Consumer',
        'dct:title': 'An agreement',
        permission: [
          {
            action: 'use',
            constraint: [{ leftOperand: 'dateTime', operator: 'lteq', rightOperand: '2023-12-31T06:00Z' }],
          },
        ],
      }),
    ).toEqual({ valid: true, problems: [] });
  });

  it('with the ODRL context, every ODRL term may be written unprefixed', () => {
    const p = {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Set',
      conflict: 'perm',
      permission: [{ action: 'use' }],
    };
    expect(validatePolicy(p)).toEqual({ valid: true, problems: [] });
    expect(compilePolicy(p).conflict).toBe('perm');
  });

  it('refuses hostile nesting instead of exhausting the stack', () => {
    let k: Record<string, unknown> = c('count', 'lt', 3);
    for (let i = 0; i < 5000; i++) k = { or: [k] };
    const v = validatePolicy(permit(k));
    expect(v.valid).toBe(false);
    expect(v.problems[0]!.message).toMatch(/nests deeper than 64 levels/);
  });

  it('never throws, whatever it is given', () => {
    for (const x of [
      null,
      undefined,
      42,
      [],
      [1, 2],
      { '@type': null },
      { '@type': 'Set', permission: 'use' },
      { '@type': 'Set', permission: [null] },
    ]) {
      expect(validatePolicy(x).valid).toBe(false);
    }
  });
});
