import type { ProblemFieldError } from '@govblocks/core';
import { ValidationError } from '@govblocks/core';
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv and ajv-formats are CommonJS; their default export arrives either as the function itself
// or wrapped in `.default`, depending on the loader. Accept both.
type AjvClass = typeof AjvModule;
const Ajv = ((AjvModule as unknown as { default?: AjvClass }).default ?? AjvModule) as AjvClass;
type AddFormats = typeof addFormatsModule.default;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as AddFormats;

/** A JSON Schema document (draft-07 / 2019-09 keywords as Ajv 8 understands them). */
export type JsonSchema = Record<string, unknown>;

/** A compiled JSON Schema: validates a value and reports failing fields by JSON pointer. */
export interface CompiledSchema {
  /** Throws a {@link ValidationError} listing every failing field; returns nothing when valid. */
  assert(value: unknown, what: string): void;
  /** The failing fields, or an empty list when valid. */
  check(value: unknown): ProblemFieldError[];
}

function pointerEscape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Maps Ajv errors to problem+json field errors; the pointer names the failing field itself. */
export function ajvFieldErrors(
  errors: readonly ErrorObject[] | null | undefined,
): ProblemFieldError[] {
  return (errors ?? []).map((error) => {
    let pointer = error.instancePath;
    const params = error.params as Record<string, unknown>;
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer += `/${pointerEscape(params.missingProperty)}`;
    } else if (
      error.keyword === 'additionalProperties' &&
      typeof params.additionalProperty === 'string'
    ) {
      pointer += `/${pointerEscape(params.additionalProperty)}`;
    }
    return { pointer, detail: error.message ?? 'is invalid', code: error.keyword };
  });
}

/**
 * Creates a JSON Schema compiler (Ajv 8, all errors, formats). `strict: false` because
 * GovStack registry schemas carry extension keywords (`primaryKey`, `triggers`, `example`, …).
 */
export function createSchemaCompiler() {
  const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: true });
  addFormats(ajv);
  const cache = new Map<string, CompiledSchema>();

  function compile(schema: JsonSchema, cacheKey?: string): CompiledSchema {
    if (cacheKey !== undefined) {
      const cached = cache.get(cacheKey);
      if (cached) return cached;
    }
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new ValidationError('The JSON Schema is invalid', [
        {
          pointer: '/schema',
          detail: error instanceof Error ? error.message : 'invalid schema',
          code: 'schema',
        },
      ]);
    }
    const compiled: CompiledSchema = {
      check(value) {
        return validate(value) ? [] : ajvFieldErrors(validate.errors);
      },
      assert(value, what) {
        const issues = compiled.check(value);
        if (issues.length > 0) {
          const first = issues[0]!;
          throw new ValidationError(
            `${what} is invalid (${first.pointer || '(root)'}: ${first.detail})`,
            issues,
          );
        }
      },
    };
    if (cacheKey !== undefined) {
      if (cache.size > 500) cache.clear();
      cache.set(cacheKey, compiled);
    }
    return compiled;
  }

  return { compile };
}

export type SchemaCompiler = ReturnType<typeof createSchemaCompiler>;
