import { ConfigurationError } from '@govblocks/core';
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
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
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
