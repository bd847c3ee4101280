import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gsmSeptets, isGsm7, smsInfo, smsWarnings } from './sms.js';

const basic = [
  ...'@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
];
const extension = [...'\f^{}\\[~]|€'];
const gsmText = fc
  .array(fc.constantFrom(...basic, ...extension), { maxLength: 700 })
  .map((chars) => chars.join(''));
const anyText = fc.string({ unit: 'grapheme', maxLength: 400 });

describe('smsInfo', () => {
  it.each([
    ['', 'GSM-7', 0, 0],
    ['a'.repeat(160), 'GSM-7', 160, 1],
    ['a'.repeat(161), 'GSM-7', 161, 2],
    ['a'.repeat(306), 'GSM-7', 306, 2],
    ['a'.repeat(307), 'GSM-7', 307, 3],
    ['€'.repeat(80), 'GSM-7', 160, 1],
    ['€'.repeat(81), 'GSM-7', 162, 2],
    ['é'.repeat(160), 'GSM-7', 160, 1],
    ['ç'.repeat(70), 'UCS-2', 70, 1],
    ['ç'.repeat(71), 'UCS-2', 71, 2],
    ['ç'.repeat(134), 'UCS-2', 134, 2],
    ['ç'.repeat(135), 'UCS-2', 135, 3],
    ['😀'.repeat(35), 'UCS-2', 70, 1],
  ])('%j → %s, %i units, %i parts', (text, encoding, units, segments) => {
    const info = smsInfo(text);
    expect(info).toMatchObject({ encoding, units, segments });
  });

  it('never splits an escape pair across parts', () => {
    // 152 septets, then '€' (2 septets) does not fit in part 1's 153: it opens part 2, which then
    // overflows — 306 septets need 3 parts although 306 / 153 = 2.
    const text = `${'a'.repeat(152)}€${'a'.repeat(152)}`;
    expect(smsInfo(text)).toMatchObject({ units: 306, segments: 3 });
    expect(smsInfo(`${'a'.repeat(151)}€${'a'.repeat(151)}`)).toMatchObject({
      units: 304,
      segments: 2,
    });
  });

  it('never splits a surrogate pair in UCS-2', () => {
    expect(smsInfo(`${'ç'.repeat(66)}😀${'ç'.repeat(66)}`)).toMatchObject({
      units: 134,
      segments: 3,
    });
  });

  it('property: GSM-7 text counts extension characters double and parts follow 160/153', () => {
    fc.assert(
      fc.property(gsmText, (text) => {
        const info = smsInfo(text);
        const chars = [...text];
        const septets = chars.reduce((sum, c) => sum + (extension.includes(c) ? 2 : 1), 0);
        expect(info.encoding).toBe('GSM-7');
        expect(info.units).toBe(septets);
        expect(info.characters).toBe(chars.length);
        if (septets === 0) expect(info.segments).toBe(0);
        else if (septets <= 160) expect(info.segments).toBe(1);
        else {
          expect(info.segments).toBeGreaterThanOrEqual(Math.ceil(septets / 153));
          // Pairs that do not fit waste at most one septet per part.
          expect(info.segments).toBeLessThanOrEqual(Math.ceil(septets / 152));
        }
      }),
    );
  });

  it('property: any non-GSM character switches to UCS-2 with 70/67 parts', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const info = smsInfo(text);
        expect(info.encoding === 'GSM-7').toBe(isGsm7(text));
        if (info.encoding === 'UCS-2') {
          expect(info.units).toBe(text.length);
          if (text.length <= 70) expect(info.segments).toBe(1);
          else {
            expect(info.segments).toBeGreaterThanOrEqual(Math.ceil(text.length / 67));
            expect(info.segments).toBeLessThanOrEqual(Math.ceil(text.length / 66));
          }
          expect(info.nonGsmCharacters.length).toBeGreaterThan(0);
          for (const c of info.nonGsmCharacters) expect(gsmSeptets(c)).toBeUndefined();
        }
      }),
    );
  });

  it('property: appending text never lowers the part count', () => {
    fc.assert(
      fc.property(anyText, anyText, (a, b) => {
        const both = smsInfo(a + b);
        const first = smsInfo(a);
        if (both.encoding === first.encoding)
          expect(both.segments).toBeGreaterThanOrEqual(first.segments);
      }),
    );
  });

  it('warns about UCS-2 and multi-part texts', () => {
    expect(smsWarnings(smsInfo('hello'))).toEqual([]);
    expect(smsWarnings(smsInfo('ç'.repeat(71))).map((warning) => warning.code)).toEqual([
      'SMS_UCS2',
      'SMS_MULTIPART',
    ]);
  });
});
