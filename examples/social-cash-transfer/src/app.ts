/**
 * The web UI of the cash-transfer service: server-rendered HTML (Hono) that works without
 * JavaScript, in the GOV.UK Design System's patterns (labels, hints, error summaries linked to
 * their fields, one thing per page). Every page calls the same journey functions as the demo.
 */
import { randomBytes } from 'node:crypto';
import { GovBlocksError } from '@govblocks/core';
import { sealSignInSession, unsealSignInSession } from '@govblocks/identity';
import { type Application, createSchemaCompiler } from '@govblocks/registration';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { html } from 'hono/html';
import { simpleParser } from 'mailparser';
import {
  approveBatch,
  auditForPerson,
  type BatchPlan,
  consentStatus,
  createJourneyState,
  createMonthlyBatch,
  currentApplication,
  decide,
  disburse,
  enrolledBeneficiaries,
  formatMoney,
  giveConsent,
  giveFeedback,
  type JourneyState,
  monthlyAmount,
  openTask,
  operatorQueue,
  paymentsOf,
  performance,
  prefill,
  type Session,
  saveApplication,
  sessionFromSubject,
  signInClaims,
  submitApplication,
  uploadDocument,
  withdrawConsent,
} from './journey.js';
import { applicationSchema, personas, roles, type Services, staff } from './services.js';
import { mountAssets } from './ui/assets.js';
import {
  button,
  errorSummary,
  type FieldError,
  type Html,
  notice,
  panel,
  radios,
  summaryList,
  table,
  tag,
  textarea,
  textInput,
} from './ui/components.js';
import { layout } from './ui/layout.js';

export interface AppOptions {
  /** The public origin of the app (`http://localhost:3000`), for the sign-in redirect. */
  baseUrl: () => string;
  state?: JourneyState;
}

type Env = { Variables: { session: Session | undefined } };

const statusLabels: Record<
  Application['status'],
  [string, 'blue' | 'green' | 'red' | 'grey' | 'yellow']
> = {
  draft: ['Not submitted', 'grey'],
  submitted: ['Received', 'blue'],
  in_review: ['Being reviewed', 'blue'],
  more_information_requested: ['More information needed', 'yellow'],
  resubmitted: ['Received again', 'blue'],
  payment_pending: ['Waiting for payment', 'yellow'],
  approved: ['Approved', 'green'],
  rejected: ['Not approved', 'red'],
  withdrawn: ['Withdrawn', 'grey'],
};

const fieldLabels: Record<string, string> = {
  fullName: 'Full name',
  birthDate: 'Date of birth',
  nationalId: 'National ID number',
  householdSize: 'People in your household',
  phone: 'Mobile phone number',
  email: 'Email address',
  paymentMethod: 'How you want to be paid',
  accountNumber: 'Mobile money number or bank account',
};

const fieldMessages: Record<string, string> = {
  fullName: 'Enter your full name',
  birthDate: 'Enter your date of birth as a date, like 1990-04-12',
  nationalId: 'Enter your 10-digit national ID number',
  householdSize: 'Enter how many people live in your household, from 1 to 20',
  phone: 'Enter a mobile phone number in international format, like +221770000001',
  email: 'Enter an email address, like name@example.com',
  paymentMethod: 'Select how you want to be paid',
  accountNumber: 'Enter your mobile money number or bank account (5 to 34 letters and digits)',
};

const paymentMethods = [
  { value: 'mobile_money', label: 'Mobile money' },
  { value: 'bank_account', label: 'Bank account' },
];

/** Creates the Hono app over the services. */
export function createApp(services: Services, options: AppOptions): Hono<Env> {
  const app = new Hono<Env>();
  const state = options.state ?? createJourneyState();
  const sessions = new Map<string, Session>();
  const plans = new Map<string, BatchPlan>();
  const sealSecret = randomBytes(32);
  const form = createSchemaCompiler().compile(
    applicationSchema as unknown as Record<string, unknown>,
  );
  const redirectUri = () => `${options.baseUrl()}/auth/callback`;

  mountAssets(app as unknown as Hono);

  app.use('*', async (c, next) => {
    const id = getCookie(c, 'sid');
    c.set('session', id ? sessions.get(id) : undefined);
    await next();
  });

  const page = (
    c: Context<Env>,
    title: string,
    body: Html | string,
    extra: { hasErrors?: boolean; back?: string; status?: 200 | 400 | 403 | 404 | 409 | 500 } = {},
  ) => {
    const session = c.get('session');
    return c.html(
      layout(
        {
          title,
          ...(session ? { user: { name: session.name, role: session.title } } : {}),
          ...(extra.hasErrors ? { hasErrors: true } : {}),
          ...(extra.back ? { back: extra.back } : {}),
        },
        body,
      ),
      extra.status ?? 200,
    );
  };

  const applicant = (c: Context<Env>) => {
    const session = c.get('session');
    return session && session.context.actor.type === 'person' ? session : undefined;
  };
  const withRole = (c: Context<Env>, role: string) => {
    const session = c.get('session');
    return session?.context.actor.roles.includes(role) ? session : undefined;
  };
  const signInFirst = (c: Context<Env>) => c.redirect('/sign-in', 303);

  // ───────────── start, sign-in (redirect flow through the dev IdP) ─────────────

  app.get('/', (c) => {
    const session = c.get('session');
    const next = !session
      ? html`<a class="button" href="/sign-in" role="button" draggable="false">Start now</a>`
      : session.context.actor.type === 'person'
        ? html`<p><a href="/status">See your application</a></p>`
        : session.context.actor.roles.includes(roles.operator)
          ? html`<p><a href="/operator">Go to the review queue</a></p>`
          : html`<p><a href="/officer">Go to payment batches</a></p>`;
    return page(
      c,
      'Apply for social cash transfer',
      html`<h1>Apply for social cash transfer</h1>
        <p>A monthly payment for households on low incomes: ${formatMoney(40_00)} a month plus ${formatMoney(10_00)} for each person in the household.</p>
        <p>You will need:</p>
        <ul>
          <li>to sign in with your national digital identity</li>
          <li>your mobile money number or bank account</li>
          <li>a proof of residence (PDF, JPEG, PNG or a text file)</li>
        </ul>
        ${next}`,
    );
  });

  app.get('/sign-in', (c) =>
    page(
      c,
      'Sign in',
      html`<form method="post" action="/sign-in" novalidate>
        <h1>Sign in with your national digital identity</h1>
        ${notice('Development build: choose a test person. The identity provider signs them in without a password.')}
        ${radios({
          name: 'persona',
          legend: 'Who are you?',
          items: personas.map((persona) => ({
            value: persona.id,
            label: `${persona.name} — ${staff[persona.id]?.title ?? 'applicant'}`,
          })),
          checked: 'amina',
        })}
        ${button('Continue to the identity provider')}
      </form>`,
      { back: '/' },
    ),
  );

  app.post('/sign-in', async (c) => {
    const body = await c.req.parseBody();
    const persona = String(body.persona ?? '');
    if (!personas.some((candidate) => candidate.id === persona)) return c.redirect('/sign-in', 303);
    const rp = await services.relyingParty(redirectUri());
    const { url, session } = await rp.startSignIn({
      claims: signInClaims,
      requiredAssurance: 'substantial',
      loginHint: persona,
    });
    setCookie(c, 'signin', await sealSignInSession(session, sealSecret), {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/auth',
      maxAge: 600,
    });
    return c.redirect(url.toString(), 303);
  });

  app.get('/auth/callback', async (c) => {
    const sealed = getCookie(c, 'signin');
    if (!sealed) return c.redirect('/sign-in', 303);
    deleteCookie(c, 'signin', { path: '/auth' });
    const rp = await services.relyingParty(redirectUri());
    const verified = await rp.completeSignIn(
      await unsealSignInSession(sealed, sealSecret),
      new URL(c.req.url, options.baseUrl()),
    );
    const session = sessionFromSubject(verified);
    const id = randomBytes(24).toString('base64url');
    sessions.set(id, session);
    setCookie(c, 'sid', id, { httpOnly: true, sameSite: 'Lax', path: '/' });
    if (session.context.actor.roles.includes(roles.operator)) return c.redirect('/operator', 303);
    if (session.context.actor.roles.includes(roles.officer)) return c.redirect('/officer', 303);
    const consent = await consentStatus(services, session.subject);
    return c.redirect(consent.allowed ? '/status' : '/consent', 303);
  });

  app.post('/sign-out', (c) => {
    const id = getCookie(c, 'sid');
    if (id) sessions.delete(id);
    deleteCookie(c, 'sid', { path: '/' });
    return c.redirect('/', 303);
  });

  // ───────────── consent ─────────────

  const agreementSummary = () => {
    const agreement = services.dataAgreement;
    return summaryList([
      { key: 'Purpose', value: agreement.purpose },
      { key: 'Why we need it', value: agreement.purposeDescription ?? '' },
      { key: 'Legal basis', value: `${agreement.lawfulBasis} (you can withdraw at any time)` },
      {
        key: 'Data we use',
        value: html`<ul class="list">${agreement.attributes.map((attribute) => html`<li>${attribute.name}</li>`)}</ul>`,
      },
      { key: 'Agreement version', value: agreement.version },
    ]);
  };

  const consentPage = (c: Context<Env>, errors: FieldError[] = []) =>
    page(
      c,
      'How we use your data',
      html`${errorSummary(errors)}
        <h1>How we use your data</h1>
        <p>Before you apply, read what data we use and why. We check your answer every time we use your data.</p>
        ${agreementSummary()}
        <form method="post" action="/consent" novalidate>
          ${radios({
            name: 'agree',
            legend: 'Do you agree to us using your data for this purpose?',
            items: [
              { value: 'yes', label: 'Yes, I agree' },
              { value: 'no', label: 'No, I do not agree' },
            ],
            errors,
          })}
          ${button('Continue')}
        </form>`,
      { hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200 },
    );

  app.get('/consent', (c) => (applicant(c) ? consentPage(c) : signInFirst(c)));

  app.post('/consent', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const agree = (await c.req.parseBody()).agree;
    if (agree !== 'yes' && agree !== 'no')
      return consentPage(c, [{ field: 'agree', message: 'Select yes if you agree' }]);
    if (agree === 'no')
      return page(
        c,
        'You cannot apply without agreeing',
        html`<h1>You cannot apply without agreeing</h1>
          <p>We cannot decide on an application without using the data it contains.</p>
          <p><a href="/consent">Read the data agreement again</a></p>`,
      );
    await giveConsent(services, session);
    return c.redirect('/application', 303);
  });

  // ───────────── application ─────────────

  const applicationForm = (
    c: Context<Env>,
    values: Record<string, unknown>,
    errors: FieldError[] = [],
    informationRequest?: string,
  ) =>
    page(
      c,
      'Your application',
      html`${errorSummary(errors)}
        <h1>Your application</h1>
        ${informationRequest ? notice(html`<strong>We need more information:</strong> ${informationRequest}`) : ''}
        <p>We filled in what your national digital identity told us. Check it and complete the rest.</p>
        <form method="post" action="/application" novalidate>
          ${textInput({ name: 'fullName', label: fieldLabels.fullName!, value: String(values.fullName ?? ''), autocomplete: 'name', errors })}
          ${textInput({ name: 'birthDate', label: fieldLabels.birthDate!, hint: 'For example, 1990-04-12', value: String(values.birthDate ?? ''), autocomplete: 'bday', errors })}
          ${textInput({ name: 'nationalId', label: fieldLabels.nationalId!, hint: 'Verified by your national digital identity', value: String(values.nationalId ?? ''), errors, readonly: true })}
          ${textInput({ name: 'householdSize', label: fieldLabels.householdSize!, hint: 'Include yourself', type: 'number', value: String(values.householdSize ?? ''), errors })}
          ${textInput({ name: 'phone', label: fieldLabels.phone!, hint: 'We send text messages about your application to this number', type: 'tel', value: String(values.phone ?? ''), autocomplete: 'tel', errors })}
          ${textInput({ name: 'email', label: fieldLabels.email!, type: 'email', value: String(values.email ?? ''), autocomplete: 'email', errors })}
          ${radios({ name: 'paymentMethod', legend: fieldLabels.paymentMethod!, items: paymentMethods, checked: String(values.paymentMethod ?? ''), errors })}
          ${textInput({ name: 'accountNumber', label: fieldLabels.accountNumber!, value: String(values.accountNumber ?? ''), errors })}
          ${button('Save and continue')}
        </form>`,
      { hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200, back: '/status' },
    );

  app.get('/application', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    if (!(await consentStatus(services, session.subject)).allowed)
      return c.redirect('/consent', 303);
    const current = await currentApplication(services, session);
    if (current && current.status !== 'draft' && current.status !== 'more_information_requested')
      return c.redirect('/status', 303);
    return applicationForm(
      c,
      current ? { ...prefill(session), ...current.formData } : prefill(session),
      [],
      current?.status === 'more_information_requested'
        ? current.informationRequest?.reason
        : undefined,
    );
  });

  app.post('/application', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const body = await c.req.parseBody();
    const values: Record<string, unknown> = {};
    for (const field of Object.keys(fieldLabels)) {
      const value = typeof body[field] === 'string' ? String(body[field]).trim() : '';
      if (value !== '') values[field] = value;
    }
    // The national id comes from the identity provider, not from the form.
    if (session.claims.nationalId) values.nationalId = session.claims.nationalId;
    if (typeof values.householdSize === 'string' && /^\d+$/.test(values.householdSize))
      values.householdSize = Number(values.householdSize);
    const errors: FieldError[] = [];
    for (const issue of form.check(values)) {
      const field = issue.pointer.split('/')[1] ?? '';
      if (field && !errors.some((error) => error.field === field))
        errors.push({ field, message: fieldMessages[field] ?? issue.detail });
    }
    const order = Object.keys(fieldLabels);
    errors.sort((a, b) => order.indexOf(a.field) - order.indexOf(b.field));
    if (errors.length > 0) return applicationForm(c, values, errors);
    await saveApplication(services, session, values);
    return c.redirect('/application/document', 303);
  });

  const documentPage = (c: Context<Env>, errors: FieldError[] = []) =>
    page(
      c,
      'Upload a proof of residence',
      html`${errorSummary(errors)}
        <form method="post" action="/application/document" enctype="multipart/form-data" novalidate>
          <h1>Upload a proof of residence</h1>
          <div class="form-group${errors.length ? ' form-group--error' : ''}">
            <label class="label" for="document">Proof of residence</label>
            <div class="hint" id="document-hint">A PDF, JPEG, PNG or text file, smaller than 2 MB</div>
            ${errors.length ? html`<p class="error-message" id="document-error"><span class="visually-hidden">Error:</span> ${errors[0]!.message}</p>` : ''}
            <input class="file-upload" id="document" name="document" type="file" aria-describedby="document-hint${errors.length ? ' document-error' : ''}">
          </div>
          ${button('Upload and continue')}
        </form>`,
      { hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200, back: '/application' },
    );

  app.get('/application/document', (c) => (applicant(c) ? documentPage(c) : signInFirst(c)));

  app.post('/application/document', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const current = await currentApplication(services, session);
    if (!current) return c.redirect('/application', 303);
    const file = (await c.req.parseBody()).document;
    if (!(file instanceof File) || file.size === 0)
      return documentPage(c, [{ field: 'document', message: 'Select a proof of residence' }]);
    try {
      await uploadDocument(services, session, current.id, {
        fileName: file.name || 'document',
        contentType: file.type || 'application/octet-stream',
        content: new Uint8Array(await file.arrayBuffer()),
      });
    } catch (error) {
      if (GovBlocksError.isInstance(error) && error.status >= 400 && error.status < 500)
        return documentPage(c, [
          {
            field: 'document',
            message:
              error.code === 'DOCUMENT_TOO_LARGE'
                ? 'The file must be smaller than 2 MB'
                : 'The file must be a PDF, JPEG, PNG or text file',
          },
        ]);
      throw error;
    }
    return c.redirect('/application/check', 303);
  });

  app.get('/application/check', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const current = await currentApplication(services, session);
    if (!current) return c.redirect('/application', 303);
    const data = current.formData as Record<string, unknown>;
    return page(
      c,
      'Check your answers',
      html`<h1>Check your answers before sending your application</h1>
        ${summaryList([
          ...Object.entries(fieldLabels).map(([field, label]) => ({
            key: label,
            value:
              field === 'paymentMethod'
                ? (paymentMethods.find((method) => method.value === data[field])?.label ?? '')
                : String(data[field] ?? ''),
          })),
          {
            key: 'Proof of residence',
            value: current.documents.map((document) => document.fileName).join(', ') || 'None',
          },
        ])}
        <p><a href="/application">Change your answers</a></p>
        <form method="post" action="/application/submit">
          ${button('Send application')}
        </form>`,
      { back: '/application/document' },
    );
  });

  app.post('/application/submit', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const current = await currentApplication(services, session);
    if (!current) return c.redirect('/application', 303);
    await submitApplication(services, session, current.id);
    return c.redirect('/status?sent=1', 303);
  });

  // ───────────── status, feedback, account ─────────────

  app.get('/status', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const current = await currentApplication(services, session);
    if (!current)
      return page(
        c,
        'Your application',
        html`<h1>Your application</h1><p>You have not applied yet.</p>
          <p><a href="/consent">Start your application</a></p>`,
      );
    const [label, tone] = statusLabels[current.status];
    const payments = await paymentsOf(services, state, current);
    const ref = current.id.slice(-8).toUpperCase();
    return page(
      c,
      'Your application',
      html`${c.req.query('sent') ? panel('Application sent', html`Your reference number<br><strong>${ref}</strong>`) : html`<h1>Your application</h1>`}
        ${summaryList([
          { key: 'Reference', value: ref },
          { key: 'Status', value: tag(label, tone) },
          ...(current.decision ? [{ key: 'Reason', value: current.decision.reason }] : []),
          ...(current.status === 'more_information_requested' && current.informationRequest
            ? [{ key: 'What we need', value: current.informationRequest.reason }]
            : []),
        ])}
        ${current.status === 'draft' ? html`<p><a href="/application">Continue your application</a></p>` : ''}
        ${current.status === 'more_information_requested' ? html`<p><a href="/application">Update your application</a></p>` : ''}
        <h2>Payments</h2>
        ${
          payments.length
            ? table(
                'Your payments',
                ['Month', 'Amount', 'Status'],
                payments.map((payment) => [
                  payment.month,
                  formatMoney(payment.amount),
                  payment.state === 'paid' ? tag('Paid', 'green') : tag(payment.state, 'blue'),
                ]),
              )
            : html`<p>No payments yet.</p>`
        }
        ${
          (current.status === 'approved' || current.status === 'rejected') && !current.feedback
            ? html`<h2>Tell us what you think</h2><p><a href="/feedback">Give feedback on this service</a> (one question)</p>`
            : ''
        }
        ${current.feedback ? html`<p>Thank you for your feedback.</p>` : ''}
        <p><a href="/account">Your account and your data</a></p>`,
    );
  });

  const feedbackPage = (c: Context<Env>, errors: FieldError[] = []) =>
    page(
      c,
      'Give feedback',
      html`${errorSummary(errors)}
        <form method="post" action="/feedback" novalidate>
          <h1>Give feedback</h1>
          ${radios({
            name: 'rating',
            legend: 'Overall, how did you feel about the service you received today?',
            items: [
              { value: '5', label: 'Very satisfied' },
              { value: '4', label: 'Satisfied' },
              { value: '3', label: 'Neither satisfied nor dissatisfied' },
              { value: '2', label: 'Dissatisfied' },
              { value: '1', label: 'Very dissatisfied' },
            ],
            errors,
          })}
          ${textarea({ name: 'comment', label: 'How could we improve this service? (optional)', hint: 'Do not include personal information' })}
          ${button('Send feedback')}
        </form>`,
      { hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200, back: '/status' },
    );

  app.get('/feedback', (c) => (applicant(c) ? feedbackPage(c) : signInFirst(c)));

  app.post('/feedback', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const body = await c.req.parseBody();
    const rating = Number(body.rating);
    if (!Number.isInteger(rating) || rating < 1 || rating > 5)
      return feedbackPage(c, [
        { field: 'rating', message: 'Select how you felt about the service' },
      ]);
    const current = await currentApplication(services, session);
    if (!current) return c.redirect('/status', 303);
    const comment = typeof body.comment === 'string' ? body.comment.trim() : '';
    await giveFeedback(services, session, current.id, rating, comment || undefined);
    return page(
      c,
      'Thank you',
      html`${panel('Thank you for your feedback', 'It helps us improve the service.')}
        <p><a href="/performance">See how the service is performing</a></p>`,
    );
  });

  app.get('/account', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    const decision = await consentStatus(services, session.subject);
    return page(
      c,
      'Your account',
      html`<h1>Your account</h1>
        ${c.req.query('withdrawn') ? notice('You withdrew your consent. We will not use your data for this programme any more, and you will not be included in future payments.') : ''}
        ${summaryList([
          { key: 'Name', value: session.name },
          {
            key: 'Signed in with',
            value: `National digital identity (assurance ${session.assurance})`,
          },
          {
            key: 'Consent to use your data',
            value: decision.allowed ? tag('Given', 'green') : tag('Not given', 'red'),
          },
        ])}
        <h2>Your data</h2>
        ${agreementSummary()}
        ${
          decision.allowed
            ? html`<form method="post" action="/account/withdraw">
                <p>If you withdraw, we stop using your data: your application is no longer reviewed and you are not included in future payments.</p>
                ${button('Withdraw my consent', { secondary: true })}
              </form>`
            : html`<p><a href="/consent">Give your consent again</a></p>`
        }
        <p><a href="/audit">See who used your data, and check the record</a></p>`,
    );
  });

  app.post('/account/withdraw', async (c) => {
    const session = applicant(c);
    if (!session) return signInFirst(c);
    await withdrawConsent(services, session);
    return c.redirect('/account?withdrawn=1', 303);
  });

  // ───────────── operator ─────────────

  app.get('/operator', async (c) => {
    const session = withRole(c, roles.operator);
    if (!session) return signInFirst(c);
    const queue = await operatorQueue(services, session.context);
    return page(
      c,
      'Applications to review',
      html`<h1>Applications to review</h1>
        ${
          queue.length
            ? table(
                'Applications waiting for a decision',
                ['Reference', 'Applicant', 'Status', 'Received', ''],
                queue.map(({ task, application, consented }) => [
                  application.id.slice(-8).toUpperCase(),
                  consented
                    ? String((application.formData as Record<string, unknown>).fullName ?? '')
                    : tag('Consent withdrawn', 'red'),
                  tag(statusLabels[application.status][0], statusLabels[application.status][1]),
                  task.createdAt.slice(0, 16).replace('T', ' '),
                  html`<a href="/operator/tasks/${task.id}">Review<span class="visually-hidden"> application ${application.id.slice(-8).toUpperCase()}</span></a>`,
                ]),
              )
            : html`<p>There are no applications to review.</p>`
        }`,
    );
  });

  const reviewPage = async (c: Context<Env>, taskId: string, errors: FieldError[] = []) => {
    const session = withRole(c, roles.operator)!;
    const { application } = await openTask(services, session.context, taskId);
    const data = application.formData as Record<string, unknown>;
    return page(
      c,
      'Review application',
      html`${errorSummary(errors)}
        <h1>Review application ${application.id.slice(-8).toUpperCase()}</h1>
        ${summaryList([
          ...Object.entries(fieldLabels).map(([field, label]) => ({
            key: label,
            value: String(data[field] ?? ''),
          })),
          {
            key: 'Monthly amount if approved',
            value: formatMoney(monthlyAmount(Number(data.householdSize ?? 1))),
          },
          {
            key: 'Proof of residence',
            value: html`${application.documents.map((document) => html`<a href="/operator/applications/${application.id}/documents/${document.id}">${document.fileName}</a> (${document.size} bytes, SHA-256 ${document.sha256.slice(0, 12)}…)`)}`,
          },
        ])}
        <form method="post" action="/operator/tasks/${taskId}" novalidate>
          ${radios({
            name: 'decision',
            legend: 'Your decision',
            items: [
              { value: 'approve', label: 'Approve and enrol' },
              { value: 'request_information', label: 'Ask for more information' },
              { value: 'reject', label: 'Reject' },
            ],
            errors,
          })}
          ${textarea({ name: 'reason', label: 'Reason (shown to the applicant)', errors })}
          ${button('Record decision')}
        </form>`,
      { hasErrors: errors.length > 0, status: errors.length > 0 ? 400 : 200, back: '/operator' },
    );
  };

  app.get('/operator/tasks/:id', async (c) => {
    if (!withRole(c, roles.operator)) return signInFirst(c);
    return reviewPage(c, c.req.param('id'));
  });

  app.get('/operator/applications/:application/documents/:document', async (c) => {
    const session = withRole(c, roles.operator);
    if (!session) return signInFirst(c);
    const { ref, content } = await services.registration.getDocument(
      session.context,
      c.req.param('application'),
      c.req.param('document'),
    );
    return c.body(new Uint8Array(content), 200, {
      'content-type': ref.contentType,
      'content-disposition': `attachment; filename="${ref.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
    });
  });

  app.post('/operator/tasks/:id', async (c) => {
    const session = withRole(c, roles.operator);
    if (!session) return signInFirst(c);
    const body = await c.req.parseBody();
    const decision = String(body.decision ?? '');
    const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
    const errors: FieldError[] = [];
    if (!['approve', 'reject', 'request_information'].includes(decision))
      errors.push({ field: 'decision', message: 'Select a decision' });
    if (!reason) errors.push({ field: 'reason', message: 'Enter the reason for your decision' });
    if (errors.length) return reviewPage(c, c.req.param('id'), errors);
    const application = await decide(
      services,
      session.context,
      c.req.param('id'),
      decision as 'approve' | 'reject' | 'request_information',
      reason,
    );
    return page(
      c,
      'Decision recorded',
      html`${panel('Decision recorded', `Application ${application.id.slice(-8).toUpperCase()}: ${statusLabels[application.status][0]}`)}
        ${application.status === 'approved' ? html`<p>The applicant is enrolled in the beneficiary registry and will be included in the next payment batch.</p>` : ''}
        <p><a href="/operator">Back to the review queue</a></p>`,
    );
  });

  // ───────────── programme officers ─────────────

  app.get('/officer', async (c) => {
    const session = withRole(c, roles.officer);
    if (!session) return signInFirst(c);
    const enrolled = await enrolledBeneficiaries(services, session.context);
    const batches = [];
    for (const { batchId, month } of state.batches) {
      const batch = await services.payments.getBatch(session.context, batchId);
      batches.push([
        month,
        batch.createdBy,
        tag(batch.state.replaceAll('_', ' '), batch.state === 'completed' ? 'green' : 'blue'),
        html`<a href="/officer/batches/${batchId}">View<span class="visually-hidden"> batch for ${month}</span></a>`,
      ]);
    }
    return page(
      c,
      'Payment batches',
      html`<h1>Payment batches</h1>
        <p>${enrolled.length} households are enrolled in the beneficiary registry.</p>
        ${batches.length ? table('Batches', ['Month', 'Created by', 'State', ''], batches) : html`<p>No batches yet.</p>`}
        <h2>Create this month's batch</h2>
        <form method="post" action="/officer/batches" novalidate>
          ${textInput({ name: 'month', label: 'Month', hint: 'For example, 2026-11', value: new Date().toISOString().slice(0, 7) })}
          ${button('Create batch from the registry')}
        </form>`,
    );
  });

  app.post('/officer/batches', async (c) => {
    const session = withRole(c, roles.officer);
    if (!session) return signInFirst(c);
    const month = String((await c.req.parseBody()).month ?? '');
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
      return page(
        c,
        'Payment batches',
        html`${errorSummary([{ field: 'month', message: 'Enter a month like 2026-11' }])}
          <h1>Create a payment batch</h1>
          <form method="post" action="/officer/batches" novalidate>
            ${textInput({ name: 'month', label: 'Month', hint: 'For example, 2026-11', value: month, errors: [{ field: 'month', message: 'Enter a month like 2026-11' }] })}
            ${button('Create batch from the registry')}
          </form>`,
        { hasErrors: true, status: 400, back: '/officer' },
      );
    const plan = await createMonthlyBatch(services, state, session.context, month);
    plans.set(plan.batch.batchId, plan);
    return c.redirect(`/officer/batches/${plan.batch.batchId}`, 303);
  });

  app.get('/officer/batches/:id', async (c) => {
    const session = withRole(c, roles.officer);
    if (!session) return signInFirst(c);
    const batch = await services.payments.getBatch(session.context, c.req.param('id'));
    const plan = plans.get(batch.batchId);
    const isMaker = batch.createdBy === session.subject;
    const flash = c.req.query('done');
    return page(
      c,
      'Payment batch',
      html`<h1>Payment batch ${batch.description ?? ''}</h1>
        ${flash === 'approved' ? notice('You approved this batch.') : ''}
        ${flash === 'paid' ? notice('The batch was disbursed.') : ''}
        ${summaryList([
          {
            key: 'State',
            value: tag(
              batch.state.replaceAll('_', ' '),
              batch.state === 'completed' ? 'green' : 'blue',
            ),
          },
          { key: 'Created by', value: batch.createdBy },
          {
            key: 'Approvals',
            value: `${batch.approvals.map((approval) => approval.actorId).join(', ') || 'none'} (${batch.approvalsRequired} needed)`,
          },
        ])}
        ${
          plan
            ? html`${table(
                'Included',
                ['Beneficiary', 'Amount'],
                plan.included.map((row) => [row.name, formatMoney(row.amount)]),
              )}
              ${
                plan.excluded.length
                  ? table(
                      'Left out',
                      ['Beneficiary', 'Why'],
                      plan.excluded.map((row) => [row.name, row.reason]),
                    )
                  : ''
              }`
            : ''
        }
        ${
          batch.state === 'awaiting_approval'
            ? isMaker
              ? notice('You created this batch: a second programme officer must approve it.')
              : html`<form method="post" action="/officer/batches/${batch.batchId}/approve">${button('Approve batch')}</form>`
            : ''
        }
        ${batch.state === 'approved' ? html`<form method="post" action="/officer/batches/${batch.batchId}/disburse">${button('Disburse payments')}</form>` : ''}
        <p><a href="/officer">Back to payment batches</a></p>`,
    );
  });

  app.post('/officer/batches/:id/approve', async (c) => {
    const session = withRole(c, roles.officer);
    if (!session) return signInFirst(c);
    await approveBatch(services, session.context, c.req.param('id'));
    return c.redirect(`/officer/batches/${c.req.param('id')}?done=approved`, 303);
  });

  app.post('/officer/batches/:id/disburse', async (c) => {
    const session = withRole(c, roles.officer);
    if (!session) return signInFirst(c);
    await disburse(services, session.context, c.req.param('id'));
    return c.redirect(`/officer/batches/${c.req.param('id')}?done=paid`, 303);
  });

  // ───────────── public and development pages ─────────────

  app.get('/performance', async (c) => {
    const figures = await performance(services);
    const m = figures.measures;
    const show = (value: number | null | undefined, format: (v: number) => string = String) =>
      value === null || value === undefined ? 'Not enough data' : format(value);
    return page(
      c,
      'Service performance',
      html`<h1>Service performance</h1>
        <p>Open data about the social cash transfer service, from the application records. Figures about fewer than ${figures.minimumCount} people are not shown.</p>
        ${summaryList([
          { key: 'Applications started', value: show(m?.started) },
          { key: 'Applications decided', value: show(m?.processed) },
          {
            key: 'Completion rate',
            value: show(m?.completionRate, (v) => `${Math.round(v * 100)}%`),
          },
          {
            key: 'Median time to a decision',
            value: show(m?.medianHoursToDecision, (v) => `${v} hours`),
          },
          {
            key: 'User satisfaction',
            value: show(
              m?.satisfaction.averageRating,
              (v) => `${v} out of 5 (${m?.satisfaction.responses} responses)`,
            ),
          },
          {
            key: 'Cost per transaction',
            value: show(figures.costPerTransaction, (v) => formatMoney(v)),
          },
        ])}`,
    );
  });

  app.get('/dev/mailbox', async (c) => {
    const emails = [];
    for (const mail of services.smtp.received) {
      const parsed = await simpleParser(mail.raw);
      emails.push({
        to: mail.recipients.join(', '),
        subject: parsed.subject ?? '',
        text: parsed.text ?? '',
      });
    }
    return page(
      c,
      'Development mailbox',
      html`<h1>Development mailbox</h1>
        ${notice('Everything the service sent, captured locally: email at the development SMTP server, SMS on the console channel.')}
        <h2>Email (${emails.length})</h2>
        ${
          emails.length
            ? table(
                'Emails received by the local SMTP server',
                ['To', 'Subject', 'Message'],
                emails.reverse().map((mail) => [mail.to, mail.subject, mail.text]),
              )
            : html`<p>No email yet.</p>`
        }
        <h2>SMS (${services.sms.sent.length})</h2>
        ${
          services.sms.sent.length
            ? table(
                'Text messages sent on the console channel',
                ['To', 'Message'],
                [...services.sms.sent].reverse().map((sms) => [sms.to, sms.text]),
              )
            : html`<p>No SMS yet.</p>`
        }`,
    );
  });

  app.get('/audit', async (c) => {
    const session = applicant(c);
    if (!session)
      return page(
        c,
        'Audit log',
        html`<h1>Audit log</h1><p><a href="/sign-in">Sign in as an applicant</a> to see the events about you.</p>`,
      );
    const trail = await auditForPerson(services, state, session.subject);
    return page(
      c,
      'Your data and the record',
      html`<h1>Your data and the record</h1>
        ${
          trail.verified
            ? panel(
                'Record verified',
                `The signed checkpoint (${trail.size} entries) and the inclusion proof of each event below check out.`,
              )
            : html`<div class="error-summary" role="alert"><h2 class="error-summary__title">The record did not verify</h2><ul>${trail.problems.map((problem) => html`<li>${problem}</li>`)}</ul></div>`
        }
        <h2>Who used your data</h2>
        ${
          trail.usedBy.length
            ? table(
                'Uses of your data by staff and services',
                ['When', 'Who', 'What'],
                trail.usedBy.map((use) => [
                  use.time.slice(0, 19).replace('T', ' '),
                  use.actor,
                  use.action,
                ]),
              )
            : html`<p>Nobody else used your data.</p>`
        }
        <h2>Reads and changes of your registry record</h2>
        ${
          trail.usage.length
            ? table(
                'Uses of your beneficiary record, as the registry reports them from the audit log',
                ['When', 'Who', 'What', 'Registry'],
                trail.usage.map((use) => [
                  use.time.slice(0, 19).replace('T', ' '),
                  use.readerId,
                  use.action,
                  use.registry ?? '',
                ]),
              )
            : html`<p>Nobody else has read or changed your registry record.</p>`
        }
        <h2>Every event about you (${trail.entries.length})</h2>
        ${table(
          'Events in the tamper-evident audit log',
          ['#', 'When', 'Block', 'Action', 'By', 'Outcome'],
          trail.entries.map((entry) => [
            String(entry.index),
            entry.event.time.slice(0, 19).replace('T', ' '),
            entry.event.block,
            entry.event.action,
            entry.event.actor.id,
            entry.event.outcome,
          ]),
        )}
        <h2>Checkpoint</h2>
        <pre class="code" tabindex="0">${trail.checkpoint}</pre>`,
    );
  });

  app.onError((error, c) => {
    if (GovBlocksError.isInstance(error)) {
      if (error.code === 'CONSENT_REQUIRED' && applicant(c)) return c.redirect('/consent', 303);
      const status = (error.status >= 400 && error.status < 500 ? error.status : 500) as 400;
      return page(
        c,
        'Sorry, there is a problem',
        html`<h1>Sorry, there is a problem</h1><p>${error.code === 'CONSENT_REQUIRED' ? 'The person has withdrawn their consent: their data cannot be used.' : error.message.replace(/^\[[^\]]*\]\s*/, '')}</p><p>Code: ${error.code}</p>`,
        { status },
      );
    }
    console.error(error);
    return page(
      c,
      'Sorry, there is a problem',
      html`<h1>Sorry, there is a problem with the service</h1>`,
      {
        status: 500,
      },
    );
  });

  return app;
}

export interface RunningApp {
  url: string;
  close(): Promise<void>;
}

/** Serves the app with @hono/node-server. `port: 0` picks a free port. */
export async function serveApp(
  services: Services,
  options: { port?: number; hostname?: string; publicHost?: string; state?: JourneyState } = {},
): Promise<RunningApp> {
  let url = '';
  const app = createApp(services, {
    baseUrl: () => url,
    ...(options.state ? { state: options.state } : {}),
  });
  const hostname = options.hostname ?? '127.0.0.1';
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? 3000, hostname }, (info) => {
      url = `http://${options.publicHost ?? (hostname === '127.0.0.1' ? 'localhost' : hostname)}:${info.port}`;
      resolve({
        url,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}
