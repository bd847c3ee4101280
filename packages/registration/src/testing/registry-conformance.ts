import type { ActorContext } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Registry } from '../registry/ports.js';
import type { DefineRegistryInput, RegistryRef } from '../registry/schemas.js';

/** Cases an implementation may skip, each with a reason in the report. */
export type RegistryConformanceSkip = 'personalDataUsage' | 'deleteRegistry';

export interface RegistryConformanceOptions {
  /** Shown in the test names, e.g. `memory`, `sql on pglite`, `remote over HTTP`. */
  name: string;
  /** A registry with no registries and no records. Called before every case. */
  setup: () => Promise<Registry>;
  /** Cases to skip, with the reason. */
  skip?: Partial<Record<RegistryConformanceSkip, string>>;
}

/** An operator of another institution, reading through the Information Mediator. */
export const conformanceOfficer: ActorContext = {
  actor: {
    type: 'service',
    id: 'officer-7',
    roles: ['registry-admin'],
    clientId: 'eGovStack/GOV/90000009/digitalregistries',
  },
};

/** The person some records are about. */
export const conformancePerson: ActorContext = {
  actor: { type: 'person', id: 'EE378129127223', roles: [] },
};

/** The registry the kit defines: people with an id, names, a birth date and a numeric score. */
export const conformanceRegistry: DefineRegistryInput = {
  name: 'people',
  version: '1.0',
  code: 'PPL',
  primaryKey: 'ID',
  personalIdField: 'ID',
  searchable: ['FirstName', 'LastName', 'BirthDate', 'Score'],
  schema: {
    type: 'object',
    properties: {
      ID: { type: 'string', minLength: 1 },
      FirstName: { type: 'string', minLength: 1 },
      LastName: { type: 'string' },
      BirthDate: { type: 'string', format: 'date' },
      Score: { type: 'integer', minimum: 0 },
      Address: { type: 'object', properties: { city: { type: 'string' } } },
    },
    required: ['ID', 'FirstName'],
    additionalProperties: false,
  },
};

const ref: RegistryRef = { registry: 'people', version: '1.0' };

const people = [
  {
    ID: 'P1',
    FirstName: 'Ada',
    LastName: 'Lovelace',
    BirthDate: '1815-12-10',
    Score: 90,
    Address: { city: 'London' },
  },
  { ID: 'P2', FirstName: 'Alan', LastName: 'Turing', BirthDate: '1912-06-23', Score: 85 },
  { ID: 'P3', FirstName: 'Grace', LastName: 'Hopper', BirthDate: '1906-12-09', Score: 95 },
  { ID: 'P4', FirstName: 'Alan', LastName: 'Kay', BirthDate: '1940-05-17', Score: 70 },
  { ID: 'P5', FirstName: 'Edsger', LastName: 'Dijkstra', BirthDate: '1930-05-11', Score: 100 },
];

/**
 * The conformance suite of the {@link Registry} port. Every implementation runs it: the engine
 * on each store, and remote adapters over an HTTP binding.
 *
 * @example
 * describeRegistryConformance({ name: 'memory', setup: async () => createRegistry({ … }) });
 */
export function describeRegistryConformance(options: RegistryConformanceOptions): void {
  const skip = options.skip ?? {};
  describe(`Registry conformance: ${options.name}`, () => {
    let registry: Registry;
    const officer = conformanceOfficer;

    async function seed() {
      await registry.defineRegistry(officer, conformanceRegistry);
      const created = [];
      for (const person of people) created.push(await registry.create(officer, ref, person));
      return created;
    }

    beforeEach(async () => {
      registry = await options.setup();
    });

    it('declares its specification version', () => {
      expect(registry.specificationVersion).toBe('registry/v1');
    });

    it('defines a registry, reads it back by id and by name, and keeps the id on redefinition', async () => {
      const defined = await registry.defineRegistry(officer, conformanceRegistry);
      expect(defined).toMatchObject({
        name: 'people',
        version: '1.0',
        code: 'PPL',
        primaryKey: 'ID',
      });
      expect(Number.isInteger(defined.id)).toBe(true);
      expect(await registry.getRegistry(officer, { id: defined.id })).toMatchObject({
        name: 'people',
      });
      expect(await registry.getRegistry(officer, ref)).toMatchObject({ id: defined.id });
      const again = await registry.defineRegistry(officer, {
        ...conformanceRegistry,
        description: 'People',
      });
      expect(again.id).toBe(defined.id);
      expect(again.description).toBe('People');
      await registry.defineRegistry(officer, { ...conformanceRegistry, version: '2.0' });
      expect((await registry.listRegistries(officer)).map((entry) => entry.version)).toEqual([
        '1.0',
        '2.0',
      ]);
    });

    it('refuses an invalid JSON Schema and fields that are not in it', async () => {
      await expect(
        registry.defineRegistry(officer, {
          ...conformanceRegistry,
          schema: { type: 'object', properties: { a: { type: 'nope' } } },
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await expect(
        registry.defineRegistry(officer, { ...conformanceRegistry, searchable: ['Nope'] }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ pointer: '/searchable/0' }],
      });
      await expect(registry.listRegistries(officer)).resolves.toEqual([]);
    });

    it('answers REGISTRY_NOT_FOUND for an unknown registry or version', async () => {
      await registry.defineRegistry(officer, conformanceRegistry);
      await expect(
        registry.create(officer, { registry: 'people', version: '9' }, { ID: 'x', FirstName: 'x' }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_NOT_FOUND',
      });
      await expect(registry.getRegistry(officer, { id: 999_999 })).rejects.toMatchObject({
        code: 'REGISTRY_NOT_FOUND',
      });
      await expect(
        registry.list(officer, { registry: 'nobody', version: '1.0' }),
      ).rejects.toMatchObject({
        code: 'REGISTRY_NOT_FOUND',
      });
    });

    it('creates records with a uuid and validates content against the schema, field by field', async () => {
      await registry.defineRegistry(officer, conformanceRegistry);
      const record = await registry.create(officer, ref, people[0]!);
      expect(record.uuid).toMatch(/^[0-9a-f-]{36}$/);
      expect(record.content).toEqual(people[0]);
      expect(record).toMatchObject({ registry: 'people', version: '1.0' });
      const error = await registry
        .create(officer, ref, { ID: 'P9', FirstName: '', Score: -1, Extra: true })
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
      const pointers = (error as { issues: Array<{ pointer: string }> }).issues
        .map((issue) => issue.pointer)
        .sort();
      expect(pointers).toEqual(['/Extra', '/FirstName', '/Score']);
      await expect(registry.create(officer, ref, { FirstName: 'NoId' })).rejects.toMatchObject({
        issues: [{ pointer: '/ID' }],
      });
      expect((await registry.list(officer, ref)).count).toBe(1);
    });

    it('reads the oldest record containing the query, nested objects included', async () => {
      const created = await seed();
      expect((await registry.read(officer, ref, { FirstName: 'Alan' })).uuid).toBe(
        created[1]!.uuid,
      );
      expect(
        (await registry.read(officer, ref, { FirstName: 'Alan', LastName: 'Kay' })).content.ID,
      ).toBe('P4');
      expect((await registry.read(officer, ref, { Address: { city: 'London' } })).content.ID).toBe(
        'P1',
      );
      expect((await registry.read(officer, ref, { Score: 95 })).content.ID).toBe('P3');
      await expect(registry.read(officer, ref, { FirstName: 'NotExist' })).rejects.toMatchObject({
        code: 'RECORD_NOT_FOUND',
      });
      await expect(registry.read(officer, ref, {})).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect((await registry.get(officer, ref, created[2]!.uuid)).content.ID).toBe('P3');
      await expect(
        registry.get(officer, ref, '00000000-0000-7000-8000-000000000000'),
      ).rejects.toMatchObject({
        code: 'RECORD_NOT_FOUND',
      });
    });

    it('answers exists', async () => {
      await seed();
      await expect(registry.exists(officer, ref, { FirstName: 'Grace' })).resolves.toBe(true);
      await expect(
        registry.exists(officer, ref, { FirstName: 'Grace', LastName: 'Kay' }),
      ).resolves.toBe(false);
    });

    it('updates one record, validating the result, and changes nothing when it is invalid', async () => {
      const created = await seed();
      const updated = await registry.update(officer, ref, {
        query: { ID: 'P2' },
        write: { LastName: 'M. Turing' },
      });
      expect(updated.uuid).toBe(created[1]!.uuid);
      expect(updated.content).toMatchObject({ ID: 'P2', FirstName: 'Alan', LastName: 'M. Turing' });
      await expect(
        registry.update(officer, ref, { query: { ID: 'P2' }, write: { Score: 'high' } }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ pointer: '/Score' }],
      });
      expect((await registry.read(officer, ref, { ID: 'P2' })).content.Score).toBe(85);
      await expect(
        registry.update(officer, ref, { query: { ID: 'nobody' }, write: { LastName: 'x' } }),
      ).rejects.toMatchObject({
        code: 'RECORD_NOT_FOUND',
      });
    });

    it('updates entries in bulk, all or none', async () => {
      await seed();
      await expect(
        registry.updateEntries(officer, ref, { query: { FirstName: 'Alan' }, write: { Score: 1 } }),
      ).resolves.toEqual({
        updated: 2,
      });
      const alans = await registry.list(officer, ref, { match: { FirstName: 'Alan' } });
      expect(alans.results.map((record) => record.content.Score)).toEqual([1, 1]);
      await expect(
        registry.updateEntries(officer, ref, {
          query: { FirstName: 'Alan' },
          write: { Score: -5 },
        }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      const after = await registry.list(officer, ref, { match: { FirstName: 'Alan' } });
      expect(after.results.map((record) => record.content.Score)).toEqual([1, 1]);
      await expect(
        registry.updateEntries(officer, ref, {
          query: { FirstName: 'Nobody' },
          write: { Score: 1 },
        }),
      ).resolves.toEqual({
        updated: 0,
      });
    });

    it('updates or creates', async () => {
      await seed();
      const updated = await registry.updateOrCreate(officer, ref, {
        query: { ID: 'P1' },
        write: { LastName: 'King' },
      });
      expect(updated.created).toBe(false);
      expect(updated.record.content).toMatchObject({
        ID: 'P1',
        FirstName: 'Ada',
        LastName: 'King',
      });
      const created = await registry.updateOrCreate(officer, ref, {
        query: { ID: 'P6' },
        write: { FirstName: 'Barbara' },
      });
      expect(created.created).toBe(true);
      expect(created.record.content).toEqual({ ID: 'P6', FirstName: 'Barbara' });
      expect((await registry.list(officer, ref)).count).toBe(6);
      await expect(
        registry.updateOrCreate(officer, ref, {
          query: { ID: 'P7' },
          write: { LastName: 'NoFirstName' },
        }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect((await registry.list(officer, ref)).count).toBe(6);
    });

    it('deletes by uuid or by primary key, idempotently', async () => {
      const created = await seed();
      await expect(registry.delete(officer, ref, created[0]!.uuid)).resolves.toEqual({
        deleted: 1,
      });
      await expect(registry.delete(officer, ref, created[0]!.uuid)).resolves.toEqual({
        deleted: 0,
      });
      await expect(registry.delete(officer, ref, 'P2')).resolves.toEqual({ deleted: 1 });
      await expect(registry.exists(officer, ref, { ID: 'P2' })).resolves.toBe(false);
      expect((await registry.list(officer, ref)).count).toBe(3);
    });

    it('reads a single field value', async () => {
      const created = await seed();
      await expect(registry.readValue(officer, ref, created[0]!.uuid, 'FirstName')).resolves.toBe(
        'Ada',
      );
      await expect(registry.readValue(officer, ref, created[0]!.uuid, 'Address')).resolves.toEqual({
        city: 'London',
      });
      await expect(
        registry.readValue(officer, ref, created[1]!.uuid, 'Address'),
      ).rejects.toMatchObject({ code: 'FIELD_NOT_FOUND' });
      await expect(
        registry.readValue(officer, ref, '00000000-0000-7000-8000-000000000000', 'FirstName'),
      ).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    });

    it('lists with filters, ranges, search, ordering and paging', async () => {
      await seed();
      const ids = (page: { results: Array<{ content: Record<string, unknown> }> }) =>
        page.results.map((record) => record.content.ID);
      const all = await registry.list(officer, ref);
      expect(all).toMatchObject({ count: 5, page: 1, pageSize: 10 });
      expect(ids(all)).toEqual(['P1', 'P2', 'P3', 'P4', 'P5']);
      expect(
        ids(
          await registry.list(officer, ref, {
            filters: [{ field: 'FirstName', op: 'eq', value: 'Alan' }],
          }),
        ),
      ).toEqual(['P2', 'P4']);
      expect(
        ids(
          await registry.list(officer, ref, {
            filters: [{ field: 'Score', op: 'gte', value: 90 }],
          }),
        ),
      ).toEqual(['P1', 'P3', 'P5']);
      expect(
        ids(
          await registry.list(officer, ref, {
            filters: [
              { field: 'BirthDate', op: 'gte', value: '1900-01-01' },
              { field: 'BirthDate', op: 'lt', value: '1935-01-01' },
            ],
          }),
        ),
      ).toEqual(['P2', 'P3', 'P5']);
      expect(
        ids(
          await registry.list(officer, ref, {
            filters: [{ field: 'LastName', op: 'prefix', value: 'K' }],
          }),
        ),
      ).toEqual(['P4']);
      expect(
        ids(
          await registry.list(officer, ref, {
            filters: [{ field: 'LastName', op: 'contains', value: 'OPP' }],
          }),
        ),
      ).toEqual(['P3']);
      expect(
        ids(
          await registry.list(officer, ref, { filters: [{ field: 'Score', op: 'ne', value: 90 }] }),
        ),
      ).toEqual(['P2', 'P3', 'P4', 'P5']);
      expect(ids(await registry.list(officer, ref, { search: 'al' }))).toEqual(['P2', 'P4']);
      expect(
        ids(await registry.list(officer, ref, { orderBy: { field: 'Score', direction: 'desc' } })),
      ).toEqual(['P5', 'P3', 'P1', 'P2', 'P4']);
      expect(
        ids(
          await registry.list(officer, ref, { orderBy: { field: 'LastName', direction: 'asc' } }),
        ),
      ).toEqual(['P5', 'P3', 'P4', 'P1', 'P2']);
      const page2 = await registry.list(officer, ref, {
        orderBy: { field: 'Score', direction: 'asc' },
        page: 2,
        pageSize: 2,
      });
      expect(page2).toMatchObject({ count: 5, page: 2, pageSize: 2 });
      expect(ids(page2)).toEqual(['P1', 'P3']);
      expect((await registry.list(officer, ref, { page: 9 })).results).toEqual([]);
      await expect(
        registry.list(officer, ref, { filters: [{ field: 'Nope', op: 'eq', value: 'x' }] }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        issues: [{ pointer: '/filters/0/field' }],
      });
      await expect(
        registry.list(officer, ref, { filters: [{ field: 'Score', op: 'eq', value: 'many' }] }),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      await expect(registry.list(officer, ref, { pageSize: 5_000 })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    });

    it.skipIf(skip.personalDataUsage !== undefined)(
      `tells a person who read or changed their records, not their own reads${skip.personalDataUsage ? ` (skipped: ${skip.personalDataUsage})` : ''}`,
      async () => {
        await registry.defineRegistry(officer, conformanceRegistry);
        const record = await registry.create(officer, ref, {
          ID: conformancePerson.actor.id,
          FirstName: 'Billy',
        });
        await registry.read(officer, ref, { ID: conformancePerson.actor.id });
        await registry.read(conformancePerson, ref, { ID: conformancePerson.actor.id });
        await registry.readValue(officer, ref, record.uuid, 'FirstName');
        const usage = await registry.personalDataUsage(conformancePerson, {
          personId: conformancePerson.actor.id,
        });
        expect(usage.map((entry) => entry.action)).toEqual(['read', 'read', 'created']);
        expect(usage[0]).toMatchObject({
          readerId: 'officer-7',
          readerInstitutionId: '90000009',
          readerApplicationName: 'digitalregistries',
          registry: 'people',
          references: [record.uuid],
        });
        expect(
          await registry.personalDataUsage(conformancePerson, {
            personId: conformancePerson.actor.id,
            registry: 'PPL',
          }),
        ).toHaveLength(3);
        expect(
          await registry.personalDataUsage(conformancePerson, {
            personId: conformancePerson.actor.id,
            registry: 'other',
          }),
        ).toEqual([]);
        expect(
          await registry.personalDataUsage(conformancePerson, { personId: 'someone-else' }),
        ).toEqual([]);
      },
    );

    it.skipIf(skip.deleteRegistry !== undefined)(
      'deletes a registry with its records',
      async () => {
        await seed();
        const { id } = await registry.getRegistry(officer, ref);
        await expect(registry.deleteRegistry(officer, { id })).resolves.toEqual({
          deletedRecords: 5,
        });
        await expect(registry.getRegistry(officer, { id })).rejects.toMatchObject({
          code: 'REGISTRY_NOT_FOUND',
        });
        await registry.defineRegistry(officer, conformanceRegistry);
        expect((await registry.list(officer, ref)).count).toBe(0);
      },
    );
  });
}
