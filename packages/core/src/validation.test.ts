import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from './errors.js';
import { parse, toPointer } from './validation.js';

describe('parse', () => {
  const schema = z.strictObject({
    name: z.string().min(1),
    items: z.array(z.strictObject({ qty: z.number().int() })),
  });

  it('returns the typed value', () => {
    expect(parse(schema, { name: 'a', items: [{ qty: 1 }] })).toEqual({
      name: 'a',
      items: [{ qty: 1 }],
    });
  });

  it('throws a ValidationError naming every failing path', () => {
    let caught: unknown;
    try {
      parse(schema, { name: '', items: [{ qty: 1.5 }], extra: true }, '[test] order');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    const error = caught as ValidationError;
    expect(error.message).toMatch(/^\[test\] order is invalid/);
    expect(error.issues.map((issue) => issue.pointer).sort()).toEqual([
      '',
      '/items/0/qty',
      '/name',
    ]);
  });

  it('escapes JSON pointer segments', () => {
    expect(toPointer(['a/b', 'c~d', 0])).toBe('/a~1b/c~0d/0');
  });
});
