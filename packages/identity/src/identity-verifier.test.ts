import { memoryAuditSink } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDeterministicIdentityVerifier, matchClaims } from './identity-verifier.js';

const claims = {
  sub: 'amina',
  'name#en': 'Amina Diallo',
  'name#fr': 'Aminata Diallo',
  birthdate: '1990-04-12',
  phone_number: '+221770000001',
};

describe('IdentityVerifier', () => {
  it('answers yes/no per attribute, tolerant of case, spacing, language tags and phone formatting', () => {
    expect(
      matchClaims(claims, {
        name: '  aminata   DIALLO ',
        birthdate: '1990-04-12',
        phone_number: '+221 77 000 00 01',
      }),
    ).toEqual({
      match: true,
      attributes: { name: true, birthdate: true, phone_number: true },
    });
    expect(matchClaims(claims, { name: 'Amina Diallo', birthdate: '1990-04-13' })).toEqual({
      match: false,
      attributes: { name: true, birthdate: false },
    });
    expect(matchClaims(claims, { email: 'amina@example.test' }).match).toBe(false);
    expect(matchClaims(claims, { name: '' }).match).toBe(false);
  });

  it('property: attributes taken from the claims always match; any changed value does not', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.stringMatching(/^[a-z_]{1,12}$/),
          fc.string({ minLength: 1, maxLength: 20 }),
          { minKeys: 1 },
        ),
        fc.string({ minLength: 1, maxLength: 5 }),
        (record, suffix) => {
          const usable = Object.fromEntries(
            Object.entries(record).filter(([, value]) => value.trim().length > 0),
          );
          fc.pre(Object.keys(usable).length > 0 && suffix.trim().length > 0);
          expect(matchClaims(usable, usable).match).toBe(true);
          const [name, value] = Object.entries(usable)[0] as [string, string];
          expect(
            matchClaims(usable, { [name]: `${value}${suffix.trim()}x` }).attributes[name],
          ).toBe(false);
        },
      ),
    );
  });

  it('an attribute named __proto__ is compared like any other, never matched by the prototype', () => {
    const wanted = JSON.parse('{"__proto__":"x"}') as Record<string, string>;
    expect(matchClaims({}, wanted)).toEqual({
      match: false,
      attributes: JSON.parse('{"__proto__":false}'),
    });
    expect(Object.hasOwn(matchClaims({}, wanted).attributes, '__proto__')).toBe(true);
    expect(matchClaims(JSON.parse('{"__proto__":"x"}'), wanted).match).toBe(true);
    expect(matchClaims({}, {}).match).toBe(false);
  });

  it('the deterministic verifier says no for unknown people, validates input and audits without values', async () => {
    const audit = memoryAuditSink();
    const verifier = createDeterministicIdentityVerifier([{ individualId: '7281940365', claims }], {
      audit,
    });
    await expect(
      verifier.verify({ individualId: '7281940365', attributes: { birthdate: '1990-04-12' } }),
    ).resolves.toEqual({
      match: true,
      attributes: { birthdate: true },
    });
    await expect(
      verifier.verify({ individualId: 'unknown', attributes: { birthdate: '1990-04-12' } }),
    ).resolves.toEqual({
      match: false,
      attributes: { birthdate: false },
    });
    await expect(verifier.verify({ individualId: 'x', attributes: {} })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(audit.events.map((event) => event.outcome)).toEqual(['success', 'denied']);
    expect(JSON.stringify(audit.events)).not.toContain('1990-04-12');
  });
});
