/** Every template in policies/ compiles, and shows one permit and one deny. */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EvaluationContext, Scope } from '../../../src/policy/index.js';
import { compilePolicy, evaluate } from '../../../src/policy/index.js';
import { credential, fullContext, participant } from './helpers.js';

const dir = fileURLToPath(new URL('../../../policies/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

const inCountry = (cc: string, ...types: string[]) =>
  participant(credential(['MembershipCredential', ...types], { countryCode: cc }));
const nonMember = participant(credential(['OtherCredential'], { countryCode: 'DE' }));

interface Case {
  scope: Scope;
  action?: string;
  permit: EvaluationContext;
  deny: EvaluationContext;
  why: RegExp;
}

const cases: Record<string, Case> = {
  'members-only': {
    scope: 'catalog',
    permit: fullContext(),
    deny: fullContext({ participant: nonMember }),
    why: /membership of the data space false is not equal to true/,
  },
  'eu-eea-only': {
    scope: 'negotiation',
    permit: fullContext({ participant: inCountry('NO') }),
    deny: fullContext({ participant: inCountry('US') }),
    why: /the participant's country 'US' is not part of 'EEA'/,
  },
  'research-purpose-only': {
    scope: 'request',
    permit: fullContext(),
    deny: fullContext({ purpose: 'marketing' }),
    why: /the declared purpose 'marketing' is not equal to 'research'/,
  },
  'at-most-n-uses': {
    scope: 'request',
    permit: fullContext({ usage: { count: 9 } }),
    deny: fullContext({ usage: { count: 10 } }),
    why: /this would be use 11 \(10 so far\), which is not less than or equal to 10/,
  },
  'time-window': {
    scope: 'request',
    permit: fullContext({ now: new Date('2026-06-15T12:00:00Z') }),
    deny: fullContext({ now: new Date('2027-01-01T00:00:00Z') }),
    why: /the current time 2027-01-01T00:00:00.000Z is not less than '2027-01-01T00:00:00Z'/,
  },
  'expires-n-days-after-agreement': {
    scope: 'request',
    permit: fullContext(),
    deny: fullContext({ agreement: { id: 'a', signedAt: new Date('2026-05-01T00:00:00Z') } }),
    why: /the time since the agreement '45d 12h' is not less than 'P30D'/,
  },
  'members-eea-research': {
    scope: 'transfer',
    permit: fullContext(),
    deny: fullContext({ participant: inCountry('CH') }),
    why: /the participant's country 'CH' is not part of 'EEA'/,
  },
  'members-research-or-partners-limited': {
    scope: 'request',
    permit: fullContext({ purpose: 'marketing', participant: inCountry('DE', 'PartnerCredential') }),
    deny: fullContext({ purpose: 'marketing' }),
    why: /the declared purpose 'marketing' is not equal to 'research'/,
  },
};

describe('policy templates', () => {
  it('every template has a test case', () => {
    expect(files.map((f) => f.replace(/\.json$/, '')).sort()).toEqual(Object.keys(cases).sort());
  });
  for (const file of files) {
    const name = file.replace(/\.json$/, '');
    const k = cases[name];
    it(`${name}: one permit, one deny`, () => {
      const policy = compilePolicy(JSON.parse(readFileSync(dir + file, 'utf8')));
      const ok = evaluate(policy, k!.scope, k!.permit, k!.action);
      expect(ok.reasons, ok.reasons.join('\n')).toSatisfy(() => ok.permitted);
      const no = evaluate(policy, k!.scope, k!.deny, k!.action);
      expect(no.permitted).toBe(false);
      expect(no.reasons.join('\n')).toMatch(k!.why);
    });
  }
  it('the combined template carries its duties and forbids distribution', () => {
    const policy = compilePolicy(
      JSON.parse(readFileSync(dir + 'members-research-or-partners-limited.json', 'utf8')),
    );
    const d = evaluate(policy, 'request', fullContext());
    expect(d.duties.map((x) => x.action)).toEqual(['pontis:log', 'pontis:notify', 'delete']);
    expect(d.duties[2]!.deadline).toEqual(new Date('2026-09-03T12:00:00Z'));
    expect(evaluate(policy, 'request', fullContext(), 'distribute').decidedBy).toMatchObject({
      kind: 'prohibition',
    });
    // In the catalogue nobody has used anything yet: count and elapsedTime are skipped there.
    const cat = evaluate(policy, 'catalog', { now: new Date(), participant: inCountry('DE') });
    expect(cat.permitted).toBe(true);
    expect(
      cat.trace
        .filter((t) => t.outcome === 'not-applicable' && t.kind === 'atomic')
        .map((t) => t.leftOperand),
    ).toEqual(['purpose', 'count', 'elapsedTime']);
  });
});
