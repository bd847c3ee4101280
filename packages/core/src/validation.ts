import type { z } from 'zod';
import { type ProblemFieldError, ValidationError } from './errors.js';

/** Turns a zod issue path into a JSON pointer (`['a', 0, 'b']` → `/a/0/b`). */
export function toPointer(path: ReadonlyArray<PropertyKey>): string {
  return path
    .map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`)
    .join('');
}

/** Maps zod issues to problem+json field errors. */
export function fieldErrors(issues: ReadonlyArray<z.core.$ZodIssue>): ProblemFieldError[] {
  return issues.map((issue) => ({
    pointer: toPointer(issue.path),
    detail: issue.message,
    code: issue.code,
  }));
}

/**
 * Parses `input` with a zod schema and returns the typed value, or throws a
 * {@link ValidationError} listing every failing field by path.
 *
 * @param what names the input in the error message, e.g. `'[consent] createPolicy input'`.
 *
 * @example
 * const policy = parse(policySchema, body, '[consent] policy');
 */
export function parse<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what = 'input',
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = fieldErrors(result.error.issues);
  const first = issues[0];
  const summary = first ? `${first.pointer || '(root)'}: ${first.detail}` : 'invalid';
  return throwValidation(`${what} is invalid (${summary})`, issues);
}

function throwValidation(message: string, issues: ProblemFieldError[]): never {
  throw new ValidationError(message, issues);
}
