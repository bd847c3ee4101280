/**
 * The cash-transfer journey as plain async functions over the composed services: the web UI
 * (`app.ts`) and the headless demo (`main.ts`) call the same functions, so what the demo proves
 * is what the pages do.
 */
import {
  type AuditEntry,
  hashesEqual,
  hashLeaf,
  verifyCheckpoint,
  verifyInclusion,
  verifyStore,
} from '@govblocks/audit';
import type { ConsentDecision } from '@govblocks/consent';
import { type ActorContext, ForbiddenError, GovBlocksError, hasRole } from '@govblocks/core';
import type { VerifiedSubject } from '@govblocks/identity';
import { followAuthorization } from '@govblocks/identity/dev-idp';
import type { Batch, Instruction } from '@govblocks/payments';
import {
  type Application,
  collectServiceMeasures,
  type PersonalDataUsage,
  type RegistryRecord,
  type ServiceMeasures,
  type Task,
} from '@govblocks/registration';
import { programme, roles, type Services, serviceContext, staff } from './services.js';

/** Who is signed in, as the journey needs it. */
export interface Session {
  context: ActorContext;
  /** The identity provider's subject (`sub`). */
  subject: string;
  name: string;
  /** Verified claims, used to prefill the application. */
  claims: {
    name?: string;
    birthdate?: string;
    nationalId?: string;
    phone?: string;
    email?: string;
  };
  assurance: string;
  /** `applicant`, or the staff title. */
  title: string;
}

/** What the journey remembers between steps (batches made this run). */
export interface JourneyState {
  batches: Array<{ batchId: string; month: string }>;
}

export function createJourneyState(): JourneyState {
  return { batches: [] };
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Turns the identity block's verified subject into a session (roles from the staff directory). */
export function sessionFromSubject(subject: VerifiedSubject): Session {
  const member = staff[subject.subject];
  const claims = subject.claims as Record<string, unknown>;
  return {
    context: {
      actor: {
        type: member ? 'operator' : 'person',
        id: subject.subject,
        roles: member ? [...member.roles] : [],
      },
    },
    subject: subject.subject,
    name: text(claims.name) ?? subject.subject,
    claims: {
      name: text(claims.name),
      birthdate: text(claims.birthdate),
      nationalId: text(claims.individual_id),
      phone: text(claims.phone_number),
      email: text(claims.email),
    },
    assurance: subject.assurance.level,
    title: member?.title ?? 'Applicant',
  };
}

/** The claims the service asks the identity provider for. */
export const signInClaims = {
  userinfo: {
    name: { essential: true },
    birthdate: { essential: true },
    individual_id: { essential: true },
    phone_number: null,
    email: null,
  },
};

/** Signs a persona in headlessly: the dev IdP's non-interactive login plays the browser. */
export async function signInHeadless(services: Services, personaId: string): Promise<Session> {
  const redirectUri = 'http://127.0.0.1:9/headless/callback';
  const rp = await services.relyingParty(redirectUri);
  const { url, session } = await rp.startSignIn({
    claims: signInClaims,
    requiredAssurance: 'substantial',
    loginHint: personaId,
  });
  const callback = await followAuthorization(url, { redirectUri });
  return sessionFromSubject(await rp.completeSignIn(session, callback));
}

// ───────────────────────────── consent ─────────────────────────────

/** The consent block's individual for a person (created on first use, keyed by `sub`). */
export async function individualOf(services: Services, subject: string): Promise<string> {
  const found = await services.consent.listIndividuals(serviceContext, { externalId: subject });
  const existing = found.items[0];
  if (existing) return existing.id;
  const { individual } = await services.consent.createIndividual(serviceContext, {
    externalId: subject,
    externalIdType: 'identity provider subject',
    identityProviderId: services.idp.issuer,
  });
  return individual.id;
}

/** The notice text shown to the person: exactly what they agree to (its hash is recorded). */
export function consentNotice(services: Services): string {
  const agreement = services.dataAgreement;
  return [
    `Purpose: ${agreement.purpose}.`,
    agreement.purposeDescription ?? '',
    `Legal basis: ${agreement.lawfulBasis}.`,
    `Data: ${agreement.attributes.map((attribute) => attribute.name).join(', ')}.`,
    'You can withdraw your consent at any time from your account page.',
  ].join(' ');
}

/** Does the person currently allow the use of their data for the programme? */
export async function consentStatus(services: Services, subject: string): Promise<ConsentDecision> {
  return services.consent.check(serviceContext, {
    individualId: await individualOf(services, subject),
    purpose: programme.purpose,
  });
}

/** The person opts in (a new record, or an opt-in again after a withdrawal). */
export async function giveConsent(services: Services, session: Session): Promise<void> {
  const individualId = await individualOf(services, session.subject);
  const notice = { text: consentNotice(services), language: 'en' };
  const current = await currentRecord(services, session, individualId);
  if (current === undefined) {
    await services.consent.createConsentRecord(session.context, {
      individualId,
      dataAgreementId: services.dataAgreement.id,
      optIn: true,
      notice,
    });
  } else if (current.optIn !== true) {
    await services.consent.updateConsentRecord(session.context, {
      individualId,
      consentRecordId: current.id,
      optIn: true,
      notice,
    });
  }
}

async function currentRecord(services: Services, session: Session, individualId: string) {
  try {
    const { consentRecord } = await services.consent.getConsentRecordForAgreement(session.context, {
      individualId,
      dataAgreementId: services.dataAgreement.id,
    });
    return consentRecord;
  } catch (error) {
    if (GovBlocksError.isInstance(error) && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}

/** The person withdraws: from now on every use of their data by the service is refused. */
export async function withdrawConsent(services: Services, session: Session): Promise<void> {
  const individualId = await individualOf(services, session.subject);
  const current = await currentRecord(services, session, individualId);
  if (!current || current.optIn === false) return;
  await services.consent.updateConsentRecord(session.context, {
    individualId,
    consentRecordId: current.id,
    optIn: false,
  });
}

/**
 * The guard in front of every use of a person's data: asks the consent block (which records
 * the decision in the audit log) and throws `CONSENT_REQUIRED` when they have not agreed.
 */
export async function requireConsent(
  services: Services,
  actor: ActorContext,
  subject: string,
  dataCategories: string[],
): Promise<void> {
  await services.consent.requireConsent(actor, {
    individual: await individualOf(services, subject),
    purpose: programme.purpose,
    dataCategories,
  });
}

// ───────────────────────────── application ─────────────────────────────

export type FormData = Record<string, unknown>;

/** The application form prefilled from the verified claims. */
export function prefill(session: Session): FormData {
  return {
    fullName: session.claims.name ?? '',
    birthDate: session.claims.birthdate ?? '',
    nationalId: session.claims.nationalId ?? '',
    phone: session.claims.phone ?? '',
    email: session.claims.email ?? '',
  };
}

/** The person's latest cash-transfer application, if any. */
export async function currentApplication(
  services: Services,
  session: Session,
): Promise<Application | undefined> {
  const list = await services.registration.listApplications(session.context, {
    serviceKey: programme.serviceKey,
    limit: 1,
  });
  return list[0];
}

/** Saves the form as a draft (creating it) — consent is required before any data is kept. */
export async function saveApplication(
  services: Services,
  session: Session,
  formData: FormData,
): Promise<Application> {
  await requireConsent(services, session.context, session.subject, ['identity', 'household']);
  const current = await currentApplication(services, session);
  if (current && (current.status === 'draft' || current.status === 'more_information_requested'))
    return services.registration.updateApplication(session.context, current.id, formData);
  return services.registration.createApplication(session.context, {
    service: programme.serviceKey,
    formData,
  });
}

export async function uploadDocument(
  services: Services,
  session: Session,
  applicationId: string,
  file: { fileName: string; contentType: string; content: Uint8Array<ArrayBuffer> },
): Promise<void> {
  await services.registration.uploadDocument(session.context, applicationId, {
    key: 'proof-of-residence',
    ...file,
  });
}

/** Submits (or resubmits) and notifies the person. */
export async function submitApplication(
  services: Services,
  session: Session,
  applicationId: string,
): Promise<Application> {
  await requireConsent(services, session.context, session.subject, ['identity', 'household']);
  const application = await services.registration.submit(session.context, applicationId);
  await notify(services, application, 'submitted', {});
  return application;
}

// ───────────────────────────── notifications ─────────────────────────────

/** Sends the email and SMS of one step and delivers them now (a worker would in production). */
export async function notify(
  services: Services,
  application: Application,
  template: 'submitted' | 'information-requested' | 'approved' | 'rejected' | 'paid',
  extra: Record<string, string>,
  key = `${application.id}:${template}:${application.revision}`,
): Promise<void> {
  const form = application.formData as Record<string, string>;
  const personalisation = {
    name: String(form.fullName ?? ''),
    ref: application.id.slice(-8).toUpperCase(),
    ...extra,
  };
  // Filed under the application, so the notifications appear in the person's audit trail.
  const auditSubject = { type: 'application', id: application.id };
  if (form.email)
    await services.messaging.send(serviceContext, {
      idempotencyKey: `${key}:email`,
      channel: 'email',
      to: String(form.email),
      template: { id: `${template}-email` },
      personalisation,
      reference: `application:${application.id}`,
      auditSubject,
    });
  if (form.phone)
    await services.messaging.send(serviceContext, {
      idempotencyKey: `${key}:sms`,
      channel: 'sms',
      to: String(form.phone),
      template: { id: `${template}-sms` },
      personalisation,
      reference: `application:${application.id}`,
      auditSubject,
    });
  await services.messaging.processDue();
}

// ───────────────────────────── operator review ─────────────────────────────

/**
 * Open tasks and the operator's own claimed tasks, with their applications and whether the
 * applicant's consent still allows their data to be shown.
 */
export async function operatorQueue(
  services: Services,
  operator: ActorContext,
): Promise<Array<{ task: Task; application: Application; consented: boolean }>> {
  const open = await services.registration.listTasks(operator, { status: 'open' });
  const mine = await services.registration.listTasks(operator, {
    status: 'claimed',
    assigneeId: operator.actor.id,
  });
  const result = [];
  for (const task of [...mine, ...open]) {
    const application = await services.registration.getApplication(operator, task.applicationId);
    const consented = (await consentStatus(services, application.applicantId)).allowed;
    result.push({ task, application, consented });
  }
  return result;
}

/**
 * The operator opens a task: claims it and reads the application — only when the applicant's
 * consent allows it (the consent block records this check in the audit log).
 */
export async function openTask(
  services: Services,
  operator: ActorContext,
  taskId: string,
): Promise<{ task: Task; application: Application }> {
  let task = await services.registration.getTask(operator, taskId);
  const application = await services.registration.getApplication(operator, task.applicationId);
  await requireConsent(services, operator, application.applicantId, ['identity', 'household']);
  if (task.status === 'open') task = await services.registration.claimTask(operator, taskId);
  return { task, application };
}

/**
 * Records the operator's decision. Approval enrols the person in the beneficiary registry (the
 * registration block writes the record) and registers their account with payments.
 */
export async function decide(
  services: Services,
  operator: ActorContext,
  taskId: string,
  decision: 'approve' | 'reject' | 'request_information',
  reason: string,
): Promise<Application> {
  const { task } = await openTask(services, operator, taskId);
  const { application } = await services.registration.completeTask(operator, task.id, {
    decision,
    reason,
  });
  if (application.status === 'approved') {
    const form = application.formData as Record<string, string>;
    await requireConsent(services, operator, application.applicantId, ['financial']);
    await services.payments.registerBeneficiaries(operator, [
      {
        functionalId: String(form.nationalId),
        modality: form.paymentMethod === 'bank_account' ? 'bank_account' : 'mobile_money',
        financialAddress: String(form.accountNumber),
        rail: 'simulator',
      },
    ]);
    await notify(services, application, 'approved', {});
  } else if (application.status === 'rejected') {
    await notify(services, application, 'rejected', { reason });
  } else if (application.status === 'more_information_requested') {
    await notify(services, application, 'information-requested', { reason });
  }
  return application;
}

// ───────────────────────────── payments ─────────────────────────────

export function monthlyAmount(householdSize: number): number {
  return programme.baseAmount + programme.perMember * Math.max(1, householdSize);
}

export function formatMoney(minor: number, currency: string = programme.currency): string {
  return `${currency} ${(minor / 100).toFixed(2)}`;
}

/** Every enrolled beneficiary in the registry (read by the officer: audited reads). */
export async function enrolledBeneficiaries(
  services: Services,
  officer: ActorContext,
): Promise<RegistryRecord[]> {
  const records: RegistryRecord[] = [];
  for (let page = 1; ; page += 1) {
    const result = await services.registry.list(officer, programme.registry, {
      page,
      pageSize: 100,
    });
    records.push(...result.results);
    if (records.length >= result.count || result.results.length === 0) break;
  }
  return records;
}

export interface BatchPlan {
  batch: Batch;
  included: Array<{ nationalId: string; name: string; amount: number }>;
  /** Beneficiaries left out because consent no longer allows it. */
  excluded: Array<{ nationalId: string; name: string; reason: string }>;
}

/**
 * An officer (the maker) creates the month's batch from the registry. Every beneficiary's
 * consent is checked first: a person who withdrew is excluded, not paid with stale data.
 */
export async function createMonthlyBatch(
  services: Services,
  state: JourneyState,
  officer: ActorContext,
  month: string,
): Promise<BatchPlan> {
  if (!hasRole(officer, roles.officer))
    throw new ForbiddenError('[example] only a programme officer creates payment batches');
  const included: BatchPlan['included'] = [];
  const excluded: BatchPlan['excluded'] = [];
  const rows = [];
  for (const record of await enrolledBeneficiaries(services, officer)) {
    const content = record.content as Record<string, unknown>;
    const nationalId = String(content.nationalId);
    const name = String(content.fullName);
    try {
      await requireConsent(services, officer, String(content.applicantId), ['financial']);
    } catch (error) {
      if (GovBlocksError.isInstance(error) && error.code === 'CONSENT_REQUIRED') {
        excluded.push({ nationalId, name, reason: 'consent withdrawn' });
        continue;
      }
      throw error;
    }
    const amount = monthlyAmount(Number(content.householdSize));
    included.push({ nationalId, name, amount });
    rows.push({
      // The registry record's uuid, not the national id: instruction ids end up in audit details.
      instructionId: `${month}-${record.uuid}`,
      payeeFunctionalId: nationalId,
      amount: (amount / 100).toFixed(2),
      currency: programme.currency,
      narration: `Social cash transfer ${month}`,
    });
  }
  const batch = await services.payments.createBatch(
    officer,
    {
      currency: programme.currency,
      format: 'json',
      control: { count: rows.length, sum: included.reduce((sum, row) => sum + row.amount, 0) },
      description: `Social cash transfer ${month}`,
    },
    rows,
  );
  state.batches.push({ batchId: batch.batchId, month });
  return { batch, included, excluded };
}

/** A second officer (the checker) approves; the maker cannot (the payments block refuses). */
export async function approveBatch(
  services: Services,
  checker: ActorContext,
  batchId: string,
): Promise<Batch> {
  return services.payments.approveBatch(checker, batchId);
}

/** Disburses through the simulator rail and tells each paid person. */
export async function disburse(
  services: Services,
  officer: ActorContext,
  batchId: string,
): Promise<{ paid: number; failed: number; balanced: boolean }> {
  const result = await services.payments.processBatch(officer, batchId);
  for (const instruction of await batchInstructions(services, officer, batchId)) {
    if (instruction.state !== 'paid') continue;
    const [application] = await services.registration
      .listApplications(serviceContext, {
        serviceKey: programme.serviceKey,
        status: 'approved',
        limit: 1_000,
      })
      .then((list) =>
        list.filter(
          (candidate) =>
            (candidate.formData as Record<string, unknown>).nationalId ===
            instruction.payeeFunctionalId,
        ),
      );
    if (!application) continue;
    await notify(
      services,
      application,
      'paid',
      {
        amount: formatMoney(instruction.amount, instruction.currency),
        month: instruction.instructionId.slice(0, 7),
        account: instruction.financialAddress.slice(-4),
      },
      `${instruction.idempotencyKey}:paid`,
    );
  }
  return {
    paid: result.byState.paid.count,
    failed: result.byState.failed.count,
    balanced: result.balanced,
  };
}

/** Every instruction of a batch (ids from the reconciliation export, then each read). */
export async function batchInstructions(
  services: Services,
  officer: ActorContext,
  batchId: string,
): Promise<Instruction[]> {
  let body = '';
  for await (const part of services.payments.exportReconciliation(officer, batchId, 'json'))
    body += part;
  const instructions: Instruction[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    const { instruction_id } = JSON.parse(line) as { instruction_id: string };
    instructions.push(await services.payments.getInstruction(officer, batchId, instruction_id));
  }
  return instructions;
}

/** The person's payments in the batches of this run, as they see them on their status page. */
export async function paymentsOf(
  services: Services,
  state: JourneyState,
  application: Application | undefined,
): Promise<Array<{ month: string; amount: number; state: string }>> {
  const record = application?.registryRecord?.uuid;
  if (!record) return [];
  const result = [];
  for (const { batchId, month } of state.batches) {
    try {
      const instruction = await services.payments.getInstruction(
        serviceContext,
        batchId,
        `${month}-${record}`,
      );
      result.push({ month, amount: instruction.amount, state: instruction.state });
    } catch (error) {
      if (!(GovBlocksError.isInstance(error) && error.code === 'NOT_FOUND')) throw error;
    }
  }
  return result;
}

// ───────────────────────────── feedback and performance ─────────────────────────────

export async function giveFeedback(
  services: Services,
  session: Session,
  applicationId: string,
  rating: number,
  comment?: string,
): Promise<void> {
  await services.registration.giveFeedback(session.context, applicationId, {
    rating,
    ...(comment ? { comment } : {}),
  });
}

export interface Performance {
  measures: ServiceMeasures | undefined;
  /**
   * Average cost of a decided application in the programme's currency (minor units), from the
   * registration block's measures; null when suppressed or when none was decided.
   */
  costPerTransaction: number | null;
  minimumCount: number;
}

/**
 * The public service performance figures, from the registration block's measures. Counts below
 * `minimumCount` are suppressed; the demo uses 1 so three personas show figures (use 5 or more
 * in production so that no person can be singled out).
 */
export async function performance(services: Services, minimumCount = 1): Promise<Performance> {
  const [measures] = await collectServiceMeasures(services.registration, serviceContext, {
    service: programme.serviceKey,
    minimumCount,
  });
  const cost = measures?.costPerTransaction.find((entry) => entry.currency === programme.currency);
  return {
    measures,
    costPerTransaction: cost?.amount ?? null,
    minimumCount,
  };
}

// ───────────────────────────── audit ─────────────────────────────

export interface PersonAudit {
  entries: AuditEntry[];
  /** The signed checkpoint the proofs are against. */
  checkpoint: string;
  size: number;
  /** Checkpoint signature, every listed entry's inclusion proof, and the whole log re-hashed. */
  verified: boolean;
  problems: string[];
  /** Who else used the person's data (from the same log). */
  usage: PersonalDataUsage[];
  usedBy: Array<{ time: string; actor: string; action: string; purpose?: string }>;
}

/**
 * Every audit event about a person — found by the pseudonyms of their identifiers (identity
 * subject, national id, consent individual, applications, payment instructions) and by the
 * events they caused — and the proof that the log holds them unaltered.
 */
export async function auditForPerson(
  services: Services,
  state: JourneyState,
  subject: string,
): Promise<PersonAudit> {
  const { auditLog, audit } = services;
  await auditLog.flush();
  const identifiers = new Set<string>([subject, await individualOf(services, subject)]);
  const applications = await services.registration.listApplications(serviceContext, {
    serviceKey: programme.serviceKey,
    applicantId: subject,
    limit: 1_000,
  });
  let nationalId: string | undefined;
  for (const application of applications) {
    identifiers.add(application.id);
    nationalId = String((application.formData as Record<string, unknown>).nationalId ?? '');
    if (nationalId) identifiers.add(nationalId);
    const record = application.registryRecord?.uuid;
    if (record) {
      identifiers.add(record);
      for (const { batchId, month } of state.batches)
        identifiers.add(`${batchId}/${month}-${record}`);
    }
  }
  const byIndex = new Map<number, AuditEntry>();
  const collect = async (query: { subject?: string; actor?: string }) => {
    let cursor: string | undefined;
    do {
      const page = await auditLog.query({ ...query, limit: 500, ...(cursor ? { cursor } : {}) });
      for (const entry of page.entries) byIndex.set(entry.index, entry);
      cursor = page.next;
    } while (cursor);
  };
  for (const identifier of identifiers) await collect({ subject: audit.pseudonymOf(identifier) });
  await collect({ actor: subject });
  const entries = [...byIndex.values()].sort((a, b) => a.index - b.index);

  // Verification: the signed checkpoint, each entry's leaf hash and inclusion proof, the whole log.
  const problems: string[] = [];
  const checkpoint = await auditLog.checkpoint();
  let size = 0;
  try {
    const head = verifyCheckpoint(checkpoint, { keys: services.auditVerifiers });
    size = head.size;
    for (const entry of entries) {
      if (entry.index >= head.size) continue;
      if (!hashesEqual(hashLeaf(entry.leaf), entry.leafHash))
        problems.push(`entry ${entry.index}: leaf hash does not match its content`);
      const proof = await auditLog.inclusionProof(entry.index, head.size);
      if (!verifyInclusion(entry.leafHash, entry.index, head.size, proof.path, head.rootHash))
        problems.push(`entry ${entry.index}: inclusion proof does not verify`);
    }
    const whole = await verifyStore(services.auditStore, {
      checkpoint,
      keys: services.auditVerifiers,
    });
    if (!whole.ok) problems.push(`log: ${whole.reason}`);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }

  const usage = nationalId
    ? await services.registry.personalDataUsage(serviceContext, { personId: nationalId })
    : [];
  const usedBy = entries
    .filter(
      (entry) =>
        entry.event.actor.id !== subject &&
        entry.event.actor.type !== 'system' &&
        (entry.event.action.includes('read') ||
          entry.event.action.startsWith('consent.check') ||
          entry.event.action.startsWith('task.') ||
          entry.event.action.startsWith('registry.') ||
          entry.event.action.startsWith('payment.')),
    )
    .map((entry) => ({
      time: entry.event.time,
      actor: entry.event.actor.id,
      action: entry.event.action,
      ...(entry.event.purpose ? { purpose: entry.event.purpose } : {}),
    }));
  return { entries, checkpoint, size, verified: problems.length === 0, problems, usage, usedBy };
}
