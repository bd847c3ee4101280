/**
 * RFC 8785 JSON Canonicalization Scheme (JCS): object members sorted by their UTF-16 code
 * units, no insignificant white space, numbers in ECMAScript's shortest form (which
 * `JSON.stringify` already produces), strings escaped as `JSON.stringify` does. Any
 * implementation in any language produces the same bytes for the same value, so hashes of
 * canonical JSON are portable.
 *
 * Throws a TypeError for values JSON cannot represent (NaN, Infinity, bigint, functions).
 */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      }
      const withToJson = value as { toJSON?: () => unknown };
      if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
      const keys = Object.keys(value).sort();
      const members: string[] = [];
      for (const key of keys) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol')
          continue;
        members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
      }
      return `{${members.join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: cannot represent a ${typeof value}`);
  }
}
