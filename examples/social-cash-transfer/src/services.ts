/**
 * The six govblocks building blocks composed into one service, on one database, through their
 * public APIs only:
 *
 * - audit: a tamper-evident log (sql store) that is the `AuditSink` of every other engine;
 * - identity: a dev OpenID provider (eSignet-like) and relying parties that sign people in;
 * - consent: a data agreement for the cash-transfer purpose, checked before data is used;
 * - registration: the cash-transfer e-service (form, document, operator review) and the
 *   beneficiary registry that approval enrols people in;
 * - payments: monthly batches with maker-checker approval, paid through the simulator rail;
 * - messaging: email to a local SMTP capture and SMS to a console/memory channel.
 *
 * `openDatabase(url)` gives PGlite in a temporary folder by default and PostgreSQL for a
 * `postgres://` URL. PGlite is for development and pilots; run PostgreSQL in production.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AuditLog,
  type AuditStore,
  auditSubjectReader,
  createAuditLog,
  createAuditSink,
  createNoteSigner,
  createNoteVerifier,
  generateNoteKey,
  type LogAuditSink,
  type NoteVerifier,
} from '@govblocks/audit';
import { sqlAuditStore, sqlSubjectKeyStore } from '@govblocks/audit/sql';
import {
  type ConsentService,
  createConsentService,
  type DataAgreement,
  generateConsentSigner,
} from '@govblocks/consent';
import { sqlConsentStore } from '@govblocks/consent/sql';
import type { ActorContext } from '@govblocks/core';
import { openDatabase, type SqlClient } from '@govblocks/core/sql';
import { createRelyingParty, generateClientKeys, type RelyingParty } from '@govblocks/identity';
import { createDevIdp, type DevIdp, type PersonaInput } from '@govblocks/identity/dev-idp';
import {
  type Channel,
  createMessagingService,
  type MemoryChannel,
  type MessagingEngine,
  memoryChannel,
} from '@govblocks/messaging';
import { type LocalSmtpServer, smtpChannel, startLocalSmtpServer } from '@govblocks/messaging/smtp';
import { sqlMessagingStore } from '@govblocks/messaging/sql';
import { createPaymentService, type PaymentService, simulatorRail } from '@govblocks/payments';
import { sqlPaymentStore, sqlSimulatorLedger } from '@govblocks/payments/sql';
import {
  createRegistrationService,
  createRegistry,
  type RegistrationService,
  type Registry,
  registrationAdminRole,
} from '@govblocks/registration';
import {
  createSqlDocumentStore,
  createSqlRegistrationStore,
  createSqlRegistryStore,
} from '@govblocks/registration/sql';

/** The e-service key, the registry and the consent purpose of this programme. */
export const programme = {
  serviceKey: 'social-cash-transfer',
  registry: { registry: 'cash-transfer-beneficiaries', version: '1.0' },
  purpose: 'Social cash transfer: eligibility, enrolment and payment',
  currency: 'USD',
  /** Monthly transfer: a base amount and a top-up per household member, in minor units. */
  baseAmount: 40_00,
  perMember: 10_00,
  /** What handling one application costs the agency (minor units), for "cost per transaction". */
  processingCost: 12_50,
} as const;

/** Roles of staff. A real deployment takes them from the identity provider or a directory. */
export const roles = {
  operator: 'cash-transfer.operator',
  officer: 'cash-transfer.programme-officer',
} as const;

/** Everyone the dev IdP can sign in: three applicants and three members of staff. Fictitious. */
export const personas: PersonaInput[] = [
  {
    id: 'amina',
    name: 'Amina Diallo',
    givenName: 'Amina',
    familyName: 'Diallo',
    birthdate: '1990-04-12',
    nationalId: '7281940365',
    phone: '+221770000001',
    email: 'amina.diallo@example.test',
    locale: 'en',
  },
  {
    id: 'dara',
    name: 'Sok Dara',
    givenName: 'Dara',
    familyName: 'Sok',
    birthdate: '1985-11-30',
    nationalId: '5550199876',
    phone: '+85512000002',
    email: 'sok.dara@example.test',
    locale: 'en',
  },
  {
    id: 'kofi',
    name: 'Kofi Mensah',
    givenName: 'Kofi',
    familyName: 'Mensah',
    birthdate: '1978-06-02',
    nationalId: '3141592653',
    phone: '+233200000003',
    email: 'kofi.mensah@example.test',
    locale: 'en',
  },
  {
    id: 'olu',
    name: 'Olu Adeyemi',
    birthdate: '1980-01-01',
    nationalId: 'STAFF-0001',
    phone: '+15550000101',
    email: 'olu.adeyemi@agency.example',
    locale: 'en',
  },
  {
    id: 'maya',
    name: 'Maya Flores',
    birthdate: '1982-02-02',
    nationalId: 'STAFF-0002',
    phone: '+15550000102',
    email: 'maya.flores@agency.example',
    locale: 'en',
  },
  {
    id: 'chen',
    name: 'Chen Wei',
    birthdate: '1983-03-03',
    nationalId: 'STAFF-0003',
    phone: '+15550000103',
    email: 'chen.wei@agency.example',
    locale: 'en',
  },
];

/** Staff directory: persona id → roles. Everyone else signs in as an applicant. */
export const staff: Record<string, { roles: string[]; title: string }> = {
  olu: { roles: [roles.operator], title: 'Case operator' },
  maya: { roles: [roles.officer], title: 'Programme officer' },
  chen: { roles: [roles.officer], title: 'Programme officer' },
};

/** The service acting on its own (defining the e-service, sending notifications). */
export const serviceContext: ActorContext = {
  actor: { type: 'service', id: 'cash-transfer-service', roles: [registrationAdminRole] },
};

export interface ServicesOptions {
  /** `postgres://…` for PostgreSQL; default: PGlite in a fresh temporary folder. */
  databaseUrl?: string;
  /**
   * PostgreSQL only: the schema that holds every block's tables (created when missing).
   * Default: a fresh `cash_transfer_<time>` schema per run, so runs never mix.
   */
  schema?: string;
  /** PostgreSQL only: drop the schema on `close()` (tests). */
  dropSchemaOnClose?: boolean;
  /** Where progress lines go (SMS notices, etc.). Default: nowhere. */
  log?: (line: string) => void;
}

export interface Services {
  db: SqlClient;
  databaseLabel: string;
  auditLog: AuditLog;
  /** The log's storage, for whole-log verification (`verifyStore`). */
  auditStore: AuditStore;
  audit: LogAuditSink;
  /** The public key that verifies the log's checkpoints. */
  auditVerifiers: NoteVerifier[];
  idp: DevIdp;
  /** A relying party for `redirectUri` (registers a client at the dev IdP on first use). */
  relyingParty(redirectUri: string): Promise<RelyingParty>;
  consent: ConsentService;
  dataAgreement: DataAgreement;
  registration: RegistrationService;
  registry: Registry;
  payments: PaymentService;
  messaging: MessagingEngine;
  smtp: LocalSmtpServer;
  sms: MemoryChannel;
  close(): Promise<void>;
}

/** A console SMS channel that also keeps what it sent, for the dev mailbox page. */
function consoleSmsChannel(log: (line: string) => void): MemoryChannel {
  const memory = memoryChannel({ kind: 'sms', name: 'console-sms' });
  return {
    ...memory,
    sent: memory.sent,
    byIdempotencyKey: memory.byIdempotencyKey,
    async send(message, options) {
      const receipt = await memory.send(message, options);
      log(`     [sms ${receipt.providerMessageId}] ${message.text}`);
      return receipt;
    },
  };
}

/** The cash-transfer e-form: what an applicant fills in (JSON Schema, validated with Ajv). */
export const applicationSchema = {
  type: 'object',
  required: [
    'fullName',
    'birthDate',
    'nationalId',
    'householdSize',
    'phone',
    'email',
    'paymentMethod',
    'accountNumber',
  ],
  additionalProperties: false,
  properties: {
    fullName: { type: 'string', minLength: 2, maxLength: 120, title: 'Full name' },
    birthDate: { type: 'string', format: 'date', title: 'Date of birth' },
    nationalId: { type: 'string', pattern: '^[0-9]{10}$', title: 'National ID number' },
    householdSize: { type: 'integer', minimum: 1, maximum: 20, title: 'People in your household' },
    phone: { type: 'string', pattern: '^\\+[1-9][0-9]{6,14}$', title: 'Mobile phone number' },
    email: { type: 'string', format: 'email', title: 'Email address' },
    paymentMethod: {
      type: 'string',
      enum: ['mobile_money', 'bank_account'],
      title: 'How you want to be paid',
    },
    accountNumber: {
      type: 'string',
      minLength: 5,
      maxLength: 34,
      pattern: '^[A-Za-z0-9+]+$',
      title: 'Mobile money number or bank account',
    },
  },
} as const;

const templates = [
  {
    id: 'submitted',
    subject: 'We have your application {{ref}}',
    text: 'Dear {{name}}, we received your application for social cash transfer (reference {{ref}}). We will tell you our decision.',
  },
  {
    id: 'information-requested',
    subject: 'We need more information: application {{ref}}',
    text: 'Dear {{name}}, we need more information about application {{ref}}: {{reason}} Please sign in to update it.',
  },
  {
    id: 'approved',
    subject: 'Application {{ref}} approved',
    text: 'Dear {{name}}, your application {{ref}} is approved. You are enrolled and will be paid monthly.',
  },
  {
    id: 'rejected',
    subject: 'Decision on application {{ref}}',
    text: 'Dear {{name}}, we could not approve application {{ref}}: {{reason}}',
  },
  {
    id: 'paid',
    subject: 'Payment sent: {{amount}}',
    text: 'Dear {{name}}, we sent {{amount}} for {{month}} to your account ending {{account}}.',
  },
] as const;

/** Opens the database and builds every block on it. */
export async function createServices(options: ServicesOptions = {}): Promise<Services> {
  const log = options.log ?? (() => {});
  let tempDir: string | undefined;
  let url = options.databaseUrl;
  if (!url) {
    tempDir = mkdtempSync(join(tmpdir(), 'govblocks-cash-transfer-'));
    url = pathToFileURL(join(tempDir, 'blocks')).href;
  }
  const postgres = url.startsWith('postgres');
  const schema = postgres
    ? (options.schema ??
      `cash_transfer_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}`)
    : undefined;
  if (schema !== undefined) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw new Error(`invalid schema name '${schema}': lowercase letters, digits and _`);
    const admin = await openDatabase(url);
    await admin.query(`create schema if not exists ${schema}`);
    await admin.close();
  }
  const db = await openDatabase(url, schema === undefined ? {} : { schema });
  // PGlite is a single connection: an engine that writes its audit event inside its own
  // transaction would wait for itself. So on PGlite the audit log gets its own embedded
  // database (a sibling folder); on PostgreSQL everything shares one database.
  const auditDb = postgres
    ? db
    : await openDatabase(tempDir ? pathToFileURL(join(tempDir, 'audit')).href : 'memory://');
  const databaseLabel = postgres
    ? `PostgreSQL (schema ${schema})`
    : `PGlite (embedded) in ${tempDir ?? url}`;

  // Audit: one tamper-evident log that every engine writes to.
  const keys = generateNoteKey('cash-transfer.example/audit');
  const auditStore = await sqlAuditStore(auditDb);
  const auditLog = createAuditLog({
    store: auditStore,
    origin: 'cash-transfer.example/audit',
    signer: createNoteSigner(keys.signerKey),
  });
  const audit = createAuditSink({
    log: auditLog,
    pseudonymKey: randomBytes(32),
    subjectKeys: sqlSubjectKeyStore(auditDb),
  });
  const auditVerifiers = [createNoteVerifier(keys.verifierKey)];

  // Identity: a dev OpenID provider with our personas.
  const idp = await createDevIdp({ personas });
  const relyingParties = new Map<string, RelyingParty>();
  let clientCounter = 0;
  async function relyingParty(redirectUri: string): Promise<RelyingParty> {
    const known = relyingParties.get(redirectUri);
    if (known) return known;
    const clientKeys = await generateClientKeys();
    clientCounter += 1;
    const clientId = `cash-transfer-${clientCounter}`;
    await idp.addClient({
      clientId,
      redirectUris: [redirectUri],
      jwks: clientKeys.publicJwks,
      userinfo: 'jwe',
    });
    const rp = createRelyingParty({
      issuer: idp.issuer,
      clientId,
      redirectUri,
      signingKey: clientKeys.signingKey,
      decryptionKey: clientKeys.decryptionKey,
      audit,
    });
    relyingParties.set(redirectUri, rp);
    return rp;
  }

  // Consent: the data agreement people see before they apply.
  const consent = createConsentService({
    store: await sqlConsentStore(db),
    audit,
    signer: await generateConsentSigner(),
  });
  const { policy } = await consent.createPolicy(serviceContext, {
    name: 'Ministry of Social Protection privacy policy',
    version: '1.0',
    url: 'https://social.example.gov/privacy/1.0',
  });
  const { dataAgreement } = await consent.createDataAgreement(serviceContext, {
    version: '1.0',
    policyId: policy.id,
    purpose: programme.purpose,
    purposeDescription:
      'To decide whether your household is eligible for the monthly social cash transfer, to enrol you in the beneficiary registry, to pay you every month and to tell you about your application and payments.',
    lawfulBasis: 'consent',
    dpia: 'DPIA-SCT-2026-01',
    active: true,
    forgettable: true,
    lifecycle: 'complete',
    attributes: [
      { name: 'full name', sensitivity: 'personal', category: 'identity' },
      { name: 'date of birth', sensitivity: 'personal', category: 'identity' },
      { name: 'national ID number', sensitivity: 'personal', category: 'identity' },
      { name: 'household size', sensitivity: 'personal', category: 'household' },
      { name: 'phone number and email address', sensitivity: 'personal', category: 'contact' },
      {
        name: 'mobile money number or bank account',
        sensitivity: 'personal',
        category: 'financial',
      },
    ],
  });

  // Registration: the e-service and the beneficiary registry it enrols into.
  const auditReader = auditSubjectReader(auditLog, audit);
  const registry = createRegistry({
    store: await createSqlRegistryStore(db),
    audit,
    auditReader,
  });
  await registry.defineRegistry(serviceContext, {
    name: programme.registry.registry,
    version: programme.registry.version,
    schema: {
      type: 'object',
      required: ['nationalId', 'fullName', 'householdSize', 'paymentMethod', 'accountNumber'],
      properties: {
        nationalId: { type: 'string' },
        fullName: { type: 'string' },
        birthDate: { type: 'string' },
        householdSize: { type: 'integer' },
        phone: { type: 'string' },
        email: { type: 'string' },
        paymentMethod: { type: 'string' },
        accountNumber: { type: 'string' },
        applicationId: { type: 'string' },
        applicantId: { type: 'string' },
        enrolledAt: { type: 'string' },
      },
    },
    primaryKey: 'nationalId',
    personalIdField: 'nationalId',
    searchable: ['nationalId', 'applicantId'],
    code: 'SCT',
    description: 'Households enrolled in the social cash transfer programme',
    institution: 'Ministry of Social Protection',
  });
  const registration = createRegistrationService({
    store: await createSqlRegistrationStore(db),
    documents: await createSqlDocumentStore(db),
    registry,
    audit,
  });
  await registration.defineService(serviceContext, {
    key: programme.serviceKey,
    name: 'Apply for social cash transfer',
    description: 'A monthly cash transfer for households on low incomes.',
    eForms: [
      {
        key: 'application',
        name: 'Social cash transfer application',
        schema: applicationSchema as unknown as Record<string, unknown>,
      },
    ],
    requiredDocuments: [
      {
        key: 'proof-of-residence',
        name: 'Proof of residence',
        contentTypes: ['application/pdf', 'image/jpeg', 'image/png', 'text/plain'],
        maxBytes: 2 * 1024 * 1024,
      },
    ],
    workflow: [{ key: 'eligibility', name: 'Eligibility review', role: roles.operator }],
    processingCost: { amount: programme.processingCost, currency: programme.currency },
    registry: {
      ...programme.registry,
      fields: {
        nationalId: '/nationalId',
        fullName: '/fullName',
        birthDate: '/birthDate',
        householdSize: '/householdSize',
        phone: '/phone',
        email: '/email',
        paymentMethod: '/paymentMethod',
        accountNumber: '/accountNumber',
        applicationId: '$applicationId',
        applicantId: '$applicantId',
        enrolledAt: '$decidedAt',
      },
    },
  });

  // Payments: the simulator rail (no faults), maker-checker approval.
  const payments = createPaymentService({
    store: await sqlPaymentStore(db),
    rails: { simulator: simulatorRail({ ledger: sqlSimulatorLedger(db) }) },
    audit,
    // One checker besides the maker; batches above USD 10,000 need two.
    approval: { thresholds: { [programme.currency]: 10_000_00 } },
  });

  // Messaging: email to a real SMTP server on loopback, SMS to the console.
  const smtp = await startLocalSmtpServer();
  const email: Channel = smtpChannel({
    host: smtp.host,
    port: smtp.port,
    from: { address: 'noreply@social.example.gov', name: 'Social cash transfer' },
  });
  const sms = consoleSmsChannel(log);
  const messaging = createMessagingService({
    store: await sqlMessagingStore(db),
    channels: [email, sms],
    audit,
  });
  for (const template of templates) {
    await messaging.defineTemplate(serviceContext, {
      id: `${template.id}-email`,
      channel: 'email',
      defaultLanguage: 'en',
      languages: { en: { subject: template.subject, text: template.text } },
    });
    await messaging.defineTemplate(serviceContext, {
      id: `${template.id}-sms`,
      channel: 'sms',
      defaultLanguage: 'en',
      languages: { en: { text: template.text } },
    });
  }

  return {
    db,
    databaseLabel,
    auditLog,
    auditStore,
    audit,
    auditVerifiers,
    idp,
    relyingParty,
    consent,
    dataAgreement,
    registration,
    registry,
    payments,
    messaging,
    smtp,
    sms,
    async close() {
      await email.close?.();
      await smtp.close();
      await idp.close();
      await db.close();
      if (auditDb !== db) await auditDb.close();
      if (schema !== undefined && options.dropSchemaOnClose) {
        const admin = await openDatabase(url);
        await admin.query(`drop schema if exists ${schema} cascade`);
        await admin.close();
      }
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}
