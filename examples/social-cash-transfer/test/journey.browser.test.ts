import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApp, serveApp } from '../src/app.js';
import { createServices, type Services } from '../src/services.js';
import { axeScan, hasChromium, launchBrowser, screenshot } from './browser.js';

// The whole journey clicked through in headless Chromium, against the real server: sign-in by
// redirect through the dev IdP, forms posted without JavaScript, axe-core on every page.
describe.skipIf(!hasChromium)('the journey in a browser', () => {
  let services: Services;
  let server: RunningApp;
  let browser: Browser;
  const scanned: string[] = [];

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
    server = await serveApp(services, { port: 0, publicHost: '127.0.0.1' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await services?.close();
  });

  /** Every page visited is scanned; a screenshot is kept when `name` is given. */
  async function check(page: Page, name?: string) {
    const violations = await axeScan(page);
    expect(violations, `axe on ${page.url()}`).toEqual([]);
    scanned.push(new URL(page.url()).pathname);
    if (name) await screenshot(page, name);
  }

  async function signIn(context: BrowserContext, persona: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await check(page, 'sign-in');
    await page.getByLabel(new RegExp(`^${persona}`, 'i')).check();
    await page.getByRole('button', { name: 'Continue to the identity provider' }).click();
    await page.waitForURL((url) => url.origin === server.url && !url.pathname.startsWith('/auth'));
    return page;
  }

  async function submit(page: Page, name: string) {
    await page.getByRole('button', { name }).click();
    await page.waitForLoadState('load');
  }

  it('signs in, consents, applies with a document, is reviewed, enrolled and paid', async () => {
    // The public start and performance pages need no sign-in.
    const anonymous = await browser.newContext();
    const start = await anonymous.newPage();
    await start.goto(server.url);
    await check(start, 'start');
    // Keyboard only: the first Tab reaches the skip link, which moves focus to the main content.
    await start.keyboard.press('Tab');
    expect(await start.evaluate(() => document.activeElement?.textContent)).toBe(
      'Skip to main content',
    );
    await start.keyboard.press('Enter');
    expect(await start.evaluate(() => document.activeElement?.id)).toBe('main');
    // The start button is a link reached and followed with the keyboard.
    await start.getByRole('button', { name: 'Start now' }).focus();
    await start.keyboard.press('Enter');
    await start.waitForURL(`${server.url}/sign-in`);
    await start.goto(`${server.url}/performance`);
    await check(start);

    // Amina signs in through the identity provider (real redirects) and lands on consent.
    const amina = await browser.newContext();
    let page = await signIn(amina, 'Amina Diallo');
    expect(new URL(page.url()).pathname).toBe('/consent');
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('How we use your data');
    await check(page, 'consent');
    // Continuing without an answer shows a linked error.
    await submit(page, 'Continue');
    expect(await page.title()).toMatch(/^Error: /);
    await check(page);
    await page.getByRole('link', { name: 'Select yes if you agree' }).click();
    await page.getByLabel('Yes, I agree').check();
    await submit(page, 'Continue');

    // The application form is prefilled from verified claims.
    expect(new URL(page.url()).pathname).toBe('/application');
    expect(await page.getByLabel('Full name').inputValue()).toBe('Amina Diallo');
    expect(await page.getByLabel('Date of birth').inputValue()).toBe('1990-04-12');
    expect(await page.getByLabel('National ID number').inputValue()).toBe('7281940365');
    await check(page, 'application-form');
    // Validation errors are summarised and linked to their fields (keyboard: focus moves there).
    await page.getByLabel('People in your household').fill('0');
    await submit(page, 'Save and continue');
    expect(await page.title()).toMatch(/^Error: /);
    await check(page, 'application-errors');
    await page.getByRole('link', { name: /how many people live in your household/ }).click();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('householdSize');
    await page.getByLabel('People in your household').fill('5');
    await page.getByLabel('Mobile money', { exact: true }).check();
    await page.getByLabel('Mobile money number or bank account').fill('+221770000001');
    await submit(page, 'Save and continue');

    // Document upload.
    expect(new URL(page.url()).pathname).toBe('/application/document');
    await check(page, 'document-upload');
    await page.getByLabel('Proof of residence').setInputFiles({
      name: 'residence.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('Certificate of residence'),
    });
    await submit(page, 'Upload and continue');
    expect(new URL(page.url()).pathname).toBe('/application/check');
    await check(page, 'check-answers');
    await submit(page, 'Send application');
    expect(await page.getByText('Application sent').count()).toBe(1);
    await check(page, 'status-submitted');

    // The operator reviews and approves.
    const olu = await browser.newContext();
    const operator = await signIn(olu, 'Olu Adeyemi');
    expect(new URL(operator.url()).pathname).toBe('/operator');
    await check(operator, 'operator-queue');
    await operator
      .getByRole('link', { name: /^Review/ })
      .first()
      .click();
    await check(operator, 'operator-review');
    await submit(operator, 'Record decision');
    await check(operator);
    await operator.getByLabel('Approve and enrol').check();
    await operator.getByLabel('Reason (shown to the applicant)').fill('Eligible.');
    await submit(operator, 'Record decision');
    expect(await operator.getByText('Decision recorded').count()).toBe(1);
    await check(operator);

    // Maker-checker: Maya creates the batch, cannot approve it; Chen approves; Maya disburses.
    const maya = await signIn(await browser.newContext(), 'Maya Flores');
    expect(new URL(maya.url()).pathname).toBe('/officer');
    await check(maya, 'officer-batches');
    await submit(maya, 'Create batch from the registry');
    await check(maya, 'batch-awaiting-approval');
    expect(await maya.getByText('a second programme officer must approve it').count()).toBe(1);
    const batchUrl = maya.url();
    const chen = await signIn(await browser.newContext(), 'Chen Wei');
    await chen.goto(batchUrl);
    await submit(chen, 'Approve batch');
    await check(chen);
    await maya.goto(batchUrl);
    await submit(maya, 'Disburse payments');
    await check(maya, 'batch-paid');

    // Amina sees "paid", gives feedback, sees her audit trail, withdraws consent.
    page = await amina.newPage();
    await page.goto(`${server.url}/status`);
    expect(await page.getByRole('cell', { name: 'Paid' }).count()).toBe(1);
    await check(page, 'status-paid');
    await page.getByRole('link', { name: 'Give feedback on this service' }).click();
    await check(page, 'feedback');
    await page.getByLabel('Very satisfied').check();
    await submit(page, 'Send feedback');
    await check(page);
    await page.goto(`${server.url}/audit`);
    expect(await page.getByText('Record verified').count()).toBe(1);
    await check(page, 'audit');
    await page.goto(`${server.url}/account`);
    await check(page, 'account');
    await submit(page, 'Withdraw my consent');
    expect(await page.getByText('You withdrew your consent').count()).toBe(1);
    await check(page);

    // The next batch leaves her out: consent is checked, not assumed.
    await maya.goto(`${server.url}/officer`);
    await maya.getByLabel('Month').fill('2099-01');
    await submit(maya, 'Create batch from the registry');
    expect(await maya.getByRole('cell', { name: 'consent withdrawn' }).count()).toBe(1);
    await check(maya);

    // Notifications are in the development mailbox; the performance page shows the figures.
    await page.goto(`${server.url}/dev/mailbox`);
    expect(await page.getByText('Payment sent').count()).toBeGreaterThan(0);
    await check(page, 'mailbox');
    await page.goto(`${server.url}/performance`);
    await check(page, 'performance');
    expect(await page.getByText('100%').count()).toBe(1);

    expect(new Set(scanned).size).toBeGreaterThanOrEqual(14);
  });

  it('works without JavaScript: Dara signs in, consents, applies and uploads with scripts off', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel(/^Sok Dara/).check();
    await submit(page, 'Continue to the identity provider');
    await page.waitForURL(`${server.url}/consent`);
    await page.getByLabel('Yes, I agree').check();
    await submit(page, 'Continue');
    expect(await page.getByLabel('Full name').inputValue()).toBe('Sok Dara');
    await page.getByLabel('People in your household').fill('2');
    await page.getByLabel('Bank account', { exact: true }).check();
    await page.getByLabel('Mobile money number or bank account').fill('KH0012345678');
    await submit(page, 'Save and continue');
    await page.getByLabel('Proof of residence').setInputFiles({
      name: 'residence.pdf',
      mimeType: 'application/pdf',
      buffer: Buffer.from('%PDF-1.4 residence'),
    });
    await submit(page, 'Upload and continue');
    await submit(page, 'Send application');
    expect(await page.getByText('Application sent').count()).toBe(1);
    expect(await page.getByText('Received').count()).toBeGreaterThan(0);
    await context.close();
  });
});
