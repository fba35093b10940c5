/**
 * The DSP 2025-1 compacted form and the expanded form of the same policy give the same decisions.
 * The expanded form is produced by jsonld.js (offline, bundled DSP context) from the policy embedded
 * in a ContractRequestMessage, exactly as a peer's message would arrive after the JSON-LD fallback.
 */
import { describe, expect, it } from 'vitest';
import type { Decision, EvaluationContext, Scope } from '../../../src/policy/index.js';
import { compilePolicy, evaluate, validatePolicy } from '../../../src/policy/index.js';
import { expandOffline } from '../../../src/protocol/jsonld/jsonld.js';
import { NOW, credential, fullContext, participant } from './helpers.js';

const CONTEXT = [
  'https://w3id.org/dspace/2025/1/context.jsonld',
  { pontis: 'https://w3id.org/pontis/policy/', rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#' },
];

const policies: Record<string, Record<string, unknown>> = {
  everything: {
    '@type': 'Offer',
    '@id': 'urn:uuid:offer-1',
    'odrl:conflict': 'prohibit',
    permission: [
      {
        action: 'use',
        constraint: [
          {
            leftOperand: 'dateTime',
            operator: 'lteq',
            rightOperand: { '@value': '2026-12-31', '@type': 'xsd:date' },
          },
          { leftOperand: 'pontis:membership', operator: 'eq', rightOperand: true },
          {
            or: [
              { leftOperand: 'purpose', operator: 'isAnyOf', rightOperand: ['research', 'education'] },
              {
                leftOperand: 'pontis:credentialClaim',
                'pontis:fromCredential': 'MembershipCredential',
                'pontis:claimPath': '$.level',
                operator: 'gteq',
                rightOperand: { '@value': '2', '@type': 'xsd:integer' },
              },
            ],
          },
          {
            xone: [
              { leftOperand: 'spatial', operator: 'eq', rightOperand: 'EU' },
              { leftOperand: 'spatial', operator: 'eq', rightOperand: 'CH' },
            ],
          },
          {
            andSequence: [
              { leftOperand: 'count', operator: 'lt', rightOperand: 10 },
              {
                leftOperand: 'elapsedTime',
                operator: 'lt',
                rightOperand: { '@value': 'P90D', '@type': 'xsd:duration' },
              },
            ],
          },
        ],
        duty: [
          { action: 'pontis:log' },
          {
            action: [
              {
                'rdf:value': { '@id': 'odrl:delete' },
                'odrl:refinement': [
                  {
                    leftOperand: 'elapsedTime',
                    operator: 'lteq',
                    rightOperand: { '@value': 'P30D', '@type': 'xsd:duration' },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    prohibition: [
      { action: 'distribute' },
      {
        action: 'use',
        constraint: [
          { leftOperand: 'pontis:credentialType', operator: 'hasPart', rightOperand: 'SanctionedCredential' },
        ],
      },
    ],
  },
  defaultConflict: {
    '@type': 'Set',
    permission: [
      { action: 'read', constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 2 }] },
    ],
    prohibition: [
      {
        action: 'use',
        constraint: [{ leftOperand: 'spatial', operator: 'isNoneOf', rightOperand: ['DE', 'FR'] }],
      },
    ],
  },
};

async function expanded(policy: Record<string, unknown>): Promise<unknown> {
  const msg = {
    '@context': CONTEXT,
    '@type': 'ContractRequestMessage',
    consumerPid: 'urn:uuid:c1',
    offer: policy,
  };
  const [node] = await expandOffline(msg);
  const offer = (node!['https://w3id.org/dspace/2025/1/offer'] as unknown[])[0];
  return [offer];
}

const member = (level: number, countryCode: string, extra: string[] = []) =>
  participant(credential(['MembershipCredential', ...extra], { level, countryCode }));

const contexts: Record<string, EvaluationContext> = {
  full: fullContext({ participant: member(3, 'DE') }),
  marketingLowLevel: fullContext({ purpose: 'marketing', participant: member(1, 'DE') }),
  marketingHighLevel: fullContext({ purpose: 'marketing', participant: member(2, 'FR') }),
  swiss: fullContext({ participant: member(3, 'CH') }),
  american: fullContext({ participant: member(3, 'US') }),
  sanctioned: fullContext({ participant: member(3, 'DE', ['SanctionedCredential']) }),
  manyUses: fullContext({ usage: { count: 12 } }),
  late: fullContext({ agreement: { id: 'a', signedAt: new Date('2026-01-01T00:00:00Z') } }),
  nobody: { now: NOW },
  afterEnd: fullContext({ now: new Date('2027-01-01T00:00:00Z') }),
};

function essence(d: Decision) {
  return {
    permitted: d.permitted,
    decidedBy: d.decidedBy,
    trace: d.trace.map((t) => [
      t.kind,
      t.text,
      t.outcome,
      t.leftValue instanceof Date ? t.leftValue.toISOString() : t.leftValue,
    ]),
    duties: d.duties.map((x) => ({ ...x, description: x.description })),
    reasons: d.reasons.map((r) => r.replace(/, at [^)]*\)/g, ')')),
  };
}

describe('compacted and expanded forms', () => {
  for (const [name, policy] of Object.entries(policies)) {
    it(`${name}: same decision, trace, duties and reasons in every scope, context and action`, async () => {
      const compact = compilePolicy({ '@context': CONTEXT, ...policy });
      const exp = compilePolicy(await expanded(policy));
      expect(compact.form).toBe('compacted');
      expect(exp.form).toBe('expanded');
      let permits = 0;
      let denies = 0;
      for (const scope of ['catalog', 'negotiation', 'transfer', 'request'] as Scope[]) {
        for (const ctx of Object.values(contexts)) {
          for (const action of ['use', 'read', 'distribute']) {
            const a = evaluate(compact, scope, ctx, action);
            const b = evaluate(exp, scope, ctx, action);
            expect(essence(b)).toEqual(essence(a));
            if (a.permitted) permits++;
            else denies++;
          }
        }
      }
      // The matrix exercises both outcomes.
      expect(permits).toBeGreaterThan(0);
      expect(denies).toBeGreaterThan(0);
    });
  }

  it('the full policy permits a member and returns the delete deadline, in both forms', async () => {
    for (const p of [
      compilePolicy({ '@context': CONTEXT, ...policies.everything! }),
      compilePolicy(await expanded(policies.everything!)),
    ]) {
      const d = evaluate(p, 'request', contexts.full!);
      expect(d.permitted).toBe(true);
      expect(d.duties.map((x) => x.action)).toEqual(['pontis:log', 'delete']);
      expect(evaluate(p, 'request', contexts.sanctioned!).decidedBy).toEqual({
        kind: 'prohibition',
        index: 1,
      });
    }
  });

  it('problems in expanded form point into the expanded document', async () => {
    const bad = structuredClone(policies.defaultConflict!) as {
      permission: { constraint: { rightOperand: unknown }[] }[];
    };
    bad.permission[0]!.constraint[0]!.rightOperand = 'many';
    const v = validatePolicy(await expanded(bad));
    expect(v.problems).toEqual([
      {
        pointer:
          '/0/http:~1~1www.w3.org~1ns~1odrl~12~1permission/0/http:~1~1www.w3.org~1ns~1odrl~12~1constraint/0/http:~1~1www.w3.org~1ns~1odrl~12~1rightOperand/0',
        message: "'many' is not an xsd:integer",
      },
    ]);
  });

  it('a hand-written expanded policy with @list and full IRIs', () => {
    const O = 'http://www.w3.org/ns/odrl/2/';
    const p = compilePolicy([
      {
        '@type': [`${O}Set`],
        [`${O}permission`]: [
          {
            [`${O}action`]: [{ '@id': `${O}use` }],
            [`${O}constraint`]: [
              {
                [`${O}andSequence`]: [
                  {
                    '@list': [
                      {
                        [`${O}leftOperand`]: [{ '@id': `${O}purpose` }],
                        [`${O}operator`]: [{ '@id': `${O}eq` }],
                        [`${O}rightOperand`]: [{ '@value': 'research' }],
                      },
                      {
                        [`${O}leftOperand`]: [{ '@id': 'https://w3id.org/pontis/policy/membership' }],
                        [`${O}operator`]: [{ '@id': `${O}eq` }],
                        [`${O}rightOperand`]: [
                          { '@value': 'true', '@type': 'http://www.w3.org/2001/XMLSchema#boolean' },
                        ],
                      },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      },
    ]);
    expect(evaluate(p, 'request', fullContext()).permitted).toBe(true);
    expect(evaluate(p, 'request', fullContext({ purpose: 'other' })).permitted).toBe(false);
  });
});
