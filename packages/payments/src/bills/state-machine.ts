import { IllegalTransitionError } from '../errors.js';

/**
 * The life of a request to pay (RTP), sent by a biller to a payer through the payer's FI.
 *
 * ```
 * created ──accept──▶ accepted ──pay──▶ paid      (terminal)
 *    │ └──────────────pay───────────────▶ paid      (paying implies accepting)
 *    ├──reject──▶ rejected                          (terminal)
 *    └──expire──▶ expired ◀──expire── accepted       (terminal)
 * ```
 *
 * Anything absent from {@link rtpTransitions} is illegal (`PAYMENT_ILLEGAL_TRANSITION`). A paid,
 * rejected or expired RTP never changes again; only a payment makes an RTP `paid`.
 */
export const rtpStates = ['created', 'accepted', 'rejected', 'paid', 'expired'] as const;
export type RtpState = (typeof rtpStates)[number];

export const rtpEvents = ['accept', 'reject', 'pay', 'expire'] as const;
export type RtpEvent = (typeof rtpEvents)[number];

export const rtpTransitions: Readonly<
  Record<RtpState, Readonly<Partial<Record<RtpEvent, RtpState>>>>
> = {
  created: { accept: 'accepted', reject: 'rejected', pay: 'paid', expire: 'expired' },
  accepted: { pay: 'paid', expire: 'expired' },
  rejected: {},
  paid: {},
  expired: {},
};

/** States an RTP never leaves. */
export const terminalRtpStates: ReadonlySet<RtpState> = new Set(['rejected', 'paid', 'expired']);

/** The RTP state after `event`; throws `PAYMENT_ILLEGAL_TRANSITION` when not allowed. */
export function nextRtpState(from: RtpState, event: RtpEvent): RtpState {
  const to = rtpTransitions[from][event];
  if (to === undefined) throw new IllegalTransitionError('request-to-pay', from, event);
  return to;
}

/**
 * The life of a bill payment recorded by the Payments BB.
 *
 * ```
 * pending ──funds.received──▶ recorded ──biller.ack──────▶ confirmed   (terminal)
 *  (a voucher being redeemed)      └─────biller.reject───▶ rejected    (terminal; no longer counts as paid)
 * ```
 *
 * A transfer payment starts `recorded` (the payer FI moved the money before it told us); a
 * voucher payment starts `pending` and becomes `recorded` once the voucher is redeemed (a
 * redemption that is refused deletes the pending payment, releasing the key and the amount).
 * The biller is advised of every `recorded` payment until it answers.
 */
export const billPaymentStates = ['pending', 'recorded', 'confirmed', 'rejected'] as const;
export type BillPaymentState = (typeof billPaymentStates)[number];

export const billPaymentEvents = ['funds.received', 'biller.ack', 'biller.reject'] as const;
export type BillPaymentEvent = (typeof billPaymentEvents)[number];

export const billPaymentTransitions: Readonly<
  Record<BillPaymentState, Readonly<Partial<Record<BillPaymentEvent, BillPaymentState>>>>
> = {
  pending: { 'funds.received': 'recorded' },
  recorded: { 'biller.ack': 'confirmed', 'biller.reject': 'rejected' },
  confirmed: {},
  rejected: {},
};

/** The bill payment state after `event`; throws `PAYMENT_ILLEGAL_TRANSITION` when not allowed. */
export function nextBillPaymentState(
  from: BillPaymentState,
  event: BillPaymentEvent,
): BillPaymentState {
  const to = billPaymentTransitions[from][event];
  if (to === undefined) throw new IllegalTransitionError('bill-payment', from, event);
  return to;
}
