import { describe, expect, it } from 'vitest';
import { TRANSFER_STATES } from '../../../src/protocol/index.js';
import type { TransferState } from '../../../src/protocol/index.js';
import { isTerminal, transition } from '../../../src/transfer/transitions.js';
import type { TransferEvent, TransferRole } from '../../../src/transfer/transitions.js';

// The expected table, written out independently of the implementation: state → event → senders allowed.
const allowed: Record<string, Partial<Record<TransferEvent, [TransferRole[], TransferState]>>> = {
  none: { request: [['consumer'], 'REQUESTED'] },
  REQUESTED: { start: [['provider'], 'STARTED'], terminate: [['provider', 'consumer'], 'TERMINATED'] },
  STARTED: {
    suspend: [['provider', 'consumer'], 'SUSPENDED'],
    complete: [['provider', 'consumer'], 'COMPLETED'],
    terminate: [['provider', 'consumer'], 'TERMINATED'],
  },
  SUSPENDED: {
    start: [['provider', 'consumer'], 'STARTED'],
    terminate: [['provider', 'consumer'], 'TERMINATED'],
  },
  COMPLETED: {},
  TERMINATED: {},
};

const events: TransferEvent[] = ['request', 'start', 'suspend', 'complete', 'terminate'];
const roles: TransferRole[] = ['provider', 'consumer'];
const states: (TransferState | null)[] = [null, ...TRANSFER_STATES];

describe('transfer transition table', () => {
  for (const from of states) {
    for (const event of events) {
      for (const by of roles) {
        const expected = allowed[from ?? 'none']![event];
        const ok = expected?.[0].includes(by) ?? false;
        it(`${from ?? 'none'} + ${event} by ${by} → ${ok ? expected![1] : 'refused'}`, () => {
          const r = transition(from, event, by);
          if (ok) expect(r).toEqual({ allowed: true, to: expected![1] });
          else {
            expect(r.allowed).toBe(false);
            if (!r.allowed) expect(r.reason).toContain(event);
          }
        });
      }
    }
  }

  it('knows the terminal states', () => {
    expect(TRANSFER_STATES.filter(isTerminal).sort()).toEqual(['COMPLETED', 'TERMINATED']);
  });

  it('names the state in a refusal', () => {
    const r = transition('SUSPENDED', 'complete', 'consumer');
    expect(r).toMatchObject({ allowed: false });
    if (!r.allowed) expect(r.reason).toMatch(/in state SUSPENDED.*allowed in: STARTED/);
  });
});
