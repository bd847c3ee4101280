import { ValidationError } from '@govblocks/core';
import { MessagingError, MissingPersonalisationError } from '../errors.js';
import type {
  ChannelKind,
  RenderedContent,
  Template,
  TemplateContent,
  Warning,
} from '../schemas.js';
import { emailAddressSchema, phoneNumberSchema } from '../schemas.js';
import { type SmsInfo, smsInfo, smsWarnings } from '../sms.js';
import { missingPersonalisation, type Personalisation, renderText } from '../template.js';

/** The result of rendering: content plus SMS facts and warnings. */
export interface Rendered {
  content: RenderedContent;
  template?: { id: string; version: number; language: string };
  sms?: SmsInfo;
  warnings: Warning[];
}

/** Picks the language of a template version: the requested one, else the default. */
export function pickLanguage(
  template: Template,
  language: string | undefined,
): { language: string; content: TemplateContent } {
  if (language !== undefined) {
    const exact = template.languages[language];
    if (exact) return { language, content: exact };
    // `pt-BR` falls back to `pt` before the default.
    const base = language.split('-')[0] as string;
    const primary = template.languages[base];
    if (primary) return { language: base, content: primary };
  }
  return {
    language: template.defaultLanguage,
    content: template.languages[template.defaultLanguage] as TemplateContent,
  };
}

/**
 * Renders content for a channel kind. Throws MISSING_PERSONALISATION (every missing name, all
 * parts checked first), or VALIDATION_FAILED when content does not suit the channel.
 */
export function renderContent(
  kind: ChannelKind,
  source: TemplateContent,
  personalisation: Personalisation,
  template?: { id: string; version: number; language: string },
  recipientIndex?: number,
): Rendered {
  const missing = missingPersonalisation(personalisation, source.subject, source.text, source.html);
  if (missing.length > 0) throw new MissingPersonalisationError(missing, recipientIndex);
  if (kind === 'sms' && (source.subject !== undefined || source.html !== undefined)) {
    throw new ValidationError('[messaging] an SMS has text only', [
      { pointer: '/content', detail: 'subject and html are not allowed for SMS' },
    ]);
  }
  if (kind === 'email' && source.subject === undefined) {
    throw new ValidationError('[messaging] an email needs a subject', [
      { pointer: '/content/subject', detail: 'required for email' },
    ]);
  }
  const content: RenderedContent = { text: renderText(source.text, personalisation, 'text') };
  // A subject is a header: no HTML escaping, but no line breaks either (header injection).
  if (source.subject !== undefined)
    content.subject = renderText(source.subject, personalisation, 'text').replace(/[\r\n]+/g, ' ');
  if (source.html !== undefined) content.html = renderText(source.html, personalisation, 'html');
  const rendered: Rendered = { content, warnings: [] };
  if (template) rendered.template = template;
  if (kind === 'sms') {
    rendered.sms = smsInfo(content.text);
    rendered.warnings = smsWarnings(rendered.sms);
  }
  return rendered;
}

/** Checks a recipient address for a channel kind; throws VALIDATION_FAILED (without echoing it). */
export function checkRecipient(kind: ChannelKind, to: string, pointer = '/to'): void {
  const ok =
    kind === 'email'
      ? emailAddressSchema.safeParse(to).success
      : phoneNumberSchema.safeParse(to).success;
  if (!ok) {
    throw new ValidationError(
      `[messaging] recipient is not a valid ${kind === 'email' ? 'email address' : 'E.164 phone number'}`,
      [
        {
          pointer,
          detail: kind === 'email' ? 'invalid email address' : 'invalid E.164 phone number',
          code: 'invalid_recipient',
        },
      ],
    );
  }
}

/** Throws TEMPLATE_NOT_FOUND. */
export function templateNotFound(id: string, version?: number): never {
  throw new MessagingError(
    'TEMPLATE_NOT_FOUND',
    `[messaging] template '${id}'${version === undefined ? '' : ` version ${version}`} not found`,
    {
      status: 404,
    },
  );
}
