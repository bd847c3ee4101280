/**
 * The headless demo: the whole journey for three personas, told as a short story.
 * Amina is approved and paid; Dara is rejected; Kofi is enrolled, then withdraws consent and is
 * left out of the next payment batch.
 */
import { GovBlocksError } from '@govblocks/core';
import {
  approveBatch,
  auditForPerson,
  consentStatus,
  createJourneyState,
  createMonthlyBatch,
  decide,
  disburse,
  formatMoney,
  giveConsent,
  giveFeedback,
  type JourneyState,
  operatorQueue,
  paymentsOf,
  performance,
  prefill,
  type Session,
  saveApplication,
  signInHeadless,
  submitApplication,
  uploadDocument,
  withdrawConsent,
} from './journey.js';
import type { Services } from './services.js';

export interface DemoResult {
  state: JourneyState;
  auditVerified: boolean;
  paid: string[];
  rejected: string[];
  excluded: string[];
  /** Messages captured: emails at the SMTP server, SMS on the console channel. */
  emails: number;
  sms: number;
}

const households: Record<string, { householdSize: number; method: string; account: string }> = {
  amina: { householdSize: 5, method: 'mobile_money', account: '+221770000001' },
  dara: { householdSize: 2, method: 'bank_account', account: 'KH0012345678' },
  kofi: { householdSize: 3, method: 'mobile_money', account: '+233200000003' },
};

/** Plays the journey; `say` receives each line of the story. Throws on any failure. */
export async function playDemo(
  services: Services,
  say: (line: string) => void = console.log,
  month = new Date().toISOString().slice(0, 7),
): Promise<DemoResult> {
  const state = createJourneyState();
  const step = (title: string) => say(`\n▸ ${title}`);
  const applicants: Record<string, Session> = {};

  step('Applicants sign in with the national identity provider (dev IdP, OpenID Connect)');
  for (const id of ['amina', 'dara', 'kofi']) {
    const session = await signInHeadless(services, id);
    applicants[id] = session;
    say(
      `  ${session.name} signed in (assurance ${session.assurance}); verified claims: name, birth date, national id`,
    );
  }

  step('They read the data agreement and consent');
  for (const session of Object.values(applicants)) {
    await giveConsent(services, session);
    const decision = await consentStatus(services, session.subject);
    say(
      `  ${session.name}: consent ${decision.allowed ? 'given' : 'NOT given'} (${decision.reason})`,
    );
  }

  step('They apply: the form is prefilled from verified claims; a document is attached');
  const applicationIds: Record<string, string> = {};
  for (const [id, session] of Object.entries(applicants)) {
    const household = households[id]!;
    const draft = await saveApplication(services, session, {
      ...prefill(session),
      householdSize: household.householdSize,
      paymentMethod: household.method,
      accountNumber: household.account,
    });
    await uploadDocument(services, session, draft.id, {
      fileName: 'residence.txt',
      contentType: 'text/plain',
      content: new TextEncoder().encode(`Certificate of residence for ${session.name}`),
    });
    const submitted = await submitApplication(services, session, draft.id);
    applicationIds[id] = submitted.id;
    say(`  ${session.name} submitted application …${submitted.id.slice(-8)} (${submitted.status})`);
  }

  step('The case operator reviews the queue');
  const operator = (await signInHeadless(services, 'olu')).context;
  const queue = await operatorQueue(services, operator);
  say(`  Olu (operator) sees ${queue.length} applications waiting`);
  const taskOf = (id: string) => queue.find((item) => item.application.id === applicationIds[id])!;
  const infoRequested = await decide(
    services,
    operator,
    taskOf('amina').task.id,
    'request_information',
    'Please confirm how many people live in your household.',
  );
  say(`  Olu asked Amina for more information (${infoRequested.status})`);
  await saveApplication(services, applicants.amina!, {
    ...(infoRequested.formData as Record<string, unknown>),
    householdSize: 6,
  });
  await submitApplication(services, applicants.amina!, applicationIds.amina!);
  say('  Amina answered: household of 6, and resubmitted');
  const [resubmitted] = await services.registration.listTasks(operator, {
    applicationId: applicationIds.amina!,
    status: 'open',
  });
  const approved = await decide(services, operator, resubmitted!.id, 'approve', 'Eligible.');
  say(`  Amina: ${approved.status}; enrolled in the beneficiary registry`);
  const rejected = await decide(
    services,
    operator,
    taskOf('dara').task.id,
    'reject',
    'Household income is above the programme threshold.',
  );
  say(`  Dara: ${rejected.status} — "${rejected.decision?.reason}"`);
  const kofi = await decide(services, operator, taskOf('kofi').task.id, 'approve', 'Eligible.');
  say(`  Kofi: ${kofi.status}; enrolled in the beneficiary registry`);

  step('Kofi withdraws his consent from his account page');
  await withdrawConsent(services, applicants.kofi!);
  const kofiConsent = await consentStatus(services, 'kofi');
  say(
    `  consent check for Kofi now: ${kofiConsent.allowed ? 'allowed' : 'refused'} (${kofiConsent.reason})`,
  );

  step(`A programme officer creates the ${month} payment batch from the registry`);
  const maker = (await signInHeadless(services, 'maya')).context;
  const checker = (await signInHeadless(services, 'chen')).context;
  const plan = await createMonthlyBatch(services, state, maker, month);
  for (const row of plan.included) say(`  + ${row.name}: ${formatMoney(row.amount)}`);
  for (const row of plan.excluded) say(`  − ${row.name}: left out (${row.reason})`);
  say(`  batch …${plan.batch.batchId.slice(-8)} is ${plan.batch.state}`);

  step('A second officer approves it (maker-checker), and it is disbursed');
  try {
    await approveBatch(services, maker, plan.batch.batchId);
    throw new Error('the maker was able to approve their own batch');
  } catch (error) {
    if (!GovBlocksError.isInstance(error)) throw error;
    say(`  Maya cannot approve her own batch (${error.code})`);
  }
  const approvedBatch = await approveBatch(services, checker, plan.batch.batchId);
  say(`  Chen approved: ${approvedBatch.state}`);
  const result = await disburse(services, maker, plan.batch.batchId);
  say(
    `  disbursed through the simulator rail: ${result.paid} paid, ${result.failed} failed, books ${result.balanced ? 'balanced' : 'NOT balanced'}`,
  );
  const aminaPayments = await paymentsOf(services, state, approved);
  say(
    `  Amina's status page: ${aminaPayments.map((p) => `${p.month} ${formatMoney(p.amount)} ${p.state}`).join(', ')}`,
  );

  step('Notifications were sent at submission, decision and payment');
  say(
    `  ${services.smtp.received.length} emails captured by the local SMTP server, ${services.sms.sent.length} SMS on the console channel`,
  );

  step('Feedback, and the public service performance page');
  await giveFeedback(services, applicants.amina!, applicationIds.amina!, 5, 'Quick and clear.');
  await giveFeedback(services, applicants.dara!, applicationIds.dara!, 3);
  const figures = await performance(services);
  const m = figures.measures;
  say(
    `  started ${m?.started}, decided ${m?.processed}, completion rate ${m?.completionRate}, median hours to decision ${m?.medianHoursToDecision}, satisfaction ${m?.satisfaction.averageRating}/5, cost per decision ${figures.costPerTransaction === null ? 'n/a' : formatMoney(figures.costPerTransaction)}`,
  );

  step('Audit: each person sees the events about them, and verifies the log');
  let auditVerified = true;
  for (const session of Object.values(applicants)) {
    const trail = await auditForPerson(services, state, session.subject);
    auditVerified &&= trail.verified;
    say(
      `  ${session.name}: ${trail.entries.length} events, checkpoint of ${trail.size} entries ${trail.verified ? 'verified (signature + inclusion proofs)' : `FAILED: ${trail.problems.join('; ')}`}; used by others ${trail.usedBy.length} ${trail.usedBy.length === 1 ? 'time' : 'times'} (${[...new Set(trail.usedBy.map((use) => use.actor))].join(', ')})`,
    );
  }

  return {
    state,
    auditVerified,
    paid: plan.included.map((row) => row.name),
    rejected: [String(rejected.formData.fullName)],
    excluded: plan.excluded.map((row) => row.name),
    emails: services.smtp.received.length,
    sms: services.sms.sent.length,
  };
}
