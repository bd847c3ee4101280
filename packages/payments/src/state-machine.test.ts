import { isGovBlocksError } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  batchEvents,
  type batchStates,
  batchTransitions,
  type InstructionState,
  instructionEvents,
  instructionStates,
  instructionTransitions,
  nextBatchState,
  nextInstructionState,
  terminalInstructionStates,
  tryInstructionTransition,
} from './state-machine.js';

describe('instruction state machine', () => {
  it('never leaves a terminal state and never reaches an illegal one, whatever the events', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...instructionEvents), { maxLength: 60 }), (events) => {
        let state: InstructionState = 'pending';
        let inquiredSinceUnknown = true;
        for (const event of events) {
          const to = tryInstructionTransition(state, event);
          if (to === undefined) {
            // An illegal event throws a typed error and changes nothing.
            expect(() => nextInstructionState(state, event)).toThrow();
            continue;
          }
          expect(terminalInstructionStates.has(state)).toBe(false);
          expect(instructionStates).toContain(to);
          // Double-payment guard: from an unknown outcome, submitting again requires an
          // inquiry that found nothing (unknown → pending is only `inquiry.not_found`).
          if (state === 'unknown')
            inquiredSinceUnknown =
              event.startsWith('inquiry.') || event.startsWith('callback.') || event === 'give_up';
          if (to === 'submitting') expect(state).toBe('pending');
          if (state === 'unknown' && to === 'pending') expect(event).toBe('inquiry.not_found');
          expect(inquiredSinceUnknown).toBe(true);
          // Paid is only reachable through a rail answer, an inquiry or a callback.
          if (to === 'paid')
            expect(['rail.paid', 'inquiry.paid', 'callback.paid']).toContain(event);
          state = to;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('has no transition out of paid, failed or cancelled', () => {
    for (const state of terminalInstructionStates)
      expect(instructionTransitions[state]).toEqual({});
  });

  it('every state is reachable from pending and every non-terminal state can end', () => {
    const reachable = new Set<InstructionState>(['pending']);
    for (let changed = true; changed; ) {
      changed = false;
      for (const from of reachable) {
        for (const to of Object.values(instructionTransitions[from])) {
          if (to && !reachable.has(to)) {
            reachable.add(to);
            changed = true;
          }
        }
      }
    }
    expect([...reachable].sort()).toEqual([...instructionStates].sort());
  });

  it('throws PAYMENT_ILLEGAL_TRANSITION for an illegal event', () => {
    try {
      nextInstructionState('paid', 'submit');
      expect.unreachable();
    } catch (error) {
      expect(isGovBlocksError(error) && error.code).toBe('PAYMENT_ILLEGAL_TRANSITION');
    }
  });
});

describe('batch state machine', () => {
  it('reaches only declared states and stops in terminal ones', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...batchEvents), { maxLength: 30 }), (events) => {
        let state: (typeof batchStates)[number] = 'received';
        for (const event of events) {
          const to: (typeof batchStates)[number] | undefined = batchTransitions[state][event];
          if (to === undefined) {
            expect(() => nextBatchState(state, event)).toThrow();
            continue;
          }
          expect(['completed', 'rejected', 'cancelled']).not.toContain(state);
          // Disbursement only after approval.
          if (to === 'processing') expect(['approved', 'processing']).toContain(state);
          state = to;
        }
      }),
    );
  });
});
