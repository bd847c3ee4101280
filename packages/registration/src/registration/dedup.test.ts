import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  exactIdentifierDedup,
  normalisedNameBirthDateDedup,
  normaliseName,
  phoneticKeys,
  phoneticNameBirthDateDedup,
  soundsAlike,
  valueAt,
  weightedFieldsDedup,
} from './dedup.js';
import { filesystemDocumentStore } from './document-stores.js';

describe('duplicate rules', () => {
  it('matches identifiers on letters and digits only', () => {
    const rule = exactIdentifierDedup({ fields: ['/id'] });
    expect(rule.score({ id: 'AB-12 3' }, { id: 'ab123' })).toBe(1);
    expect(rule.score({ id: 'AB-124' }, { id: 'ab123' })).toBe(0);
    expect(rule.score({ id: '' }, { id: '' })).toBe(0);
    expect(rule.score({}, {})).toBe(0);
  });

  it('weighs normalised names and birth dates', () => {
    const rule = normalisedNameBirthDateDedup({
      name: ['/first', '/last'],
      birthDate: '/born',
      weights: { name: 0.6, birthDate: 0.4 },
      threshold: 0.9,
    });
    const a = { first: 'Zoë', last: "O'Brien", born: '2020-01-02' };
    expect(
      rule.score(a, { first: 'zoe', last: 'OBRIEN ', born: '2020-01-02T00:00:00Z' }),
    ).toBeCloseTo(1);
    expect(rule.score(a, { first: 'Zoe', last: 'OBrien', born: '2020-01-03' })).toBeCloseTo(0.6);
    expect(rule.score(a, { first: 'Zoe', last: 'OBrian', born: '2020-01-02' })).toBeCloseTo(0.4);
  });

  it('normalises names idempotently (property)', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        expect(normaliseName(normaliseName(name))).toBe(normaliseName(name));
      }),
    );
  });

  it('reads JSON pointers', () => {
    expect(valueAt({ a: { 'b/c': [1, 2] } }, '/a/b~1c/1')).toBe(2);
    expect(valueAt({ a: 1 }, '/b')).toBeUndefined();
  });
});

describe('filesystem document store', () => {
  it('writes, reads back and deletes files', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'gb-docs-'));
    try {
      const store = filesystemDocumentStore({ directory: join(directory, 'nested') });
      const id = '01900000-0000-7000-8000-000000000001';
      await store.put(id, new Uint8Array([1, 2, 3]), {
        contentType: 'application/pdf',
        sha256: 'x',
      });
      expect([...((await store.get(id)) ?? [])]).toEqual([1, 2, 3]);
      await store.delete(id);
      expect(await store.get(id)).toBeUndefined();
      await expect(store.get('../etc/passwd')).rejects.toMatchObject({
        code: 'CONFIGURATION_ERROR',
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe('createRegistrationService options', () => {
  it('refuses a registry of another specification version', async () => {
    const { createRegistrationService } = await import('./engine.js');
    const { memoryRegistrationStore } = await import('./memory-store.js');
    expect(() =>
      createRegistrationService({
        store: memoryRegistrationStore(),
        audit: { record: async () => {} },
        registry: { specificationVersion: 'registry/v2' } as never,
      }),
    ).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SPECIFICATION_VERSION' }));
  });
});

describe('phonetic name matching', () => {
  const rule = phoneticNameBirthDateDedup({ name: ['/first', '/last'], birthDate: '/born' });
  const person = (first: string, last: string, born = '2020-01-02') => ({ first, last, born });

  it('matches names that sound alike with the same birth date, not a name or a date alone', () => {
    expect(rule.score(person('Katherine', 'Smith'), person('Catherine', 'Smyth'))).toBeCloseTo(0.9);
    expect(
      rule.score(person('Katherine', 'Smith'), person('Catherine', 'Smyth')),
    ).toBeGreaterThanOrEqual(rule.threshold);
    expect(rule.score(person('Zoë', "O'Brien"), person('zoe', 'OBRIEN'))).toBe(1);
    expect(rule.score(person('Ada', 'Lovelace'), person('Grace', 'Hopper'))).toBe(0.5);
    expect(
      rule.score(person('Catherine', 'Smith'), person('Catherine', 'Smith', '2020-01-03')),
    ).toBe(0.5);
    expect(rule.score(person('Catherine', 'Smith'), { born: '2020-01-02' })).toBe(0.5);
    expect(soundsAlike('Иван', 'Иван')).toBe(true);
    expect(soundsAlike('Иван', 'Пётр')).toBe(false);
    expect(soundsAlike('', '')).toBe(false);
    expect(phoneticKeys('Catherine  SMITH')).toEqual([
      ['K0RN', 'KTRN'],
      ['SM0', 'XMT'],
    ]);
  });

  it('weighs any fields and refuses a bad configuration', () => {
    const weighted = weightedFieldsDedup({
      fields: [
        { pointer: '/name', compare: 'name', weight: 2, phonetic: 0 },
        { pointer: '/id', compare: 'identifier' },
        { pointer: '/town', compare: 'exact' },
      ],
      threshold: 0.75,
    });
    expect(
      weighted.score(
        { name: 'Catherine', id: 'A-1', town: 'Tartu' },
        { name: 'Katherine', id: 'a1', town: 'tartu' },
      ),
    ).toBeCloseTo(0.5);
    expect(
      weighted.score(
        { name: 'Cathérine', id: 'A-1', town: 'Tartu' },
        { name: 'catherine', id: 'a1', town: 'Tartu ' },
      ),
    ).toBe(1);
    expect(() => weightedFieldsDedup({ fields: [], threshold: 0.5 })).toThrow();
    expect(() =>
      weightedFieldsDedup({
        fields: [{ pointer: '/a', compare: 'name', weight: -1 }],
        threshold: 0.5,
      }),
    ).toThrow();
    expect(() =>
      weightedFieldsDedup({ fields: [{ pointer: '/a', compare: 'name' }], threshold: 0 }),
    ).toThrow();
  });

  const name = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc
      .array(
        fc.constantFrom(
          'Zoë',
          "O'Brien",
          'Smith',
          'Katherine',
          'İlker',
          'Ólafur',
          'Łukasz',
          '  ',
          '-',
          'ß',
        ),
        {
          maxLength: 4,
        },
      )
      .map((parts) => parts.join(' ')),
  );

  it('normalises idempotently, whatever the script (property)', () => {
    fc.assert(
      fc.property(name, (value) => {
        expect(normaliseName(normaliseName(value))).toBe(normaliseName(value));
      }),
      { numRuns: 500 },
    );
  });

  it('keys do not depend on case, accents, spacing or punctuation (property)', () => {
    fc.assert(
      fc.property(name, (value) => {
        const noisy = ` ${value.toUpperCase().replaceAll(' ', '  ,')}. `;
        expect(phoneticKeys(noisy)).toEqual(phoneticKeys(normaliseName(noisy)));
        expect(phoneticKeys(normaliseName(value))).toEqual(phoneticKeys(value));
      }),
    );
  });

  it('a person always matches themselves, scores are symmetric and within 0–1 (property)', () => {
    const date = fc
      .date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
      .map((value) => value.toISOString().slice(0, 10));
    fc.assert(
      fc.property(name, name, date, name, name, date, (first, last, born, first2, last2, born2) => {
        const a = person(first, last, born);
        const b = person(first2, last2, born2);
        const self = rule.score(a, a);
        // Every field present (a blank part means no name) → a perfect match.
        if (first.trim() && last.trim() && normaliseName(`${first} ${last}`) !== '')
          expect(self).toBe(1);
        expect(rule.score(a, b)).toBe(rule.score(b, a));
        expect(rule.score(a, b)).toBeGreaterThanOrEqual(0);
        expect(rule.score(a, b)).toBeLessThanOrEqual(1);
        if (soundsAlike(`${first} ${last}`, `${first2} ${last2}`))
          expect(soundsAlike(`${first2} ${last2}`, `${first} ${last}`)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
