import { z } from 'zod';

/** A message goes out by email or by SMS. */
export const channelKindSchema = z.enum(['email', 'sms']);
export type ChannelKind = z.infer<typeof channelKindSchema>;

/**
 * Where a message is in its life:
 * - `queued` — stored in the outbox, waiting for a worker (also between retries);
 * - `sending` — a worker holds it and is handing it to a channel;
 * - `delivered` — a channel accepted it (the provider's id is kept);
 * - `failed` — a channel refused it permanently (bad address, content refused);
 * - `dead-lettered` — every attempt failed; `lastError` says why.
 */
export const messageStatusSchema = z.enum([
  'queued',
  'sending',
  'delivered',
  'failed',
  'dead-lettered',
]);
export type MessageStatus = z.infer<typeof messageStatusSchema>;
export const messageStatuses = messageStatusSchema.options;

/** A BCP 47 language tag: `en`, `fr`, `pt-BR`. */
export const languageSchema = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag');

/** Caller-chosen key that makes a send idempotent: printable ASCII, 1–255 characters. */
export const idempotencyKeySchema = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, '1–255 printable ASCII characters');

/** An email address (as zod checks it). */
export const emailAddressSchema = z.email().max(254);
/** A phone number in E.164 form: `+` and 7–15 digits. */
export const phoneNumberSchema = z
  .string()
  .regex(/^\+[1-9][0-9]{6,14}$/, 'an E.164 phone number (+ and digits)');

/** One language of a template version. Email needs a `subject`; `html` is optional. */
export const templateContentSchema = z.strictObject({
  subject: z.string().min(1).max(998).optional(),
  text: z.string().min(1).max(100_000),
  html: z.string().min(1).max(1_000_000).optional(),
});
export type TemplateContent = z.infer<typeof templateContentSchema>;

const templateIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,127}$/, 'lower-case letters, digits, . _ -');

function checkTemplate(
  value: {
    channel: ChannelKind;
    defaultLanguage: string;
    languages: Record<string, TemplateContent>;
  },
  context: z.RefinementCtx,
) {
  if (!Object.hasOwn(value.languages, value.defaultLanguage)) {
    context.addIssue({
      code: 'custom',
      path: ['languages'],
      message: 'must contain the default language',
    });
  }
  for (const [language, content] of Object.entries(value.languages)) {
    if (value.channel === 'email' && content.subject === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['languages', language, 'subject'],
        message: 'an email template needs a subject',
      });
    }
    if (value.channel === 'sms' && (content.subject !== undefined || content.html !== undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['languages', language],
        message: 'an SMS template has text only',
      });
    }
  }
}

/** What `defineTemplate` takes: every language of one new version. */
export const templateInputSchema = z
  .strictObject({
    id: templateIdSchema,
    channel: channelKindSchema,
    /** Used when a send names no language, or one the template lacks. */
    defaultLanguage: languageSchema,
    languages: z
      .record(languageSchema, templateContentSchema)
      .refine((value) => Object.keys(value).length > 0, 'at least one language'),
    description: z.string().max(1024).optional(),
  })
  .superRefine(checkTemplate);
export type TemplateInput = z.input<typeof templateInputSchema>;

/** One immutable version of a template. */
export const templateSchema = z.strictObject({
  id: templateIdSchema,
  /** 1, 2, 3…: each `defineTemplate` with changed content adds one. */
  version: z.number().int().positive(),
  channel: channelKindSchema,
  defaultLanguage: languageSchema,
  languages: z.record(languageSchema, templateContentSchema),
  description: z.string().max(1024).optional(),
  createdAt: z.iso.datetime(),
});
export type Template = z.infer<typeof templateSchema>;

/** Which template to render: its id, and optionally a version (default: latest) and language. */
export const templateReferenceSchema = z.strictObject({
  id: templateIdSchema,
  version: z.number().int().positive().optional(),
  language: languageSchema.optional(),
});
export type TemplateReference = z.infer<typeof templateReferenceSchema>;

/** Content given directly instead of a template (placeholders are still filled). */
export const directContentSchema = templateContentSchema;

export const personalisationSchema = z.record(
  z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/)
    .max(128),
  z.union([z.string().max(100_000), z.number(), z.boolean()]),
);

/** A sender address with an optional display name. */
export const senderSchema = z.strictObject({
  address: emailAddressSchema,
  name: z.string().max(256).optional(),
});

/**
 * Whose audit trail a message's events belong to — e.g. `{ type: 'person', id: 'P-1234' }` so
 * that notifications appear in that person's trail. `personal` (default true) tells persisting
 * audit sinks to pseudonymise the id. The recipient address itself is never used: without an
 * audit subject the events are filed under the pseudonymised recipient, as before.
 */
export const auditSubjectSchema = z.strictObject({
  type: z.string().min(1).max(64),
  id: z.string().min(1).max(512),
  personal: z.boolean().optional(),
});
export type AuditSubject = z.infer<typeof auditSubjectSchema>;

/** What is sent: one of `template` or `content`, for a channel kind. */
const messageSpecShape = {
  channel: channelKindSchema,
  template: templateReferenceSchema.optional(),
  content: directContentSchema.optional(),
  /** Email: the From address (default: the channel's). */
  from: senderSchema.optional(),
  /** Email: Reply-To. */
  replyTo: emailAddressSchema.optional(),
  /** Where status changes are POSTed, signed (see the engine's `callbacks` option). */
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  /** The sender's own reference, returned with the message (no personal data please). */
  reference: z.string().max(256).optional(),
};

function checkSpec(value: { template?: unknown; content?: unknown }, context: z.RefinementCtx) {
  if ((value.template === undefined) === (value.content === undefined)) {
    context.addIssue({
      code: 'custom',
      path: ['template'],
      message: 'give exactly one of template or content',
    });
  }
}

/** What `send` takes. */
export const sendInputSchema = z
  .strictObject({
    ...messageSpecShape,
    idempotencyKey: idempotencyKeySchema,
    /** Email address or E.164 phone number, as the channel needs. */
    to: z.string().min(3).max(254),
    cc: z.array(emailAddressSchema).max(50).optional(),
    bcc: z.array(emailAddressSchema).max(50).optional(),
    personalisation: personalisationSchema.default({}),
    /** Whose audit trail this message's events go to (default: the pseudonymised recipient). */
    auditSubject: auditSubjectSchema.optional(),
  })
  .superRefine(checkSpec);
export type SendInput = z.input<typeof sendInputSchema>;

/** One recipient of a batch. */
export const batchRecipientSchema = z.strictObject({
  to: z.string().min(3).max(254),
  cc: z.array(emailAddressSchema).max(50).optional(),
  bcc: z.array(emailAddressSchema).max(50).optional(),
  personalisation: personalisationSchema.optional(),
  /** Default: `<batch key>/<position>`. */
  idempotencyKey: idempotencyKeySchema.optional(),
  reference: z.string().max(256).optional(),
  /** Whose audit trail this message's delivery events go to (default: the pseudonymised recipient). */
  auditSubject: auditSubjectSchema.optional(),
});
export type BatchRecipient = z.input<typeof batchRecipientSchema>;

/** What `sendBatch` takes, apart from the recipients (a stream, so 100,000 fit in bounded memory). */
export const batchSpecSchema = z
  .strictObject({
    ...messageSpecShape,
    idempotencyKey: idempotencyKeySchema,
    /** Personalisation shared by every recipient (each recipient's own wins). */
    personalisation: personalisationSchema.default({}),
  })
  .superRefine(checkSpec);
export type BatchSpec = z.input<typeof batchSpecSchema>;

/** What `preview` takes. */
export const previewInputSchema = z
  .strictObject({
    channel: channelKindSchema,
    template: templateReferenceSchema.optional(),
    content: directContentSchema.optional(),
    personalisation: personalisationSchema.default({}),
  })
  .superRefine(checkSpec);
export type PreviewInput = z.input<typeof previewInputSchema>;

export const smsInfoSchema = z.strictObject({
  encoding: z.enum(['GSM-7', 'UCS-2']),
  characters: z.number().int().nonnegative(),
  units: z.number().int().nonnegative(),
  segments: z.number().int().nonnegative(),
  remainingInSegment: z.number().int().nonnegative(),
  nonGsmCharacters: z.array(z.string()),
});

export const warningSchema = z.strictObject({ code: z.string(), message: z.string() });
export type Warning = z.infer<typeof warningSchema>;

/** Rendered content: what a channel sends. */
export const renderedContentSchema = z.strictObject({
  subject: z.string().optional(),
  text: z.string(),
  html: z.string().optional(),
});
export type RenderedContent = z.infer<typeof renderedContentSchema>;

/** What `preview` returns: the rendered content, SMS facts and warnings. Nothing is stored. */
export const previewSchema = z.strictObject({
  channel: channelKindSchema,
  content: renderedContentSchema,
  template: z
    .strictObject({ id: z.string(), version: z.number().int(), language: z.string() })
    .optional(),
  sms: smsInfoSchema.optional(),
  warnings: z.array(warningSchema),
});
export type Preview = z.infer<typeof previewSchema>;

/** The last error of a message, as stored (never personal data). */
export const deliveryErrorSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
  channel: z.string().optional(),
  at: z.iso.datetime(),
});
export type DeliveryError = z.infer<typeof deliveryErrorSchema>;

/** A message in the outbox. */
export const messageSchema = z.strictObject({
  id: z.string(),
  idempotencyKey: z.string(),
  batchId: z.string().nullable(),
  channel: channelKindSchema,
  to: z.string(),
  cc: z.array(z.string()).optional(),
  bcc: z.array(z.string()).optional(),
  from: senderSchema.optional(),
  replyTo: z.string().optional(),
  content: renderedContentSchema,
  template: z
    .strictObject({ id: z.string(), version: z.number().int(), language: z.string() })
    .optional(),
  sms: smsInfoSchema.optional(),
  warnings: z.array(warningSchema),
  status: messageStatusSchema,
  /** Delivery attempts started so far. */
  attempts: z.number().int().nonnegative(),
  /** When a worker may next take it (queued) or when its lease ends (sending). */
  nextAttemptAt: z.iso.datetime().nullable(),
  lastError: deliveryErrorSchema.nullable(),
  /** The channel that accepted it, and the provider's id for it. */
  deliveredBy: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  callbackUrl: z.string().optional(),
  reference: z.string().optional(),
  /** The caller's audit subject for this message's events, when one was given. */
  auditSubject: auditSubjectSchema.optional(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  deliveredAt: z.iso.datetime().nullable(),
});
export type Message = z.infer<typeof messageSchema>;

/** What `sendBatch` returns once every recipient is queued. */
export const batchReceiptSchema = z.strictObject({
  batchId: z.string(),
  idempotencyKey: z.string(),
  /** Messages queued by this batch (a repeat returns the first count). */
  accepted: z.number().int().nonnegative(),
  createdAt: z.iso.datetime(),
});
export type BatchReceipt = z.infer<typeof batchReceiptSchema>;

/**
 * Counts of a batch's messages by status. `queued` counts those not yet attempted, `deferred`
 * those waiting for a retry (both have status `queued`); the counts add up to `total`.
 */
export const batchStatusSchema = z.strictObject({
  batchId: z.string(),
  total: z.number().int().nonnegative(),
  counts: z.strictObject({
    queued: z.number().int().nonnegative(),
    deferred: z.number().int().nonnegative(),
    sending: z.number().int().nonnegative(),
    delivered: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    'dead-lettered': z.number().int().nonnegative(),
  }),
});
export type BatchStatus = z.infer<typeof batchStatusSchema>;
export type StatusCounts = BatchStatus['counts'];
