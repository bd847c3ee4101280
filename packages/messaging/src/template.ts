import { MissingPersonalisationError } from './errors.js';

/**
 * Placeholders are `{{name}}` (spaces inside the braces allowed). Names: letters, digits, `_`,
 * `-`, `.`. A value is inserted as-is in plain text and SMS, and HTML-escaped in an HTML body.
 */
const placeholderPattern = /\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g;

/** Values for placeholders. Numbers and booleans are rendered with `String()`. */
export type Personalisation = Readonly<Record<string, string | number | boolean>>;

/** The placeholder names a template text uses, in first-use order, without duplicates. */
export function placeholders(...texts: Array<string | undefined>): string[] {
  const names: string[] = [];
  for (const text of texts) {
    if (text === undefined) continue;
    for (const match of text.matchAll(placeholderPattern)) {
      const name = match[1] as string;
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** Placeholders of `texts` that `personalisation` does not fill. */
export function missingPersonalisation(
  personalisation: Personalisation,
  ...texts: Array<string | undefined>
): string[] {
  return placeholders(...texts).filter((name) => !Object.hasOwn(personalisation, name));
}

/**
 * Fills the placeholders of one template text. Throws {@link MissingPersonalisationError}
 * (listing every missing name) when a placeholder has no value. Values are inserted once, never
 * re-scanned, so a value containing `{{x}}` stays literal.
 *
 * @example
 * renderText('Hello {{name}}', { name: 'Ada <3' }, 'html'); // 'Hello Ada &lt;3'
 */
export function renderText(
  text: string,
  personalisation: Personalisation,
  mode: 'text' | 'html' = 'text',
): string {
  const missing = missingPersonalisation(personalisation, text);
  if (missing.length > 0) throw new MissingPersonalisationError(missing);
  return text.replace(placeholderPattern, (_match, name: string) => {
    const value = String(personalisation[name]);
    return mode === 'html' ? escapeHtml(value) : value;
  });
}
