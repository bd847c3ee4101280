import { canonicalJson } from '@govblocks/core';

/** An integer-like key: JavaScript orders such keys numerically, whatever the insertion order. */
const indexLike = /^(0|[1-9][0-9]*)$/;

function sortedClone(value: unknown): unknown {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return value;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(sortedClone);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw new FallBack();
  const keys = Object.keys(value).sort();
  // A null prototype, so a `__proto__` member is an own property like any other.
  const out: Record<string, unknown> = Object.create(null);
  for (const key of keys) {
    if (indexLike.test(key)) throw new FallBack();
    out[key] = sortedClone((value as Record<string, unknown>)[key]);
  }
  return out;
}

class FallBack extends Error {}

/**
 * RFC 8785 canonical JSON, byte-identical to core's `canonicalJson` (a property test checks it),
 * about three times faster for plain data: a clone with members inserted in sorted order, then
 * `JSON.stringify` (whose string escaping and number form are exactly JCS's). Objects with
 * integer-like keys (which JavaScript would reorder) or `toJSON` fall back to core's version.
 */
export function canonicalize(value: unknown): string {
  try {
    return JSON.stringify(sortedClone(value));
  } catch (error) {
    if (error instanceof FallBack) return canonicalJson(value);
    throw error;
  }
}
