import type { StoreFilter, StoreQuery } from './ports.js';
import type { JsonObject } from './schemas.js';

/**
 * JSON containment as PostgreSQL's `jsonb @>` defines it: objects contain every key of the
 * query with a contained value, arrays contain every element of the query array, scalars are equal.
 * The memory store uses it so both stores answer queries alike.
 */
export function jsonContains(value: unknown, query: unknown): boolean {
  if (query === null || typeof query !== 'object') return value === query;
  if (Array.isArray(query)) {
    if (!Array.isArray(value)) return false;
    return query.every((wanted) => value.some((element) => jsonContains(element, wanted)));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const object = value as JsonObject;
  return Object.entries(query as JsonObject).every(
    ([key, wanted]) => Object.hasOwn(object, key) && jsonContains(object[key], wanted),
  );
}

/** The value `content->>'field'` would give, or undefined for SQL NULL. */
export function textOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function compareCodePoints(left: string, right: string): number {
  // PostgreSQL's "C" collation compares UTF-8 bytes, which orders like code points.
  const a = [...left];
  const b = [...right];
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = a[index]!.codePointAt(0)! - b[index]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

export function compareKeys(left: string | number, right: string | number): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  return compareCodePoints(String(left), String(right));
}

export function keyOf(
  content: JsonObject,
  field: string,
  kind: 'number' | 'text',
): string | number | undefined {
  return kind === 'number' ? numberOf(content[field]) : textOf(content[field]);
}

export function filterMatches(content: JsonObject, filter: StoreFilter): boolean {
  const key = keyOf(content, filter.field, filter.kind);
  if (key === undefined) return false;
  const value = filter.value as string | number;
  switch (filter.op) {
    case 'eq':
      return compareKeys(key, value) === 0;
    case 'ne':
      return compareKeys(key, value) !== 0;
    case 'gt':
      return compareKeys(key, value) > 0;
    case 'gte':
      return compareKeys(key, value) >= 0;
    case 'lt':
      return compareKeys(key, value) < 0;
    case 'lte':
      return compareKeys(key, value) <= 0;
    case 'prefix':
      return String(key).startsWith(String(value));
    case 'contains':
      return String(key).toLowerCase().includes(String(value).toLowerCase());
  }
}

export function queryMatches(content: JsonObject, query: StoreQuery): boolean {
  if (query.match && !jsonContains(content, query.match)) return false;
  if (!query.filters.every((filter) => filterMatches(content, filter))) return false;
  if (query.search) {
    const needle = query.search.text.toLowerCase();
    return query.search.fields.some(
      (field) => textOf(content[field])?.toLowerCase().includes(needle) ?? false,
    );
  }
  return true;
}
