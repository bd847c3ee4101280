import { ConfigurationError } from '@govblocks/core';
import { doubleMetaphone } from 'double-metaphone';
import type { DedupStrategy } from './ports.js';

/** The value at a JSON pointer (`/child/lastName`), or undefined. */
export function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, segment))
      return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function present(value: unknown): value is string | number {
  return (typeof value === 'string' && value.trim() !== '') || typeof value === 'number';
}

/**
 * Same identifier(s): every listed field present and equal (identifiers compared on their
 * letters and digits only, ignoring case: `C-777` = `c 777`). The usual rule when a national id is collected.
 *
 * @example
 * exactIdentifierDedup({ fields: ['/nationalId'] })
 */
export function exactIdentifierDedup(options: { fields: string[]; name?: string }): DedupStrategy {
  if (options.fields.length === 0)
    throw new ConfigurationError('[registration/dedup] exactIdentifierDedup needs fields');
  const normalise = (value: string | number) =>
    String(value)
      .replace(/[^\p{L}\p{N}]/gu, '')
      .toUpperCase();
  return {
    name: options.name ?? 'exact-identifier',
    threshold: 1,
    score(candidate, other) {
      return options.fields.every((field) => {
        const a = valueAt(candidate, field);
        const b = valueAt(other, field);
        return present(a) && present(b) && normalise(a) === normalise(b);
      })
        ? 1
        : 0;
    },
  };
}

/** Lowercase, without diacritics, punctuation or repeated spaces: `Zoë  O'Brien` → `zoe obrien`. */
export function normaliseName(value: string): string {
  const pass = (text: string) =>
    text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/\s+/gu, ' ')
      .replace(/[^\p{L}\p{N} ]/gu, '')
      .replace(/ +/g, ' ')
      .trim();
  // Lower-casing can uncover marks (`İ` → `i̇`) and decomposing can uncover capitals (`㎒` →
  // `MHz`): repeat until nothing changes, so that normalising twice is normalising once.
  let current = pass(value);
  for (let round = 0; round < 4; round += 1) {
    const next = pass(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * Normalised name plus birth date, with weights: score = name weight × (normalised names equal)
 * + birth date weight × (dates equal). Name parts are joined in the order given, so
 * `['/firstName', '/lastName']` compares the full name. A country changes weights and threshold
 * by configuration.
 *
 * @example
 * normalisedNameBirthDateDedup({ name: ['/child/firstName', '/child/lastName'], birthDate: '/child/birthDate' })
 */
export function normalisedNameBirthDateDedup(options: {
  name: string[];
  birthDate: string;
  weights?: { name: number; birthDate: number };
  threshold?: number;
  label?: string;
}): DedupStrategy {
  if (options.name.length === 0)
    throw new ConfigurationError('[registration/dedup] name fields are required');
  const weights = options.weights ?? { name: 0.5, birthDate: 0.5 };
  const fullName = (data: Record<string, unknown>) => {
    const parts = options.name.map((field) => valueAt(data, field));
    if (!parts.every((part) => typeof part === 'string' && part.trim() !== '')) return undefined;
    return normaliseName((parts as string[]).join(' '));
  };
  return {
    name: options.label ?? 'normalised-name-birth-date',
    threshold: options.threshold ?? 1,
    score(candidate, other) {
      const a = fullName(candidate);
      const b = fullName(other);
      const dateA = valueAt(candidate, options.birthDate);
      const dateB = valueAt(other, options.birthDate);
      let score = 0;
      if (a !== undefined && a === b) score += weights.name;
      if (
        present(dateA) &&
        present(dateB) &&
        String(dateA).slice(0, 10) === String(dateB).slice(0, 10)
      ) {
        score += weights.birthDate;
      }
      return score;
    },
  };
}

/**
 * Double Metaphone keys of each word of a normalised name: `Catherine Smith` →
 * `[['K0RN', 'KTRN'], ['SM0', 'XMT']]`. A word the algorithm has no sounds for (digits, non-Latin
 * scripts) keeps its normalised spelling as its key, so it matches only itself.
 */
export function phoneticKeys(name: string): Array<[string, string]> {
  const words = normaliseName(name).split(' ').filter(Boolean);
  return words.map((word) => {
    const [primary, secondary] = doubleMetaphone(word);
    return primary === '' && secondary === '' ? [`=${word}`, `=${word}`] : [primary, secondary];
  });
}

/** Whether two names sound alike: the same number of words, each pair sharing a key. */
export function soundsAlike(a: string, b: string): boolean {
  const left = phoneticKeys(a);
  const right = phoneticKeys(b);
  return (
    left.length > 0 &&
    left.length === right.length &&
    left.every(([primary, secondary], index) => {
      const [otherPrimary, otherSecondary] = right[index]!;
      return [primary, secondary].some(
        (key) => key !== '' && (key === otherPrimary || key === otherSecondary),
      );
    })
  );
}

/** How one field of a {@link weightedFieldsDedup} rule is compared. */
export interface DedupField {
  /** JSON pointer(s) into the form data; several are joined with a space (`['/first', '/last']`). */
  pointer: string | string[];
  /**
   * - `identifier`: letters and digits only, ignoring case (`C-777` = `c 777`);
   * - `date`: the first 10 characters (`2020-01-02T00:00Z` = `2020-01-02`);
   * - `name`: normalised names equal → 1, else sounding alike (Double Metaphone) → `phonetic`
   *   (default 0.8; 0 turns phonetic matching off);
   * - `exact`: normalised text equal.
   */
  compare: 'identifier' | 'date' | 'name' | 'exact';
  /** Relative weight (default 1). */
  weight?: number;
  /** For `name`: the similarity credited to names that only sound alike. Default 0.8. */
  phonetic?: number;
}

/**
 * A duplicate rule over any fields with weights: score = Σ weight × similarity ÷ Σ weight, 0–1,
 * where a field missing on either side counts 0. A duplicate at or above `threshold`.
 *
 * @example
 * weightedFieldsDedup({
 *   fields: [
 *     { pointer: ['/child/firstName', '/child/lastName'], compare: 'name', weight: 2 },
 *     { pointer: '/child/birthDate', compare: 'date', weight: 2 },
 *     { pointer: '/mother/nationalId', compare: 'identifier', weight: 1 },
 *   ],
 *   threshold: 0.8,
 * })
 */
export function weightedFieldsDedup(options: {
  fields: DedupField[];
  threshold: number;
  label?: string;
}): DedupStrategy {
  if (options.fields.length === 0)
    throw new ConfigurationError('[registration/dedup] weightedFieldsDedup needs fields');
  for (const field of options.fields) {
    const weight = field.weight ?? 1;
    const phonetic = field.phonetic ?? 0.8;
    if (!(weight > 0 && Number.isFinite(weight)) || !(phonetic >= 0 && phonetic <= 1))
      throw new ConfigurationError(
        '[registration/dedup] weights are positive numbers, phonetic credit 0–1',
      );
    if ((Array.isArray(field.pointer) ? field.pointer : [field.pointer]).length === 0)
      throw new ConfigurationError('[registration/dedup] a field needs a pointer');
  }
  if (!(options.threshold > 0 && options.threshold <= 1))
    throw new ConfigurationError('[registration/dedup] the threshold is above 0 and at most 1');
  const total = options.fields.reduce((sum, field) => sum + (field.weight ?? 1), 0);
  const read = (data: Record<string, unknown>, field: DedupField) => {
    const pointers = Array.isArray(field.pointer) ? field.pointer : [field.pointer];
    const parts = pointers.map((pointer) => valueAt(data, pointer));
    if (!parts.every(present)) return undefined;
    return parts.map(String).join(' ');
  };
  const similarity = (field: DedupField, a: string, b: string): number => {
    switch (field.compare) {
      case 'identifier': {
        const clean = (value: string) => value.replace(/[^\p{L}\p{N}]/gu, '').toUpperCase();
        return clean(a) !== '' && clean(a) === clean(b) ? 1 : 0;
      }
      case 'date':
        return a.slice(0, 10) === b.slice(0, 10) ? 1 : 0;
      case 'exact':
        return normaliseName(a) !== '' && normaliseName(a) === normaliseName(b) ? 1 : 0;
      case 'name': {
        if (normaliseName(a) === '') return 0;
        if (normaliseName(a) === normaliseName(b)) return 1;
        const credit = field.phonetic ?? 0.8;
        return credit > 0 && soundsAlike(a, b) ? credit : 0;
      }
    }
  };
  return {
    name: options.label ?? 'weighted-fields',
    threshold: options.threshold,
    score(candidate, other) {
      let score = 0;
      for (const field of options.fields) {
        const a = read(candidate, field);
        const b = read(other, field);
        if (a !== undefined && b !== undefined)
          score += (field.weight ?? 1) * similarity(field, a, b);
      }
      return Math.min(1, score / total);
    },
  };
}

/**
 * Names that are equal once normalised, or sound alike (Double Metaphone: `Katherine Smyth` ~
 * `Catherine Smith`), together with the birth date. With the defaults (name and birth date
 * weighed equally, phonetic credit 0.8, threshold 0.9) an equal or alike-sounding name with the
 * same birth date is a duplicate; a name alone or a date alone is not.
 *
 * @example
 * phoneticNameBirthDateDedup({ name: ['/child/firstName', '/child/lastName'], birthDate: '/child/birthDate' })
 */
export function phoneticNameBirthDateDedup(options: {
  name: string[];
  birthDate: string;
  weights?: { name: number; birthDate: number };
  /** Similarity credited to names that only sound alike. Default 0.8. */
  phonetic?: number;
  threshold?: number;
  label?: string;
}): DedupStrategy {
  if (options.name.length === 0)
    throw new ConfigurationError('[registration/dedup] name fields are required');
  const weights = options.weights ?? { name: 1, birthDate: 1 };
  return weightedFieldsDedup({
    fields: [
      {
        pointer: options.name,
        compare: 'name',
        weight: weights.name,
        ...(options.phonetic !== undefined ? { phonetic: options.phonetic } : {}),
      },
      { pointer: options.birthDate, compare: 'date', weight: weights.birthDate },
    ],
    threshold: options.threshold ?? 0.9,
    label: options.label ?? 'phonetic-name-birth-date',
  });
}
