import { isGovBlocksError } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BillPaymentState,
  billPaymentEvents,
  billPaymentStates,
  billPaymentTransitions,
  nextBillPaymentState,
  nextRtpState,
  type RtpState,
  rtpEvents,
  rtpStates,
  rtpTransitions,
  terminalRtpStates,
} from './state-machine.js';

/** The legal moves, written out independently of the table: the table must match it exactly. */
const allowedRtpMoves = new Set([
  'created>accept>accepted',
  'created>reject>rejected',
  'created>pay>paid',
  'created>expire>expired',
  'accepted>pay>paid',
  'accepted>expire>expired',
]);

describe('request-to-pay state machine', () => {
  it('reaches no illegal state and never leaves a terminal one, whatever the events', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...rtpEvents), { maxLength: 50 }), (events) => {
        let state: RtpState = 'created';
        const visited: RtpState[] = [state];
        for (const event of events) {
          const to: RtpState | undefined = rtpTransitions[state][event];
          if (to === undefined) {
            // An illegal event throws a typed error and changes nothing.
            let code: unknown;
            try {
              nextRtpState(state, event);
            } catch (error) {
              code = isGovBlocksError(error) ? error.code : error;
            }
            expect(code).toBe('PAYMENT_ILLEGAL_TRANSITION');
            continue;
          }
          expect(allowedRtpMoves.has(`${state}>${event}>${to}`)).toBe(true);
          expect(terminalRtpStates.has(state)).toBe(false);
          // Only a payment makes an RTP paid; a rejected or expired one is never paid.
          if (to === 'paid') expect(event).toBe('pay');
          state = to;
          visited.push(state);
        }
        const paidAt = visited.indexOf('paid');
        if (paidAt >= 0) expect(visited.slice(0, paidAt)).not.toContain('rejected');
        expect(visited.filter((item) => terminalRtpStates.has(item)).length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 2000 },
    );
  });

  it('declares exactly the allowed moves and every state is reachable', () => {
    const declared = new Set<string>();
    for (const from of rtpStates)
      for (const [event, to] of Object.entries(rtpTransitions[from]))
        declared.add(`${from}>${event}>${to}`);
    expect([...declared].sort()).toEqual([...allowedRtpMoves].sort());
    const reachable = new Set(['created', ...[...declared].map((move) => move.split('>')[2])]);
    expect([...reachable].sort()).toEqual([...rtpStates].sort());
  });
});

describe('bill payment state machine', () => {
  it('moves forward only: pending → recorded → confirmed | rejected', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<BillPaymentState>('pending', 'recorded'),
        fc.array(fc.constantFrom(...billPaymentEvents), { maxLength: 20 }),
        (start, events) => {
          let state = start;
          const order = billPaymentStates.indexOf.bind(billPaymentStates);
          for (const event of events) {
            const to: BillPaymentState | undefined = billPaymentTransitions[state][event];
            if (to === undefined) {
              expect(() => nextBillPaymentState(state, event)).toThrow();
              continue;
            }
            expect(order(to)).toBeGreaterThan(order(state));
            if (to === 'confirmed') expect(event).toBe('biller.ack');
            state = to;
          }
        },
      ),
    );
  });
});
