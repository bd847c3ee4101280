import { createHash } from 'node:crypto';
import type { ActorContext, Money } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { PaymentConfirmation, RegistrationService } from '../registration/ports.js';
import type { DefineServiceInput } from '../registration/schemas.js';
import type { Registry } from '../registry/ports.js';

export interface RegistrationConformanceOptions {
  name: string;
  /**
   * A fresh service (no e-services, no applications) whose engine has a registry, a document
   * store and the `exactIdentifierDedup({ fields: ['/child/nationalId'] })` rule.
   */
  setup: () => Promise<{
    service: RegistrationService;
    registry: Registry;
    /**
     * The payment system of the engine's fee collector (e.g. `memoryFeeCollector()`): pays a
     * bill and answers the confirmation. Without it the payment-step cases are skipped.
     */
    fees?: ConformanceFees;
  }>;
}

/** Pays a bill the engine opened, as a payment system would, and returns the confirmation. */
export interface ConformanceFees {
  pay(
    billId: string,
    options?: { reference?: string; collectionCost?: Money },
  ): PaymentConfirmation;
}

export const conformanceAdmin: ActorContext = {
  actor: { type: 'operator', id: 'admin-1', roles: ['registration.admin', 'registry-admin'] },
};
export const conformanceClerk: ActorContext = {
  actor: { type: 'operator', id: 'clerk-1', roles: ['birth.clerk'] },
};
export const conformanceRegistrar: ActorContext = {
  actor: { type: 'operator', id: 'registrar-1', roles: ['birth.registrar'] },
};
export const conformanceParent: ActorContext = {
  actor: { type: 'person', id: 'parent-1', roles: [] },
};
export const conformanceOtherParent: ActorContext = {
  actor: { type: 'person', id: 'parent-2', roles: [] },
};
/** The payments system confirming fee payments (`registration.payments`). */
export const conformancePayments: ActorContext = {
  actor: { type: 'service', id: 'payments-1', roles: ['registration.payments'] },
};

/**
 * A licence with a fee: a clerk checks, the applicant pays EUR 15.00, a registrar decides.
 * Handling one application costs the agency EUR 2.00.
 */
export const conformancePaidService: DefineServiceInput = {
  key: 'market-stall-licence',
  name: 'Market stall licence',
  eForms: [
    {
      key: 'stall',
      name: 'Stall',
      schema: { type: 'object', properties: { pitch: { type: 'string' } }, required: ['pitch'] },
    },
  ],
  fees: [{ key: 'state-fee', name: 'State fee', amount: { amount: 1_500, currency: 'EUR' } }],
  processingCost: { amount: 200, currency: 'EUR' },
  workflow: [
    { key: 'check', name: 'Check', role: 'birth.clerk' },
    { key: 'pay', name: 'Pay the state fee', type: 'payment', fees: ['state-fee'] },
    { key: 'decide', name: 'Decide', role: 'birth.registrar' },
  ],
};

/** A two-step birth registration whose approval writes a record to the `births` registry. */
export const conformanceBirthService: DefineServiceInput = {
  key: 'birth-registration',
  name: 'Birth registration',
  eForms: [
    {
      key: 'birth',
      name: 'Birth declaration',
      schema: {
        type: 'object',
        properties: {
          child: {
            type: 'object',
            properties: {
              nationalId: { type: 'string', minLength: 3 },
              firstName: { type: 'string', minLength: 1 },
              lastName: { type: 'string', minLength: 1 },
              birthDate: { type: 'string', format: 'date' },
            },
            required: ['firstName', 'lastName', 'birthDate'],
          },
        },
        required: ['child'],
      },
      ui: { order: ['child'] },
    },
  ],
  requiredDocuments: [
    {
      key: 'medical-certificate',
      name: 'Medical birth certificate',
      contentTypes: ['application/pdf'],
      maxBytes: 1_024,
    },
  ],
  workflow: [
    { key: 'check', name: 'Check documents', role: 'birth.clerk' },
    { key: 'decide', name: 'Register the birth', role: 'birth.registrar' },
  ],
  registry: {
    registry: 'births',
    version: '1.0',
    fields: {
      childId: '/child/nationalId',
      firstName: '/child/firstName',
      lastName: '/child/lastName',
      birthDate: '/child/birthDate',
      applicationId: '$applicationId',
    },
  },
};

/** The `births` registry that {@link conformanceBirthService} writes its records to. */
export const conformanceBirthsRegistry = {
  name: 'births',
  version: '1.0',
  personalIdField: 'childId',
  searchable: ['childId'],
  schema: {
    type: 'object',
    properties: {
      childId: { type: 'string' },
      firstName: { type: 'string' },
      lastName: { type: 'string' },
      birthDate: { type: 'string' },
      applicationId: { type: 'string' },
    },
    required: ['firstName', 'lastName', 'birthDate'],
  },
};

const pdf = new TextEncoder().encode('%PDF-1.7 conformance');
const child = (nationalId: string) => ({
  child: { nationalId, firstName: 'Ada', lastName: 'Lovelace', birthDate: '2025-01-02' },
});

/**
 * The conformance suite of the {@link RegistrationService} port.
 *
 * @example
 * describeRegistrationConformance({ name: 'memory', setup: async () => ({ service, registry }) });
 */
export function describeRegistrationConformance(options: RegistrationConformanceOptions): void {
  describe(`RegistrationService conformance: ${options.name}`, () => {
    let service: RegistrationService;
    let registry: Registry;
    let fees: ConformanceFees | undefined;

    beforeEach(async () => {
      ({ service, registry, fees } = await options.setup());
      await registry.defineRegistry(conformanceAdmin, conformanceBirthsRegistry);
      await service.defineService(conformanceAdmin, conformanceBirthService);
    });

    async function readyDraft(parent = conformanceParent, nationalId = 'C-001') {
      const draft = await service.createApplication(parent, {
        service: 'birth-registration',
        formData: child(nationalId),
      });
      await service.uploadDocument(parent, draft.id, {
        key: 'medical-certificate',
        fileName: 'cert.pdf',
        contentType: 'application/pdf',
        content: pdf,
      });
      return draft;
    }

    async function taskFor(operator: ActorContext, applicationId: string) {
      const tasks = await service.listTasks(operator, { applicationId, status: 'open' });
      expect(tasks).toHaveLength(1);
      return tasks[0]!;
    }

    it('declares its specification version', () => {
      expect(service.specificationVersion).toBe('registration/v1');
    });

    it('keeps a catalogue of versioned e-services; only an admin defines them', async () => {
      const first = await service.getService(conformanceParent, 'birth-registration');
      expect(first).toMatchObject({ key: 'birth-registration', version: 1, latest: true });
      expect(first.eForms[0]).toMatchObject({ key: 'birth', ui: { order: ['child'] } });
      const form = await service.getEForm(conformanceParent, first.eForms[0]!.id);
      expect(form.schema).toMatchObject({ required: ['child'] });
      const second = await service.defineService(conformanceAdmin, {
        ...conformanceBirthService,
        name: 'Birth registration v2',
      });
      expect(second.version).toBe(2);
      expect((await service.getService(conformanceParent, first.id)).latest).toBe(false);
      expect((await service.listServices(conformanceParent)).map((entry) => entry.version)).toEqual(
        [2],
      );
      await expect(
        service.defineService(conformanceClerk, conformanceBirthService),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        service.defineService(conformanceAdmin, {
          ...conformanceBirthService,
          key: 'bad',
          eForms: [{ key: 'x', name: 'x', schema: { type: 'nope' } }],
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(service.getService(conformanceParent, 'unknown')).rejects.toMatchObject({
        code: 'SERVICE_NOT_FOUND',
      });
      await expect(
        service.createApplication(conformanceParent, { service: 'unknown' }),
      ).rejects.toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    });

    it('takes an application from draft to approval and writes the registry record', async () => {
      const draft = await readyDraft();
      expect(draft).toMatchObject({ status: 'draft', applicantId: 'parent-1' });
      const submitted = await service.submit(conformanceParent, draft.id);
      expect(submitted.status).toBe('submitted');
      const check = await taskFor(conformanceClerk, draft.id);
      expect(check).toMatchObject({ stepKey: 'check', role: 'birth.clerk', status: 'open' });
      expect(
        await service.listTasks(conformanceRegistrar, { applicationId: draft.id, status: 'open' }),
      ).toEqual([]);
      await service.claimTask(conformanceClerk, check.id);
      expect((await service.getApplication(conformanceParent, draft.id)).status).toBe('in_review');
      const afterCheck = await service.completeTask(conformanceClerk, check.id, {
        decision: 'approve',
        reason: 'documents in order',
      });
      expect(afterCheck.application).toMatchObject({ status: 'in_review', currentStep: 1 });
      const decide = await taskFor(conformanceRegistrar, draft.id);
      await service.claimTask(conformanceRegistrar, decide.id);
      const { application, task } = await service.completeTask(conformanceRegistrar, decide.id, {
        decision: 'approve',
        reason: 'registered',
      });
      expect(task).toMatchObject({
        status: 'completed',
        decision: 'approve',
        reason: 'registered',
      });
      expect(application).toMatchObject({
        status: 'approved',
        decision: { decision: 'approved', reason: 'registered' },
      });
      expect(application.registryRecord).toMatchObject({ registry: 'births', version: '1.0' });
      const record = await registry.read(
        conformanceAdmin,
        { registry: 'births', version: '1.0' },
        { applicationId: draft.id },
      );
      expect(record.uuid).toBe(application.registryRecord!.uuid);
      expect(record.content).toEqual({
        childId: 'C-001',
        firstName: 'Ada',
        lastName: 'Lovelace',
        birthDate: '2025-01-02',
        applicationId: draft.id,
      });
      expect(application.history.map((entry) => entry.to)).toEqual([
        'draft',
        'submitted',
        'in_review',
        'in_review',
        'in_review',
        'approved',
      ]);
      await service.giveFeedback(conformanceParent, draft.id, { rating: 5, comment: 'quick' });
      expect((await service.getApplication(conformanceParent, draft.id)).feedback).toMatchObject({
        rating: 5,
      });
    });

    it('validates form data against the e-form, field by field, and requires documents', async () => {
      const draft = await service.createApplication(conformanceParent, {
        service: 'birth-registration',
        formData: { child: { firstName: '', lastName: 'X', birthDate: 'not a date' } },
      });
      const error = await service
        .submit(conformanceParent, draft.id)
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
      const pointers = (error as { issues: Array<{ pointer: string }> }).issues
        .map((issue) => issue.pointer)
        .sort();
      expect(pointers).toEqual([
        '/documents/medical-certificate',
        '/formData/child/birthDate',
        '/formData/child/firstName',
      ]);
      expect((await service.getApplication(conformanceParent, draft.id)).status).toBe('draft');
    });

    it('refuses documents of the wrong type or size and records the SHA-256', async () => {
      const draft = await service.createApplication(conformanceParent, {
        service: 'birth-registration',
        formData: child('C-002'),
      });
      await expect(
        service.uploadDocument(conformanceParent, draft.id, {
          key: 'medical-certificate',
          fileName: 'x.exe',
          contentType: 'application/x-msdownload',
          content: pdf,
        }),
      ).rejects.toMatchObject({ code: 'DOCUMENT_TYPE_REFUSED', status: 415 });
      await expect(
        service.uploadDocument(conformanceParent, draft.id, {
          key: 'medical-certificate',
          fileName: 'big.pdf',
          contentType: 'application/pdf',
          content: new Uint8Array(2_000),
        }),
      ).rejects.toMatchObject({ code: 'DOCUMENT_TOO_LARGE', status: 413 });
      await expect(
        service.uploadDocument(conformanceParent, draft.id, {
          key: 'unknown',
          fileName: 'a.pdf',
          contentType: 'application/pdf',
          content: pdf,
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((await service.getApplication(conformanceParent, draft.id)).documents).toEqual([]);
      const ref = await service.uploadDocument(conformanceParent, draft.id, {
        key: 'medical-certificate',
        fileName: 'c.pdf',
        contentType: 'application/pdf',
        content: pdf,
      });
      expect(ref).toMatchObject({
        size: pdf.byteLength,
        sha256: createHash('sha256').update(pdf).digest('hex'),
        contentType: 'application/pdf',
      });
      const fetched = await service.getDocument(conformanceParent, draft.id, ref.id);
      expect([...fetched.content]).toEqual([...pdf]);
      await expect(
        service.getDocument(conformanceOtherParent, draft.id, ref.id),
      ).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND' });
    });

    it('isolates applicants from each other and checks operator roles', async () => {
      const mine = await readyDraft();
      await expect(service.getApplication(conformanceOtherParent, mine.id)).rejects.toMatchObject({
        code: 'APPLICATION_NOT_FOUND',
      });
      await expect(service.submit(conformanceOtherParent, mine.id)).rejects.toMatchObject({
        code: 'APPLICATION_NOT_FOUND',
      });
      expect(await service.listApplications(conformanceOtherParent)).toEqual([]);
      expect(
        (await service.listApplications(conformanceParent)).map((application) => application.id),
      ).toEqual([mine.id]);
      await expect(
        service.createApplication(conformanceParent, {
          service: 'birth-registration',
          applicantId: 'parent-2',
        }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await service.submit(conformanceParent, mine.id);
      const task = await taskFor(conformanceClerk, mine.id);
      await expect(service.claimTask(conformanceRegistrar, task.id)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(
        service.completeTask(conformanceClerk, task.id, { decision: 'approve', reason: 'x' }),
      ).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await service.claimTask(conformanceClerk, task.id);
      await expect(service.claimTask(conformanceClerk, task.id)).resolves.toMatchObject({
        assigneeId: 'clerk-1',
      });
      const otherClerk: ActorContext = {
        actor: { type: 'operator', id: 'clerk-2', roles: ['birth.clerk'] },
      };
      await expect(service.claimTask(otherClerk, task.id)).rejects.toMatchObject({
        code: 'TASK_ALREADY_CLAIMED',
      });
      await expect(
        service.completeTask(otherClerk, task.id, { decision: 'reject', reason: 'x' }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      await expect(
        service.completeTask(conformanceClerk, task.id, { decision: 'reject', reason: '' }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect((await service.getApplication(conformanceClerk, mine.id)).status).toBe('in_review');
    });

    it('asks for more information, takes the resubmission, and rejects', async () => {
      const draft = await readyDraft();
      await service.submit(conformanceParent, draft.id);
      const task = await taskFor(conformanceClerk, draft.id);
      await service.claimTask(conformanceClerk, task.id);
      const { application } = await service.completeTask(conformanceClerk, task.id, {
        decision: 'request_information',
        reason: 'certificate unreadable',
      });
      expect(application).toMatchObject({
        status: 'more_information_requested',
        informationRequest: { reason: 'certificate unreadable' },
      });
      const seen = await service.getApplication(conformanceParent, draft.id);
      expect(seen.informationRequest?.reason).toBe('certificate unreadable');
      await service.uploadDocument(conformanceParent, draft.id, {
        key: 'medical-certificate',
        fileName: 'c2.pdf',
        contentType: 'application/pdf',
        content: pdf,
      });
      const resubmitted = await service.submit(conformanceParent, draft.id);
      expect(resubmitted.status).toBe('resubmitted');
      expect(resubmitted.documents).toHaveLength(1);
      const again = await taskFor(conformanceClerk, draft.id);
      await service.claimTask(conformanceClerk, again.id);
      const rejected = await service.completeTask(conformanceClerk, again.id, {
        decision: 'reject',
        reason: 'not eligible',
      });
      expect(rejected.application).toMatchObject({
        status: 'rejected',
        decision: { decision: 'rejected', reason: 'not eligible' },
      });
      await expect(service.submit(conformanceParent, draft.id)).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
      await expect(service.withdraw(conformanceParent, draft.id)).rejects.toMatchObject({
        code: 'ILLEGAL_TRANSITION',
      });
    });

    it('withdraws and cancels open tasks; feedback only after an end', async () => {
      const draft = await readyDraft();
      await expect(
        service.giveFeedback(conformanceParent, draft.id, { rating: 3 }),
      ).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      await service.submit(conformanceParent, draft.id);
      const withdrawn = await service.withdraw(conformanceParent, draft.id, 'changed my mind');
      expect(withdrawn.status).toBe('withdrawn');
      expect(
        await service.listTasks(conformanceClerk, { applicationId: draft.id, status: 'open' }),
      ).toEqual([]);
      expect(
        (await service.listTasks(conformanceClerk, { applicationId: draft.id }))[0]?.status,
      ).toBe('cancelled');
    });

    it('replaces form data only while the applicant may change it; tasks by id', async () => {
      const draft = await readyDraft();
      const updated = await service.updateApplication(conformanceParent, draft.id, {
        child: { ...child('C-003').child, firstName: 'Augusta' },
      });
      expect(updated.formData).toMatchObject({ child: { firstName: 'Augusta' } });
      expect(updated.revision).toBeGreaterThan(draft.revision);
      await expect(
        service.updateApplication(conformanceOtherParent, draft.id, child('C-004')),
      ).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND' });
      await service.submit(conformanceParent, draft.id);
      await expect(
        service.updateApplication(conformanceParent, draft.id, child('C-003')),
      ).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      const task = await taskFor(conformanceClerk, draft.id);
      expect(await service.getTask(conformanceClerk, task.id)).toEqual(task);
      await expect(service.getTask(conformanceRegistrar, task.id)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      await expect(service.getTask(conformanceClerk, 'no-such-task')).rejects.toMatchObject({
        code: 'TASK_NOT_FOUND',
      });
      expect(
        (await service.listApplications(conformanceParent, { status: 'submitted' })).map(
          (application) => application.id,
        ),
      ).toEqual([draft.id]);
      expect(await service.listApplications(conformanceParent, { status: 'draft' })).toEqual([]);
    });

    it('refuses a duplicate of a live application', async () => {
      const first = await readyDraft(conformanceParent, 'C-777');
      await service.submit(conformanceParent, first.id);
      const second = await readyDraft(conformanceOtherParent, 'c 777');
      await expect(service.submit(conformanceOtherParent, second.id)).rejects.toMatchObject({
        code: 'DUPLICATE_DETECTED',
      });
      expect((await service.getApplication(conformanceOtherParent, second.id)).status).toBe(
        'draft',
      );
      await service.withdraw(conformanceParent, first.id);
      await expect(service.submit(conformanceOtherParent, second.id)).resolves.toMatchObject({
        status: 'submitted',
      });
    });

    describe('payment steps', () => {
      async function payableApplication(input: DefineServiceInput = conformancePaidService) {
        const paid = service;
        const collector = fees!;
        await paid.defineService(conformanceAdmin, input);
        const draft = await paid.createApplication(conformanceParent, {
          service: input.key,
          formData: { pitch: 'A-12' },
        });
        const submitted = await paid.submit(conformanceParent, draft.id);
        return { paid, collector: collector!, submitted };
      }

      it('waits for the fee after a review step, then goes on to the next step', async (context) => {
        if (!fees) return context.skip();
        const { paid, collector, submitted } = await payableApplication();
        const [check] = await paid.listTasks(conformanceClerk, {
          applicationId: submitted.id,
          status: 'open',
        });
        await paid.claimTask(conformanceClerk, check!.id);
        const { application: pending } = await paid.completeTask(conformanceClerk, check!.id, {
          decision: 'approve',
          reason: 'fine',
        });
        expect(pending.status).toBe('payment_pending');
        const bill = pending.payments?.[0];
        expect(bill).toMatchObject({
          stepKey: 'pay',
          status: 'pending',
          amount: { amount: 1_500, currency: 'EUR' },
        });
        expect(
          await paid.listTasks(conformanceRegistrar, { applicationId: pending.id, status: 'open' }),
        ).toEqual([]);
        const confirmation = collector.pay(bill!.billId, {
          collectionCost: { amount: 35, currency: 'EUR' },
        });
        await expect(paid.confirmPayment(conformanceParent, confirmation)).rejects.toMatchObject({
          code: 'FORBIDDEN',
        });
        await expect(
          paid.confirmPayment(conformancePayments, {
            ...confirmation,
            amount: { amount: 1_000, currency: 'EUR' },
          }),
        ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        await expect(
          paid.confirmPayment(conformancePayments, { ...confirmation, billId: 'nope.pay' }),
        ).rejects.toMatchObject({ code: 'APPLICATION_NOT_FOUND' });
        expect((await paid.getApplication(conformanceParent, pending.id)).status).toBe(
          'payment_pending',
        );
        const confirmed = await paid.confirmPayment(conformancePayments, confirmation);
        expect(confirmed.status).toBe('in_review');
        expect(confirmed.payments?.[0]).toMatchObject({
          status: 'paid',
          reference: confirmation.reference,
        });
        // The same confirmation again changes nothing; another payment of a paid bill conflicts.
        const again = await paid.confirmPayment(conformancePayments, confirmation);
        expect(again.revision).toBe(confirmed.revision);
        await expect(
          paid.confirmPayment(conformancePayments, { ...confirmation, reference: 'OTHER' }),
        ).rejects.toMatchObject({ code: 'CONFLICT' });
        const [decide] = await paid.listTasks(conformanceRegistrar, {
          applicationId: pending.id,
          status: 'open',
        });
        await paid.claimTask(conformanceRegistrar, decide!.id);
        const { application } = await paid.completeTask(conformanceRegistrar, decide!.id, {
          decision: 'approve',
          reason: 'granted',
        });
        expect(application.status).toBe('approved');
        expect(application.transactionCost).toEqual([{ amount: 235, currency: 'EUR' }]);
        expect(application.history.map((entry) => entry.to)).toEqual([
          'draft',
          'submitted',
          'in_review',
          'in_review',
          'payment_pending',
          'in_review',
          'in_review',
          'approved',
        ]);
        expect(application.history.map((entry) => entry.action)).toEqual([
          'create',
          'submit',
          'claim',
          'approve_step',
          'request_payment',
          'confirm_payment',
          'claim',
          'approve',
        ]);
      });

      it('takes the fee first, approves when payment is the last step, and cancels on withdrawal', async (context) => {
        if (!fees) return context.skip();
        const prepaid: DefineServiceInput = {
          ...conformancePaidService,
          key: 'prepaid-licence',
          workflow: [{ key: 'pay', name: 'Pay', type: 'payment', fees: ['state-fee'] }],
        };
        const { paid, collector, submitted } = await payableApplication(prepaid);
        expect(submitted.status).toBe('payment_pending');
        const approved = await paid.confirmPayment(
          conformancePayments,
          collector.pay(submitted.payments![0]!.billId),
        );
        expect(approved).toMatchObject({
          status: 'approved',
          decision: { decision: 'approved' },
          transactionCost: [{ amount: 200, currency: 'EUR' }],
        });
        const other = await paid.createApplication(conformanceParent, {
          service: 'prepaid-licence',
          formData: { pitch: 'B-3' },
        });
        const waiting = await paid.submit(conformanceParent, other.id);
        const withdrawn = await paid.withdraw(conformanceParent, other.id);
        expect(withdrawn.payments?.[0]?.status).toBe('cancelled');
        expect(() => collector.pay(waiting.payments![0]!.billId)).toThrow();
        await expect(
          paid.confirmPayment(conformancePayments, {
            billId: waiting.payments![0]!.billId,
            amount: { amount: 1_500, currency: 'EUR' },
            reference: 'LATE',
          }),
        ).rejects.toMatchObject({ code: 'ILLEGAL_TRANSITION' });
      });

      it('refuses fees that do not add up', async (context) => {
        if (!fees) return context.skip();
        const paid = service;
        await expect(
          paid.defineService(conformanceAdmin, {
            ...conformancePaidService,
            key: 'broken-fees',
            workflow: [{ key: 'pay', name: 'Pay', type: 'payment', fees: ['unknown'] }],
          }),
        ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
        await expect(
          paid.defineService(conformanceAdmin, {
            ...conformancePaidService,
            key: 'broken-amount',
            fees: [{ key: 'f', name: 'F', amount: { amount: 10.5, currency: 'EUR' } }],
          }),
        ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      });
    });
  });
}
