/** JSON type of a value: `null`, `array`, `object`, `string`, `number`, `boolean`. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Where `actual` does not have the shape of `expected`: every key of an expected object must be
 * in the actual one with the same JSON type (recursively); arrays compare their first elements.
 * `null` in the expected value accepts anything.
 */
export function shapeDifferences(
  expected: unknown,
  actual: unknown,
  path = '',
  options: { opaque?: readonly string[]; optional?: readonly string[] } = {},
): string[] {
  if (expected === null) return [];
  const key = path.slice(path.lastIndexOf('/') + 1);
  if (options.opaque?.includes(key))
    return jsonType(expected) === jsonType(actual)
      ? []
      : [`${path}: expected ${jsonType(expected)}, got ${jsonType(actual)}`];
  const expectedType = jsonType(expected);
  const actualType = jsonType(actual);
  if (expectedType !== actualType)
    return [`${path || '(root)'}: expected ${expectedType}, got ${actualType}`];
  if (expectedType === 'array') {
    const [first] = expected as unknown[];
    const [actualFirst] = actual as unknown[];
    return first === undefined || actualFirst === undefined
      ? []
      : shapeDifferences(first, actualFirst, `${path}/0`, options);
  }
  if (expectedType === 'object') {
    return Object.entries(expected as Record<string, unknown>).flatMap(([key, value]) =>
      Object.hasOwn(actual as object, key)
        ? shapeDifferences(
            value,
            (actual as Record<string, unknown>)[key],
            `${path}/${key}`,
            options,
          )
        : options.optional?.includes(key)
          ? []
          : [`${path}/${key}: missing`],
    );
  }
  return [];
}
