import type { Context } from 'hono';
import type { z } from 'zod';
import { GovBlocksError, ValidationError } from '../errors.js';
import { parse } from '../validation.js';
import { jsonContentType } from './problem.js';

const formTypes = ['multipart/form-data', 'application/x-www-form-urlencoded'];

/**
 * Reads the request body as JSON and validates it with `schema`. Returns the typed value;
 * throws a 400 `VALIDATION_FAILED` (with one field error per failing field) when the body is
 * not JSON or does not match, and a 415 for form bodies. An empty body is read as `undefined`,
 * so the schema decides whether it is allowed.
 *
 * @example
 * app.post('/consents', async (c) => {
 *   const input = await readJson(c, createConsentSchema);
 *   return sendJson(c, await service.create(input, actorOf(c)), 201);
 * });
 */
export async function readJson<Schema extends z.ZodType>(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono environment will do
  c: Context<any>,
  schema: Schema,
): Promise<z.output<Schema>> {
  const contentType = (c.req.header('content-type') ?? '').toLowerCase();
  if (formTypes.some((type) => contentType.startsWith(type))) {
    throw new GovBlocksError('UNSUPPORTED_MEDIA_TYPE', 'The request body must be JSON', {
      status: 415,
    });
  }
  const text = await c.req.text();
  let body: unknown;
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new ValidationError('The request body is not valid JSON', [
        { pointer: '', detail: 'not valid JSON', code: 'invalid_json' },
      ]);
    }
  }
  return parse(schema, body, 'request body');
}

/**
 * Reads the query string and validates it with `schema`. A parameter given once is a string,
 * one given several times (`status[]=a&status[]=b` or `status=a&status=b`) an array; a trailing
 * `[]` is dropped from the name.
 *
 * @example
 * const { page } = readQuery(c, z.object({ page: z.coerce.number().int().min(1).default(1) }));
 */
export function readQuery<Schema extends z.ZodType>(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono environment will do
  c: Context<any>,
  schema: Schema,
): z.output<Schema> {
  const query: Record<string, string | string[]> = {};
  for (const [name, values] of Object.entries(c.req.queries())) {
    const isArray = name.endsWith('[]');
    const key = isArray ? name.slice(0, -2) : name;
    const previous = query[key];
    const all = [...(previous === undefined ? [] : [previous].flat()), ...values];
    query[key] = all.length === 1 && !isArray ? all[0]! : all;
  }
  return parse(schema, query, 'query');
}

/**
 * Reads the path parameters and validates them with `schema`.
 *
 * @example
 * const { id } = readParams(c, z.object({ id: z.uuid() }));
 */
export function readParams<Schema extends z.ZodType>(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono environment will do
  c: Context<any>,
  schema: Schema,
): z.output<Schema> {
  return parse(schema, c.req.param(), 'path');
}

/**
 * A JSON response with `content-type: application/json; charset=utf-8`.
 *
 * @example
 * return sendJson(c, record, 201, { location: `/consents/${record.id}` });
 */
export function sendJson(
  // biome-ignore lint/suspicious/noExplicitAny: any Hono environment will do
  c: Context<any>,
  value: unknown,
  status = 200,
  headers?: Record<string, string>,
): Response {
  return c.body(JSON.stringify(value ?? null), status as 200, {
    ...headers,
    'content-type': jsonContentType,
  });
}
