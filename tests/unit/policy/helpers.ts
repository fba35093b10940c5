import type { EvaluationContext } from '../../../src/policy/index.js';
import type { VerifiedCredential, VerifiedParticipant } from '../../../src/identity/participant.js';

export const NOW = new Date('2026-06-15T12:00:00Z');

export function credential(
  types: string[],
  subject: Record<string, unknown>,
  extra: Partial<VerifiedCredential> = {},
): VerifiedCredential {
  return {
    types: ['VerifiableCredential', ...types],
    issuer: 'did:web:authority.example',
    subject: { id: 'did:web:consumer.example', ...subject },
    ...extra,
  };
}

export function participant(...credentials: VerifiedCredential[]): VerifiedParticipant {
  return { did: 'did:web:consumer.example', credentials };
}

/** A member in Germany with a research purpose, one use so far, agreement signed ten days ago. */
export function fullContext(over: Partial<EvaluationContext> = {}): EvaluationContext {
  return {
    now: NOW,
    participant: participant(credential(['MembershipCredential'], { countryCode: 'DE' })),
    agreement: { id: 'urn:uuid:agreement-1', signedAt: new Date('2026-06-05T12:00:00Z') },
    usage: { count: 1 },
    purpose: 'research',
    ...over,
  };
}

/** A Set with one permission to use, under the given constraints. */
export function permit(...constraint: unknown[]): Record<string, unknown> {
  return { '@type': 'Set', permission: [{ action: 'use', constraint }] };
}

export function c(
  leftOperand: string,
  operator: string,
  rightOperand: unknown,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { leftOperand, operator, rightOperand, ...extra };
}
