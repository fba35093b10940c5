/**
 * The DSP 2025-1 contract negotiation state machine as data, in one place.
 *
 * A row says: in state `from`, the party `sender` may send message `message`, and the negotiation
 * then is in state `to` on both sides. A connector *receives* a message when the sender is the other
 * role and *takes a step* when it is the sender; both read the same table. `null` as `from` is the
 * start of a negotiation (the initial request or the provider's initial offer).
 */
import { NEGOTIATION_STATES, type NegotiationState } from '../protocol/index.js';

export type Role = 'provider' | 'consumer';
/** Every negotiation message, named by what it does (also the management API's step names). */
export type NegotiationMessageKind =
  'request' | 'offer' | 'accept' | 'agree' | 'verify' | 'finalize' | 'terminate';

export const MESSAGE_KINDS: readonly NegotiationMessageKind[] = [
  'request',
  'offer',
  'accept',
  'agree',
  'verify',
  'finalize',
  'terminate',
];

export const STATES: readonly NegotiationState[] = NEGOTIATION_STATES;
export const TERMINAL_STATES: readonly NegotiationState[] = ['FINALIZED', 'TERMINATED'];
const NON_TERMINAL = STATES.filter((s) => !TERMINAL_STATES.includes(s));

export interface Transition {
  from: NegotiationState | null;
  message: NegotiationMessageKind;
  sender: Role;
  to: NegotiationState;
}

/** The DSP message type that carries each kind. */
export const MESSAGE_TYPE: Readonly<Record<NegotiationMessageKind, string>> = {
  request: 'ContractRequestMessage',
  offer: 'ContractOfferMessage',
  accept: 'ContractNegotiationEventMessage(ACCEPTED)',
  agree: 'ContractAgreementMessage',
  verify: 'ContractAgreementVerificationMessage',
  finalize: 'ContractNegotiationEventMessage(FINALIZED)',
  terminate: 'ContractNegotiationTerminationMessage',
};

export const TRANSITIONS: readonly Transition[] = Object.freeze([
  // Consumer
  { from: null, message: 'request', sender: 'consumer', to: 'REQUESTED' },
  { from: 'OFFERED', message: 'request', sender: 'consumer', to: 'REQUESTED' },
  { from: 'OFFERED', message: 'accept', sender: 'consumer', to: 'ACCEPTED' },
  { from: 'AGREED', message: 'verify', sender: 'consumer', to: 'VERIFIED' },
  // Provider
  { from: null, message: 'offer', sender: 'provider', to: 'OFFERED' },
  { from: 'REQUESTED', message: 'offer', sender: 'provider', to: 'OFFERED' },
  { from: 'REQUESTED', message: 'agree', sender: 'provider', to: 'AGREED' },
  { from: 'ACCEPTED', message: 'agree', sender: 'provider', to: 'AGREED' },
  { from: 'VERIFIED', message: 'finalize', sender: 'provider', to: 'FINALIZED' },
  // Either side terminates from any non-terminal state.
  ...NON_TERMINAL.flatMap((from) =>
    (['consumer', 'provider'] as const).map((sender) => ({
      from,
      message: 'terminate' as const,
      sender,
      to: 'TERMINATED' as const,
    })),
  ),
]);

const other = (r: Role): Role => (r === 'provider' ? 'consumer' : 'provider');
const index = new Map(TRANSITIONS.map((t) => [`${t.from ?? ''}|${t.message}|${t.sender}`, t.to]));

/** The next state when `sender` sends `message` in `from`, or undefined when DSP does not allow it. */
export function next(
  from: NegotiationState | null,
  message: NegotiationMessageKind,
  sender: Role,
): NegotiationState | undefined {
  return index.get(`${from ?? ''}|${message}|${sender}`);
}

/** A connector in `role` receives `message` from its counter-party. */
export const onReceive = (role: Role, from: NegotiationState | null, message: NegotiationMessageKind) =>
  next(from, message, other(role));

/** A connector in `role` sends `message` itself (automatic or by hand). */
export const onStep = (role: Role, from: NegotiationState | null, message: NegotiationMessageKind) =>
  next(from, message, role);

/** Steps `role` may take in `state` (for the management API). */
export function allowedSteps(role: Role, state: NegotiationState): NegotiationMessageKind[] {
  return MESSAGE_KINDS.filter((m) => onStep(role, state, m) !== undefined);
}

/** Why a message is refused, in words an operator or a peer understands. */
export function refusal(
  role: Role,
  state: NegotiationState | null,
  message: NegotiationMessageKind,
  sender: Role,
): string {
  const what = `a ${MESSAGE_TYPE[message]} from the ${sender}`;
  if (state && TERMINAL_STATES.includes(state)) {
    return `the negotiation is ${state}, a terminal state; ${what} is not allowed`;
  }
  const allowed = MESSAGE_KINDS.filter((m) => next(state, m, sender) !== undefined).map(
    (m) => MESSAGE_TYPE[m],
  );
  return `${what} is not allowed in state ${state ?? '(none)'} (the ${sender} may send: ${allowed.join(', ') || 'nothing'}; this connector is the ${role})`;
}
