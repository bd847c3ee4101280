import { canonicalJson } from '@govblocks/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from './canonical.js';

describe('canonicalize', () => {
  it('is byte-identical to core canonicalJson (RFC 8785) on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalize(value)).toBe(canonicalJson(value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('orders integer-like keys by code units, not numerically, and handles special values', () => {
    expect(canonicalize({ 10: 'a', 9: 'b', a: [1e21, -0, 0.1] })).toBe(
      '{"10":"a","9":"b","a":[1e+21,0,0.1]}',
    );
    expect(canonicalize({ '\u00e9': 1, z: 2, '\ud83d\ude00': 3, '\ufb33': 4 })).toBe(
      canonicalJson({ '\u00e9': 1, z: 2, '\ud83d\ude00': 3, '\ufb33': 4 }),
    );
    expect(() => canonicalize({ a: Number.NaN })).toThrow(TypeError);
    const proto = JSON.parse('{"__proto__":{"a":1},"b":2}');
    expect(canonicalize(proto)).toBe(canonicalJson(proto));
    expect(canonicalize(proto)).toBe('{"__proto__":{"a":1},"b":2}');
    expect(canonicalize({ when: new Date(0) })).toBe('{"when":"1970-01-01T00:00:00.000Z"}');
  });
});
