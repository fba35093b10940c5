/**
 * The DSP 2025-1 transfer process state machine as data. Pure: no I/O.
 *
 * A transition is keyed by the state, the message (or local action of the same name) and the role of
 * the party that sends it. The same table serves both sides: a manager checks its own actions with its
 * own role as sender, and incoming messages with the counter-party's role.
 */
import type { TransferState } from '../protocol/index.js';

export type TransferRole = 'provider' | 'consumer';
export type TransferEvent = 'request' | 'start' | 'suspend' | 'complete' | 'terminate';

export interface TransferTransition {
  from: TransferState | null;
  event: TransferEvent;
  by: TransferRole;
  to: TransferState;
}

const BOTH: readonly TransferRole[] = ['provider', 'consumer'];

function rows(
  from: (TransferState | null)[],
  event: TransferEvent,
  by: readonly TransferRole[],
  to: TransferState,
): TransferTransition[] {
  return from.flatMap((f) => by.map((b) => ({ from: f, event, by: b, to })));
}

/** Every allowed transition; anything not listed is refused. */
export const TRANSFER_TRANSITIONS: readonly TransferTransition[] = Object.freeze([
  // The consumer asks; the process exists from then on.
  ...rows([null], 'request', ['consumer'], 'REQUESTED'),
  // The provider starts a requested transfer; either side resumes a suspended one.
  ...rows(['REQUESTED'], 'start', ['provider'], 'STARTED'),
  ...rows(['SUSPENDED'], 'start', BOTH, 'STARTED'),
  ...rows(['STARTED'], 'suspend', BOTH, 'SUSPENDED'),
  ...rows(['STARTED'], 'complete', BOTH, 'COMPLETED'),
  ...rows(['REQUESTED', 'STARTED', 'SUSPENDED'], 'terminate', BOTH, 'TERMINATED'),
]);

export const TERMINAL_STATES: readonly TransferState[] = ['COMPLETED', 'TERMINATED'];

export type TransitionResult = { allowed: true; to: TransferState } | { allowed: false; reason: string };

const index = new Map<string, TransferState>(
  TRANSFER_TRANSITIONS.map((t) => [`${t.from ?? ''}|${t.event}|${t.by}`, t.to]),
);

/** Whether `by` may send `event` while the process is in `from` (null: no process yet). */
export function transition(
  from: TransferState | null,
  event: TransferEvent,
  by: TransferRole,
): TransitionResult {
  const to = index.get(`${from ?? ''}|${event}|${by}`);
  if (to) return { allowed: true, to };
  const where = from === null ? 'before the process exists' : `in state ${from}`;
  const others = TRANSFER_TRANSITIONS.filter((t) => t.event === event && t.by === by).map(
    (t) => t.from ?? 'none',
  );
  const hint = others.length > 0 ? ` (allowed in: ${others.join(', ')})` : ' (never allowed for this role)';
  return { allowed: false, reason: `the ${by} may not ${event} a transfer ${where}${hint}` };
}

export function isTerminal(state: TransferState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** The DSP message type of each event. */
export const MESSAGE_OF_EVENT = {
  request: 'TransferRequestMessage',
  start: 'TransferStartMessage',
  suspend: 'TransferSuspensionMessage',
  complete: 'TransferCompletionMessage',
  terminate: 'TransferTerminationMessage',
} as const satisfies Record<TransferEvent, string>;
