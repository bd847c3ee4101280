import { z } from 'zod';
import type { SendInput, StatusCounts } from '../schemas.js';

/**
 * The GovStack Messaging BB wire format (`email`, `batchEmail`), read leniently: only the fields
 * we use, unknown ones ignored. These are GovStack's schemas, not ours, so they stay internal.
 */
const senderInfoSchema = z
  .looseObject({
    organisationName: z.string().optional(),
    email: z.string().optional(),
    replyTo: z.string().optional(),
    name: z.string().optional(),
  })
  .optional();
const recipientInfoSchema = z.looseObject({
  email: z.string(),
  emailCC: z.string().optional(),
  emailBCC: z.string().optional(),
  name: z.string().optional(),
});
const emailContentSchema = z.looseObject({
  encoding: z.string().optional(),
  title: z.string().min(1),
  content: z.string().min(1),
});
export const govstackEmailSchema = z.looseObject({
  callback: z.looseObject({ URI: z.string().optional() }).optional(),
  senderInfo: senderInfoSchema,
  recipientInfo: recipientInfoSchema,
  emailContent: emailContentSchema,
});
export type GovstackEmail = z.infer<typeof govstackEmailSchema>;

export const govstackBatchEmailSchema = z.looseObject({
  callbackURI: z.looseObject({ URI: z.string().optional() }).optional(),
  callback: z.looseObject({ URI: z.string().optional() }).optional(),
  senderInfo: senderInfoSchema,
  recipientInfo: z.looseObject({ batchEmailAsBase64: z.string() }),
  emailContent: emailContentSchema,
});
export type GovstackBatchEmail = z.infer<typeof govstackBatchEmailSchema>;

/** The batch's recipients, as the base64 field carries them: `[{ recipientInfo: {...} }, …]`. */
export const govstackBatchRecipientsSchema = z
  .array(z.looseObject({ recipientInfo: recipientInfoSchema }))
  .max(100_000);

/** The sentence the reference mock answers with (its backslashes included). */
export const acceptedSentence =
  'Request successfully accepted. Use \\"requestUID\\" to track it\'s status.';

const list = (value: string | undefined) =>
  value
    ?.split(',')
    .map((item) => item.trim())
    .filter(Boolean);

/** The recipient's own fields, available to `{{name}}`/`{{email}}` placeholders in the content. */
export function recipientPersonalisation(
  recipient: GovstackEmail['recipientInfo'],
): Record<string, string> {
  const personalisation: Record<string, string> = { email: recipient.email };
  if (recipient.name !== undefined) personalisation.name = recipient.name;
  return personalisation;
}

/** Maps a GovStack `email` to our send input. */
export function toSendInput(email: GovstackEmail, idempotencyKey: string): SendInput {
  const input: SendInput = {
    idempotencyKey,
    channel: 'email',
    to: email.recipientInfo.email,
    content: { subject: email.emailContent.title, text: email.emailContent.content },
    personalisation: recipientPersonalisation(email.recipientInfo),
  };
  const cc = list(email.recipientInfo.emailCC);
  const bcc = list(email.recipientInfo.emailBCC);
  if (cc?.length) input.cc = cc;
  if (bcc?.length) input.bcc = bcc;
  if (email.senderInfo?.email)
    input.from = {
      address: email.senderInfo.email,
      ...(email.senderInfo.name ? { name: email.senderInfo.name } : {}),
    };
  if (email.senderInfo?.replyTo) input.replyTo = email.senderInfo.replyTo;
  if (email.callback?.URI) input.callbackUrl = email.callback.URI;
  return input;
}

/**
 * GovStack status names → our counts. Both spellings of "not sent" occur in GovStack's tests;
 * a name we do not know answers 0 (the reference mock answers 0 for every name).
 */
export function govstackStatusCount(name: string, counts: StatusCounts | undefined): number {
  if (!counts) return 0;
  switch (name.replaceAll(/[\s_-]/g, '').toLowerCase()) {
    case 'scheduled':
      return counts.queued;
    case 'processing':
      return counts.sending;
    case 'deferred':
      return counts.deferred;
    case 'bounced':
      return counts.failed;
    case 'notsent':
      return counts['dead-lettered'];
    case 'delivered':
      return counts.delivered;
    default:
      return 0;
  }
}
