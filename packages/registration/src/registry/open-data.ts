import type { ActorContext, AuditSink, Clock } from '@govblocks/core';
import { parse, systemClock, ValidationError } from '@govblocks/core';
import { z } from 'zod';
import { RegistrationError } from '../errors.js';
import type { RegistryStore } from './ports.js';
import { registryRefSchema } from './schemas.js';

export const registryOpenDataInputSchema = z.strictObject({
  registry: registryRefSchema,
  /**
   * The allow-list: fields whose values may be published, grouped and counted. The registry's
   * primary key and personal id field are never allowed.
   */
  fields: z.array(z.string().min(1).max(128)).min(1).max(8),
  /** Groups with fewer records are left out (and counted in `suppressedGroups`). Default 5. */
  minimumCount: z.number().int().min(1).max(1_000).default(5),
});
export type RegistryOpenDataInput = z.input<typeof registryOpenDataInputSchema>;

export interface RegistryOpenData {
  registry: string;
  version: string;
  generatedAt: string;
  fields: string[];
  minimumCount: number;
  /** One row per combination of the allowed fields' values, with how many records have it. */
  rows: Array<{ values: Record<string, string | number | boolean | null>; count: number }>;
  /** Groups left out because they were smaller than `minimumCount`. */
  suppressedGroups: number;
  /** JSON Schema of `rows`, published with the data. */
  schema: Record<string, unknown>;
}

function scalar(value: unknown): string | number | boolean | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  return JSON.stringify(value);
}

/**
 * Counts a registry's records by an allow-list of fields — open data with no personal data:
 * identifiers are refused, and groups smaller than `minimumCount` are suppressed. Reads the
 * store directly (not record by record through the port), and writes one audit event,
 * `registry.open-data.exported`.
 *
 * @example
 * const data = await exportRegistryOpenData({ store, audit }, admin, {
 *   registry: { registry: 'births', version: '1.0' }, fields: ['district', 'year'] });
 */
export async function exportRegistryOpenData(
  dependencies: { store: RegistryStore; audit: AuditSink; clock?: Clock },
  context: ActorContext,
  input: RegistryOpenDataInput,
): Promise<RegistryOpenData> {
  const parsed = parse(
    registryOpenDataInputSchema,
    input,
    '[registration/registry] open data export',
  );
  const definition = await dependencies.store.read.getRegistry(parsed.registry);
  if (!definition) {
    throw new RegistrationError(
      'REGISTRY_NOT_FOUND',
      `[registration/registry] no registry '${parsed.registry.registry}'`,
    );
  }
  const properties = (definition.schema.properties ?? {}) as Record<string, { type?: unknown }>;
  const issues = parsed.fields.flatMap((field, index) => {
    if (field === definition.primaryKey || field === definition.personalIdField) {
      return [{ pointer: `/fields/${index}`, detail: 'an identifier cannot be published' }];
    }
    return Object.hasOwn(properties, field)
      ? []
      : [{ pointer: `/fields/${index}`, detail: 'not a field of this registry' }];
  });
  if (issues.length > 0) throw new ValidationError('These fields cannot be published', issues);
  const groups = new Map<
    string,
    { values: Record<string, string | number | boolean | null>; count: number }
  >();
  const page = 5_000;
  for (let offset = 0; ; offset += page) {
    const { records } = await dependencies.store.read.findRecords(definition.id, {
      filters: [],
      offset,
      limit: page,
    });
    for (const record of records) {
      const values = Object.fromEntries(
        parsed.fields.map((field) => [field, scalar(record.content[field])]),
      );
      const key = JSON.stringify(parsed.fields.map((field) => values[field]));
      const group = groups.get(key) ?? { values, count: 0 };
      group.count++;
      groups.set(key, group);
    }
    if (records.length < page) break;
  }
  const all = [...groups.values()];
  const rows = all
    .filter((group) => group.count >= parsed.minimumCount)
    .sort(
      (a, b) =>
        b.count - a.count || JSON.stringify(a.values).localeCompare(JSON.stringify(b.values)),
    );
  const generatedAt = (dependencies.clock ?? systemClock).now().toISOString();
  await dependencies.audit.record({
    block: 'registration',
    action: 'registry.open-data.exported',
    actor: { type: context.actor.type, id: context.actor.id },
    subject: { type: 'registry', id: `${definition.name}/${definition.version}` },
    outcome: 'success',
    time: generatedAt,
    details: {
      fields: parsed.fields.join(','),
      rows: rows.length,
      suppressedGroups: all.length - rows.length,
    },
  });
  return {
    registry: definition.name,
    version: definition.version,
    generatedAt,
    fields: parsed.fields,
    minimumCount: parsed.minimumCount,
    rows,
    suppressedGroups: all.length - rows.length,
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      items: {
        type: 'object',
        required: ['values', 'count'],
        properties: {
          values: {
            type: 'object',
            properties: Object.fromEntries(
              parsed.fields.map((field) => [
                field,
                {
                  ...(properties[field] ?? {}),
                  type: [properties[field]?.type ?? 'string', 'null'].flat(),
                },
              ]),
            ),
          },
          count: { type: 'integer', minimum: parsed.minimumCount },
        },
      },
    },
  };
}
