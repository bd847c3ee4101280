import { IllegalTransitionError } from './errors.js';

/**
 * The life of one payment instruction. Explicit tables, no implicit moves: the engine (and the
 * stores, through compare-and-set on the expected state) only ever change a state through
 * {@link nextInstructionState}.
 *
 * ```
 *  pending ──submit──▶ submitting ──rail.paid──────▶ paid      (terminal)
 *     ▲  │                 │ ├──rail.failed──────▶ failed    (terminal)
 *     │  └─cancel▶ cancelled│ ├──rail.accepted────▶ accepted ──inquiry/callback──▶ paid | failed
 *     │                     │ ├──rail.unavailable─▶ pending   (nothing applied: safe to resubmit)
 *     │                     │ └──rail.timeout / recover ──▶ unknown
 *     │                                                          │
 *     └──────────── inquiry.not_found ◀──────────────────────────┤ (only an inquiry may lead back)
 *                                       inquiry.paid / failed / pending ──▶ paid | failed | accepted
 * ```
 *
 * The rule that prevents double payment is visible in the table: `unknown` has no `submit`
 * event. After an unknown outcome the only way back to `pending` is an inquiry that found
 * nothing under the instruction's idempotency key; and because every resubmission reuses that
 * same key, a rail that applies a request late still applies it once.
 */
export const instructionStates = [
  'pending',
  'submitting',
  'accepted',
  'unknown',
  'paid',
  'failed',
  'cancelled',
] as const;
export type InstructionState = (typeof instructionStates)[number];

export const instructionEvents = [
  'submit',
  'rail.accepted',
  'rail.paid',
  'rail.failed',
  'rail.unavailable',
  'rail.timeout',
  'recover',
  'inquiry.paid',
  'inquiry.failed',
  'inquiry.pending',
  'inquiry.not_found',
  'callback.paid',
  'callback.failed',
  'give_up',
  'cancel',
] as const;
export type InstructionEvent = (typeof instructionEvents)[number];

/** The transition table: state → event → next state. Anything absent is illegal. */
export const instructionTransitions: Readonly<
  Record<InstructionState, Readonly<Partial<Record<InstructionEvent, InstructionState>>>>
> = {
  pending: { submit: 'submitting', cancel: 'cancelled', give_up: 'failed' },
  submitting: {
    'rail.accepted': 'accepted',
    'rail.paid': 'paid',
    'rail.failed': 'failed',
    'rail.unavailable': 'pending',
    'rail.timeout': 'unknown',
    // A process that died between claiming and recording the result: the outcome is unknown.
    recover: 'unknown',
    // A callback may overtake the submit response (out-of-order delivery).
    'callback.paid': 'paid',
    'callback.failed': 'failed',
    // The rail was unavailable and the instruction has used all its attempts.
    give_up: 'failed',
  },
  accepted: {
    'inquiry.paid': 'paid',
    'inquiry.failed': 'failed',
    'callback.paid': 'paid',
    'callback.failed': 'failed',
  },
  unknown: {
    'inquiry.paid': 'paid',
    'inquiry.failed': 'failed',
    'inquiry.pending': 'accepted',
    'inquiry.not_found': 'pending',
    'callback.paid': 'paid',
    'callback.failed': 'failed',
    // The rail never applied it (inquiry: not found) and the instruction has used all its attempts.
    give_up: 'failed',
  },
  paid: {},
  failed: {},
  cancelled: {},
};

/** States an instruction never leaves. */
export const terminalInstructionStates: ReadonlySet<InstructionState> = new Set([
  'paid',
  'failed',
  'cancelled',
]);

/** The state after `event` in `from`, or `undefined` when the table does not allow it. */
export function tryInstructionTransition(
  from: InstructionState,
  event: InstructionEvent,
): InstructionState | undefined {
  return instructionTransitions[from][event];
}

/** The state after `event` in `from`; throws `PAYMENT_ILLEGAL_TRANSITION` when not allowed. */
export function nextInstructionState(
  from: InstructionState,
  event: InstructionEvent,
): InstructionState {
  const to = tryInstructionTransition(from, event);
  if (to === undefined) throw new IllegalTransitionError('instruction', from, event);
  return to;
}

/**
 * The life of a batch.
 *
 * ```
 * received ──▶ awaiting_approval ──approve (enough distinct checkers)──▶ approved ──start──▶ processing ──▶ completed
 *    └──▶ rejected (control totals)      └──reject──▶ rejected                                  │
 *                                                                         cancel (before start) └──▶ cancelled
 * ```
 */
export const batchStates = [
  'received',
  'awaiting_approval',
  'approved',
  'processing',
  'completed',
  'rejected',
  'cancelled',
] as const;
export type BatchState = (typeof batchStates)[number];

export const batchEvents = [
  'validated',
  'totals_mismatch',
  'approve',
  'reject',
  'start',
  'complete',
  'cancel',
] as const;
export type BatchEvent = (typeof batchEvents)[number];

export const batchTransitions: Readonly<
  Record<BatchState, Readonly<Partial<Record<BatchEvent, BatchState>>>>
> = {
  received: { validated: 'awaiting_approval', totals_mismatch: 'rejected' },
  awaiting_approval: { approve: 'approved', reject: 'rejected', cancel: 'cancelled' },
  approved: { start: 'processing', cancel: 'cancelled' },
  // `start` again on a processing batch is a resume after an interruption.
  processing: { start: 'processing', complete: 'completed' },
  completed: {},
  rejected: {},
  cancelled: {},
};

/** The batch state after `event`; throws `PAYMENT_ILLEGAL_TRANSITION` when not allowed. */
export function nextBatchState(from: BatchState, event: BatchEvent): BatchState {
  const to = batchTransitions[from][event];
  if (to === undefined) throw new IllegalTransitionError('batch', from, event);
  return to;
}
