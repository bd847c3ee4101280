import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoResult, playDemo } from '../src/demo.js';
import {
  auditForPerson,
  consentStatus,
  operatorQueue,
  paymentsOf,
  performance,
  prefill,
  saveApplication,
  signInHeadless,
} from '../src/journey.js';
import { createServices, type Services, serviceContext } from '../src/services.js';

// The headless `pnpm demo` run, as a test: the whole journey for three personas on the default
// embedded database (or PostgreSQL when DATABASE_URL is set).
describe('pnpm demo (headless journey)', () => {
  let services: Services;
  let result: DemoResult;
  const story: string[] = [];

  beforeAll(async () => {
    services = await createServices(
      process.env.DATABASE_URL
        ? {
            databaseUrl: process.env.DATABASE_URL,
            schema: `sct_test_${Math.random().toString(36).slice(2, 10)}`,
            dropSchemaOnClose: true,
          }
        : {},
    );
    result = await playDemo(services, (line) => story.push(line));
  });
  afterAll(async () => {
    await services?.close();
  });

  it('pays the approved person, not the rejected one nor the one who withdrew consent', async () => {
    expect(result.paid).toEqual(['Amina Diallo']);
    expect(result.rejected).toEqual(['Sok Dara']);
    expect(result.excluded).toEqual(['Kofi Mensah']);
    const [amina] = await services.registration.listApplications(serviceContext, {
      applicantId: 'amina',
    });
    const [kofi] = await services.registration.listApplications(serviceContext, {
      applicantId: 'kofi',
    });
    expect(await paymentsOf(services, result.state, amina)).toMatchObject([
      { state: 'paid', amount: 100_00 },
    ]);
    expect(kofi?.status).toBe('approved');
    expect(await paymentsOf(services, result.state, kofi)).toEqual([]);
    expect((await consentStatus(services, 'kofi')).reason).toBe('WITHDRAWN');
  });

  it('refuses to take or show the data of a person who withdrew consent', async () => {
    const kofi = await signInHeadless(services, 'kofi');
    await expect(
      saveApplication(services, kofi, { ...prefill(kofi), householdSize: 3 }),
    ).rejects.toMatchObject({ code: 'CONSENT_REQUIRED' });
    const operator = (await signInHeadless(services, 'olu')).context;
    const queue = await operatorQueue(services, operator);
    expect(queue.every((item) => item.application.applicantId !== 'kofi' || !item.consented)).toBe(
      true,
    );
  });

  it('notifies by email (SMTP capture) and SMS at submission, decision and payment', () => {
    const subjects = services.smtp.received.map((mail) => /^Subject: (.*)$/m.exec(mail.raw)?.[1]);
    expect(subjects.filter((subject) => subject?.startsWith('Payment sent'))).toHaveLength(1);
    expect(subjects.filter((subject) => subject?.includes('approved'))).toHaveLength(2);
    expect(result.emails).toBe(9);
    expect(result.sms).toBe(9);
  });

  it("verifies the audit log and answers 'who used my data' from it", async () => {
    expect(result.auditVerified).toBe(true);
    const trail = await auditForPerson(services, result.state, 'amina');
    expect(trail.verified).toBe(true);
    const actions = trail.entries.map((entry) => entry.event.action);
    expect(actions).toContain('identity.sign-in.verified');
    expect(actions).toContain('consent.record.created');
    expect(actions).toContain('application.submitted');
    expect(actions).toContain('registry.record.created');
    expect(actions.some((action) => action.startsWith('payment.instruction'))).toBe(true);
    // Her notifications, filed under her application (the address itself only as a pseudonym).
    expect(actions).toContain('messaging.message.delivered');
    expect(trail.usage.length).toBeGreaterThan(0);
    expect(new Set(trail.usedBy.map((use) => use.actor))).toEqual(new Set(['olu', 'maya']));
    // No personal identifier is stored in clear in the log.
    expect(
      trail.entries.filter((entry) => entry.leaf.includes('7281940365')).map((entry) => entry.leaf),
    ).toEqual([]);
  });

  it("publishes the registration block's figures, cost per decided application included", async () => {
    const figures = await performance(services);
    expect(figures.measures).toMatchObject({ started: 3, processed: 3 });
    // Each decision records the e-service's processing cost; no fees are collected.
    expect(figures.costPerTransaction).toBe(12_50);
    // With the production threshold (5), three applications are too few to publish.
    expect((await performance(services, 5)).costPerTransaction).toBeNull();
  });

  it('tells the story step by step', () => {
    expect(story.join('\n')).toMatch(
      /Maya cannot approve her own batch \(PAYMENT_APPROVAL_DENIED\)/,
    );
    expect(story.join('\n')).toMatch(/Kofi Mensah: left out \(consent withdrawn\)/);
  });
});
