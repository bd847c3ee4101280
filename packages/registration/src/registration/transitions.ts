/** Where an application is in its life. */
export const applicationStatuses = [
  'draft',
  'submitted',
  'in_review',
  'more_information_requested',
  'resubmitted',
  'payment_pending',
  'approved',
  'rejected',
  'withdrawn',
] as const;
export type ApplicationStatus = (typeof applicationStatuses)[number];

/** What can happen to an application. */
export const applicationActions = [
  'submit',
  'claim',
  'approve_step',
  'approve',
  'reject',
  'request_information',
  'resubmit',
  'withdraw',
  'request_payment',
  'confirm_payment',
] as const;
export type ApplicationAction = (typeof applicationActions)[number];

/**
 * The complete transition table. Anything not listed is illegal (`ILLEGAL_TRANSITION`):
 * - an applicant submits a draft, answers a request for information (resubmit), or withdraws
 *   before a decision;
 * - an operator claims the task of a submitted or resubmitted application (→ in review; also
 *   the next step's task of an application already in review), approves a step (more steps
 *   follow: stays in review), approves the last step, rejects, or asks for more information;
 * - a payment step asks for the e-service's fees (→ payment pending), either right after
 *   submission (the first step is a payment) or after a review step; a confirmed payment
 *   returns the application to review (the next step's task, or the approval when the payment
 *   was the last step — approval is only ever reached from `in_review`).
 * `approved`, `rejected` and `withdrawn` are final.
 */
export const transitionTable: Readonly<
  Record<ApplicationStatus, Partial<Record<ApplicationAction, ApplicationStatus>>>
> = Object.freeze({
  draft: { submit: 'submitted', withdraw: 'withdrawn' },
  submitted: { claim: 'in_review', request_payment: 'payment_pending', withdraw: 'withdrawn' },
  in_review: {
    claim: 'in_review',
    approve_step: 'in_review',
    approve: 'approved',
    reject: 'rejected',
    request_information: 'more_information_requested',
    request_payment: 'payment_pending',
    withdraw: 'withdrawn',
  },
  more_information_requested: { resubmit: 'resubmitted', withdraw: 'withdrawn' },
  resubmitted: { claim: 'in_review', withdraw: 'withdrawn' },
  payment_pending: { confirm_payment: 'in_review', withdraw: 'withdrawn' },
  approved: {},
  rejected: {},
  withdrawn: {},
});

/** The status after `action`, or `undefined` when the table does not allow it. */
export function nextStatus(
  status: ApplicationStatus,
  action: ApplicationAction,
): ApplicationStatus | undefined {
  return transitionTable[status]?.[action];
}

/** Final statuses: nothing leaves them. */
export function isFinal(status: ApplicationStatus): boolean {
  return Object.keys(transitionTable[status]).length === 0;
}
