import { describe, expect, it } from 'vitest';
import {
  MESSAGE_KINDS,
  STATES,
  TRANSITIONS,
  allowedSteps,
  next,
  onReceive,
  onStep,
  refusal,
  type NegotiationMessageKind,
  type Role,
} from '../../../src/negotiation/transitions.js';

// Written out by hand from DSP 2025-1 §"Contract Negotiation" (state machine figure and message table),
// independently of the table under test.
const EXPECTED: Record<string, string> = {
  '-|request|consumer': 'REQUESTED',
  'OFFERED|request|consumer': 'REQUESTED',
  'OFFERED|accept|consumer': 'ACCEPTED',
  'AGREED|verify|consumer': 'VERIFIED',
  '-|offer|provider': 'OFFERED',
  'REQUESTED|offer|provider': 'OFFERED',
  'REQUESTED|agree|provider': 'AGREED',
  'ACCEPTED|agree|provider': 'AGREED',
  'VERIFIED|finalize|provider': 'FINALIZED',
};
for (const s of ['REQUESTED', 'OFFERED', 'ACCEPTED', 'AGREED', 'VERIFIED']) {
  EXPECTED[`${s}|terminate|consumer`] = 'TERMINATED';
  EXPECTED[`${s}|terminate|provider`] = 'TERMINATED';
}

const ROLES: Role[] = ['consumer', 'provider'];
const FROM = [null, ...STATES] as const;

describe('negotiation transition table', () => {
  const cases = FROM.flatMap((from) =>
    MESSAGE_KINDS.flatMap((message) => ROLES.map((sender) => ({ from, message, sender }))),
  );

  it.each(cases)('$from × $message from $sender', ({ from, message, sender }) => {
    const expected = EXPECTED[`${from ?? '-'}|${message}|${sender}`];
    expect(next(from, message, sender)).toBe(expected);
  });

  it('has exactly the allowed pairs and nothing more', () => {
    expect(TRANSITIONS).toHaveLength(Object.keys(EXPECTED).length);
  });

  it('receiving is the counter-party sending; a step is this role sending', () => {
    expect(onReceive('provider', 'OFFERED', 'accept')).toBe('ACCEPTED');
    expect(onStep('provider', 'OFFERED', 'accept')).toBeUndefined();
    expect(onReceive('consumer', 'VERIFIED', 'finalize')).toBe('FINALIZED');
    expect(onStep('consumer', 'VERIFIED', 'finalize')).toBeUndefined();
    expect(onStep('consumer', 'FINALIZED', 'terminate')).toBeUndefined();
  });

  it('lists the steps each role may take', () => {
    expect(allowedSteps('provider', 'REQUESTED')).toEqual(['offer', 'agree', 'terminate']);
    expect(allowedSteps('consumer', 'OFFERED')).toEqual(['request', 'accept', 'terminate']);
    expect(allowedSteps('consumer', 'AGREED')).toEqual(['verify', 'terminate']);
    expect(allowedSteps('provider', 'VERIFIED')).toEqual(['finalize', 'terminate']);
    expect(allowedSteps('provider', 'FINALIZED')).toEqual([]);
    expect(allowedSteps('consumer', 'TERMINATED')).toEqual([]);
  });

  it('explains a refusal', () => {
    expect(refusal('provider', 'OFFERED', 'verify' as NegotiationMessageKind, 'consumer')).toMatch(
      /ContractAgreementVerificationMessage from the consumer is not allowed in state OFFERED/,
    );
    expect(refusal('provider', 'FINALIZED', 'terminate', 'consumer')).toMatch(/terminal state/);
  });
});
