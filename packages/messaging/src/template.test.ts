import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MissingPersonalisationError } from './errors.js';
import { escapeHtml, placeholders, renderText } from './template.js';

const name = fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/);

describe('renderText', () => {
  it('fills placeholders, with or without spaces', () => {
    expect(renderText('Dear {{ name }}, ref {{ref}}.', { name: 'Ada', ref: 42 })).toBe(
      'Dear Ada, ref 42.',
    );
  });

  it('escapes values in HTML mode only', () => {
    const personalisation = { name: '<b>"Tom" & \'Jerry\'</b>' };
    expect(renderText('<p>{{name}}</p>', personalisation, 'html')).toBe(
      '<p>&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;</p>',
    );
    expect(renderText('{{name}}', personalisation, 'text')).toBe(personalisation.name);
  });

  it('throws a typed error listing every missing name', () => {
    const attempt = () => renderText('{{a}} {{b}} {{a}} {{c}}', { b: 'x' });
    expect(attempt).toThrow(MissingPersonalisationError);
    try {
      attempt();
    } catch (error) {
      expect((error as MissingPersonalisationError).code).toBe('MISSING_PERSONALISATION');
      expect((error as MissingPersonalisationError).missing).toEqual(['a', 'c']);
    }
  });

  it('property: values are inserted literally, never re-scanned', () => {
    fc.assert(
      fc.property(name, fc.string(), fc.string(), fc.string(), (key, before, value, after) => {
        fc.pre(
          !before.includes('{{') &&
            !after.includes('{{') &&
            !before.endsWith('{') &&
            !after.startsWith('}'),
        );
        expect(renderText(`${before}{{${key}}}${after}`, { [key]: value })).toBe(
          `${before}${value}${after}`,
        );
      }),
    );
  });

  it('property: HTML mode never lets markup through a value', () => {
    fc.assert(
      fc.property(name, fc.string(), (key, value) => {
        const out = renderText(`<p>{{${key}}}</p>`, { [key]: value }, 'html');
        const inner = out.slice(3, -4);
        expect(inner).not.toMatch(/[<>"']/);
        expect(inner).toBe(escapeHtml(value));
        // Unescaping gives the value back.
        const unescaped = inner
          .replaceAll('&lt;', '<')
          .replaceAll('&gt;', '>')
          .replaceAll('&quot;', '"')
          .replaceAll('&#39;', "'")
          .replaceAll('&amp;', '&');
        expect(unescaped).toBe(value);
      }),
    );
  });

  it('property: missing names are exactly the unfilled placeholders', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { maxLength: 6 }),
        fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
        (names, filled) => {
          const text = names.map((n) => `{{${n}}}`).join(' ');
          const personalisation = Object.fromEntries(
            names.filter((_, i) => filled[i]).map((n) => [n, 'v']),
          );
          const expected = names.filter((_, i) => !filled[i]);
          expect(placeholders(text)).toEqual(names);
          if (expected.length === 0) expect(() => renderText(text, personalisation)).not.toThrow();
          else
            expect(() => renderText(text, personalisation)).toThrow(
              expect.objectContaining({ missing: expected }),
            );
        },
      ),
    );
  });
});
