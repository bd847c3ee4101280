import type { ActorContext } from '@govblocks/core';
import { isGovBlocksError, ValidationError } from '@govblocks/core';
import {
  type AuthOptions,
  createHttpApp,
  type HttpContext,
  jsonContentType,
  readJson,
  sendJson,
} from '@govblocks/core/http';
import { z } from 'zod';
import type { Registry } from '../registry/ports.js';
import type {
  FieldFilter,
  JsonObject,
  RegistryInfo,
  RegistryRecord,
  RegistryRef,
} from '../registry/schemas.js';
import { actorFor } from './actor.js';

export interface RegistriesHttpAppOptions {
  /** Authentication (see `@govblocks/core/http`). Without it, the Information Mediator header names the caller. */
  auth?: AuthOptions;
  /** Largest request body in bytes. Default 1 MiB. */
  bodyLimitBytes?: number;
  /** Name and code of the registry group `GET /databases` answers with. */
  group?: { id?: number; name?: string; code?: string };
}

const contentBody = z.looseObject({ content: z.record(z.string(), z.unknown()) });
const writeBody = z.looseObject({ write: contentBody });
const queryBody = z.looseObject({ query: contentBody });
const queryWriteBody = z.looseObject({ query: contentBody, write: contentBody });
const alphanumeric = /^[0-9a-zA-Z]+$/;

/** Records go out as GovStack shows them: the content, plus our `uuid` beside it. */
function recordBody(record: RegistryRecord): JsonObject {
  return {
    content: record.content,
    uuid: record.uuid,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** List items are flat, as in the mock, with `uuid` (and `id`, when the content has none) added. */
function listItem(record: RegistryRecord): JsonObject {
  return {
    ...(Object.hasOwn(record.content, 'id') ? {} : { id: record.uuid }),
    ...record.content,
    ...(Object.hasOwn(record.content, 'uuid') ? {} : { uuid: record.uuid }),
  };
}

/** The GovStack `databaseInfo` of a registry (snake_case, as the mock and the tests have it). */
export function databaseInfo(info: RegistryInfo): JsonObject {
  return {
    id: info.id,
    version: info.version,
    name: info.name,
    description: info.description ?? '',
    institution: info.institution ?? '',
    code: info.code ?? info.name,
    schema: info.schema,
    schema_tags: info.searchable.map((field) => ({
      name: field,
      path: `/${field}`,
      is_fulltext: false,
    })),
    schema_flags: [
      ...(info.primaryKey ? [{ name: 'primaryKey', path: `/${info.primaryKey}` }] : []),
      ...(info.personalIdField ? [{ name: 'personalId', path: `/${info.personalIdField}` }] : []),
    ],
    fields_uniques: [],
    is_draft: false,
    is_disabled: false,
    is_archived: false,
    modified_at: info.modifiedAt,
    generic_services: [],
    data_index_increment: 0,
    has_logo: false,
    // Kept for the shape GovStack clients expect; govblocks does not track these.
    number_format: '',
    by_user_name: '',
    by_user_auth_id: 0,
    by_on_behalf_of_user_auth_id: 0,
    by_on_behalf_of_user_name: '',
    // govblocks extensions, so that a remote adapter can rebuild the definition.
    primary_key: info.primaryKey ?? null,
    personal_id_field: info.personalIdField ?? null,
    searchable: info.searchable,
    created_at: info.createdAt,
    ...(info.groupName ? { group_name: info.groupName } : {}),
    ...(info.catalogName ? { catalog_name: info.catalogName } : {}),
  };
}

function refOf(c: HttpContext): RegistryRef {
  return { registry: c.req.param('registry') ?? '', version: c.req.param('version') ?? '' };
}

/** `ordering`: a field (`Score`, `-Score`), or `ascending` / `descending` of the `filter` field. */
function orderingOf(ordering: string | undefined, filter: string | undefined) {
  if (!ordering) return undefined;
  const lower = ordering.toLowerCase();
  if (['asc', 'ascending', 'desc', 'descending'].includes(lower)) {
    return filter
      ? { field: filter, direction: lower.startsWith('asc') ? ('asc' as const) : ('desc' as const) }
      : undefined;
  }
  return ordering.startsWith('-')
    ? { field: ordering.slice(1), direction: 'desc' as const }
    : { field: ordering, direction: 'asc' as const };
}

const rangeSuffixes = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'prefix', 'contains']);

function integerParameter(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,9}$/.test(value))
    throw new ValidationError(`'${name}' must be a positive integer`, [
      { pointer: `/${name}`, detail: 'must be a positive integer' },
    ]);
  return Number(value);
}

/**
 * Serves a {@link Registry} as the GovStack Digital Registries BB API, as its reference mock and
 * published tests have it: `data/{registry}/{version}` (list), `…/create`, `…/read`, `…/exists`,
 * `…/update`, `…/update-entries`, `…/update-or-create`, `…/{id}/delete`,
 * `…/{uuid}/read-value/{field}.{ext}`, `data/MyPersonalDataUsage/1.0`, and the database API
 * (`databases`, `database/{id}`, `database/modify`). The camelCase paths of the OpenAPI file
 * (`updateEntries`, `updateOrCreate`, `readValue`, `data/myPersonalDataUsage`) are served too.
 *
 * Departures from plain REST that the tests expect: `read` answers 404 as `application/json`
 * `{ "detail": "no record found" }`; `delete` answers 204 even when nothing was there (DELETE
 * is idempotent). Other errors are `application/problem+json`.
 *
 * @example
 * const app = registriesHttpApp(registry, { auth: { development: true, mode: 'optional' } });
 * await startServer(app, { port: 3333 });
 */
export function registriesHttpApp(registry: Registry, options: RegistriesHttpAppOptions = {}) {
  const app = createHttpApp({
    name: 'registries',
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
  });
  const actor = (c: HttpContext): ActorContext => actorFor(c);

  async function personalDataUsage(c: HttpContext) {
    const context = actor(c);
    const userId = c.req.query('userID') ?? c.req.query('userId');
    const databaseId = c.req.query('DatabaseID') ?? c.req.query('databaseId');
    const issues = [
      ...(userId && alphanumeric.test(userId)
        ? []
        : [{ pointer: '/userID', detail: 'must be letters and digits' }]),
      ...(databaseId && alphanumeric.test(databaseId)
        ? []
        : [{ pointer: '/DatabaseID', detail: 'must be letters and digits' }]),
    ];
    if (issues.length > 0) throw new ValidationError('userID and DatabaseID are required', issues);
    const usage = await registry.personalDataUsage(context, {
      personId: userId!,
      registry: databaseId!,
    });
    return sendJson(
      c,
      usage.map((entry) => ({
        ID: entry.id,
        ReaderID: entry.readerId,
        ReaderInitials: '',
        ReaderInstitutionID: entry.readerInstitutionId ?? '',
        ReaderInstitutionName: entry.readerInstitutionId ?? '',
        ReaderApplicationName: entry.readerApplicationName ?? '',
        SearchDateTime: entry.time,
        Action: entry.action,
        ReaderType: entry.readerType,
        ...(entry.registry ? { Registry: entry.registry, Version: entry.version } : {}),
        ...(entry.purpose ? { Purpose: entry.purpose } : {}),
        Refrences: entry.references.map((reference) => ({ ReferenceID: reference })),
      })),
    );
  }
  app.get('/data/MyPersonalDataUsage/1.0', personalDataUsage);
  app.get('/data/myPersonalDataUsage', personalDataUsage);

  app.get('/data/:registry/:version', async (c) => {
    const context = actor(c);
    const search = c.req.query('search') || undefined;
    const filter = c.req.query('filter') || undefined;
    const page = integerParameter(c.req.query('page'), 'page');
    const pageSize = integerParameter(
      c.req.query('pageSize') ?? c.req.query('page_size'),
      'pageSize',
    );
    const filters: FieldFilter[] = [];
    for (const [name, value] of Object.entries(c.req.query())) {
      if (!name.startsWith('query.')) continue;
      const rest = name.slice('query.'.length);
      const dot = rest.lastIndexOf('.');
      const suffix = dot > 0 ? rest.slice(dot + 1) : '';
      const field = rangeSuffixes.has(suffix) ? rest.slice(0, dot) : rest;
      filters.push({
        field,
        op: (rangeSuffixes.has(suffix) ? suffix : 'eq') as FieldFilter['op'],
        value,
      });
    }
    const orderBy = orderingOf(c.req.query('ordering') || undefined, filter);
    const ref = refOf(c);
    const matchParameter = c.req.query('match');
    let match: JsonObject | undefined;
    if (matchParameter) {
      try {
        match = JSON.parse(matchParameter) as JsonObject;
      } catch {
        throw new ValidationError('match must be a JSON object', [
          { pointer: '/match', detail: 'not JSON' },
        ]);
      }
    }
    const searchFields = c.req.query('searchFields')?.split(',').filter(Boolean);
    // A registry that does not exist has no records: the mock and the tests expect an empty list.
    const known = await registry.getRegistry(context, ref).then(
      () => true,
      (error: unknown) => {
        if (isGovBlocksError(error) && error.code === 'REGISTRY_NOT_FOUND') return false;
        throw error;
      },
    );
    if (!known)
      return sendJson(c, { count: 0, previous: null, results: [] }, 200, {
        'x-registry-found': 'false',
      });
    const result = await registry.list(context, ref, {
      filters,
      ...(match ? { match } : {}),
      ...(search
        ? {
            search,
            ...(searchFields ? { searchFields } : filter ? { searchFields: [filter] } : {}),
          }
        : {}),
      ...(orderBy ? { orderBy } : {}),
      ...(page ? { page } : {}),
      ...(pageSize ? { pageSize } : {}),
    });
    const hasNext = result.page * result.pageSize < result.count;
    return sendJson(c, {
      count: result.count,
      ...(hasNext ? { next: String(result.page + 1) } : {}),
      previous: result.page > 1 ? String(result.page - 1) : null,
      // `records=full` (a govblocks extension) answers whole records instead of flat content.
      results:
        c.req.query('records') === 'full'
          ? result.results.map(recordBody)
          : result.results.map(listItem),
    });
  });

  app.post('/data/:registry/:version/create', async (c) => {
    const body = await readJson(c, writeBody);
    return sendJson(c, recordBody(await registry.create(actor(c), refOf(c), body.write.content)));
  });

  app.post('/data/:registry/:version/read', async (c) => {
    const body = await readJson(c, queryBody);
    try {
      return sendJson(c, recordBody(await registry.read(actor(c), refOf(c), body.query.content)));
    } catch (error) {
      if (isGovBlocksError(error) && error.code === 'RECORD_NOT_FOUND') {
        return c.body(
          JSON.stringify({ ...error.toProblem(c.get('requestId')), detail: 'no record found' }),
          404,
          {
            'content-type': jsonContentType,
          },
        );
      }
      throw error;
    }
  });

  app.post('/data/:registry/:version/exists', async (c) => {
    const body = await readJson(c, z.record(z.string(), z.unknown()));
    // The OpenAPI file sends `{ query: { content } }`; the mock also reads fields at the top level.
    const parsedQuery = queryBody.safeParse(body);
    const query = parsedQuery.success ? parsedQuery.data.query.content : body;
    const found = await registry.exists(actor(c), refOf(c), query);
    return sendJson(c, {
      answer: {
        status: found,
        message: found ? 'Object found from database' : 'Object not found from database',
      },
    });
  });

  app.put('/data/:registry/:version/update', async (c) => {
    const body = await readJson(c, queryWriteBody);
    const updated = await registry.update(actor(c), refOf(c), {
      query: body.query.content,
      write: body.write.content,
    });
    return sendJson(c, recordBody(updated));
  });

  const updateEntries = async (c: HttpContext) => {
    const body = await readJson(c, queryWriteBody);
    return sendJson(
      c,
      await registry.updateEntries(actor(c), refOf(c), {
        query: body.query.content,
        write: body.write.content,
      }),
    );
  };
  app.put('/data/:registry/:version/update-entries', updateEntries);
  app.put('/data/:registry/:version/updateEntries', updateEntries);

  const updateOrCreate = async (c: HttpContext) => {
    const body = await readJson(c, queryWriteBody);
    const { record, created } = await registry.updateOrCreate(actor(c), refOf(c), {
      query: body.query.content,
      write: body.write.content,
    });
    return sendJson(c, { ...recordBody(record), created });
  };
  app.post('/data/:registry/:version/update-or-create', updateOrCreate);
  app.post('/data/:registry/:version/updateOrCreate', updateOrCreate);

  app.delete('/data/:registry/:version/:id/delete', async (c) => {
    let deleted = 0;
    try {
      ({ deleted } = await registry.delete(actor(c), refOf(c), c.req.param('id')));
    } catch (error) {
      // Deleting what is not there is done: DELETE is idempotent, and the tests expect 204.
      if (!(isGovBlocksError(error) && error.code === 'REGISTRY_NOT_FOUND')) throw error;
    }
    return c.body(null, 204, { 'x-deleted-records': String(deleted) });
  });

  // govblocks extension: one record by uuid.
  app.get('/data/:registry/:version/:uuid', async (c) =>
    sendJson(c, recordBody(await registry.get(actor(c), refOf(c), c.req.param('uuid')))),
  );

  const readValue = async (c: HttpContext) => {
    const target = c.req.param('target') ?? '';
    const dot = target.lastIndexOf('.');
    const field = dot > 0 ? target.slice(0, dot) : target;
    const ext = dot > 0 ? target.slice(dot + 1).toLowerCase() : 'json';
    if (ext !== 'json' && ext !== 'txt') {
      throw new ValidationError(`Unsupported format '.${ext}'`, [
        { pointer: '/ext', detail: 'must be json or txt' },
      ]);
    }
    const value = await registry.readValue(actor(c), refOf(c), c.req.param('uuid') ?? '', field);
    if (ext === 'txt') {
      return c.body(typeof value === 'string' ? value : JSON.stringify(value), 200, {
        'content-type': 'text/plain; charset=utf-8',
      });
    }
    return sendJson(c, value);
  };
  app.get('/data/:registry/:version/:uuid/read-value/:target', readValue);
  app.get('/data/:registry/:version/:uuid/readValue/:target', readValue);

  const databaseId = (c: HttpContext) => {
    const raw = c.req.param('id') ?? '';
    if (!/^[1-9]\d{0,9}$/.test(raw))
      throw new ValidationError('The database id must be a positive integer', [
        { pointer: '/id', detail: 'must be a positive integer' },
      ]);
    return Number(raw);
  };

  app.get('/databases', async (c) => {
    const registries = await registry.listRegistries(actor(c));
    const first = registries[0];
    return sendJson(c, {
      id: options.group?.id ?? 1,
      name: options.group?.name ?? first?.catalogName ?? first?.groupName ?? 'govblocks',
      code: options.group?.code ?? first?.code ?? '',
      databases: registries.map(databaseInfo),
      group_id: options.group?.id ?? 1,
      order: 1,
      data_index_increment: 0,
    });
  });

  app.get('/database/:id', async (c) => {
    const id = databaseId(c);
    return sendJson(c, databaseInfo(await registry.getRegistry(actor(c), { id })));
  });

  app.delete('/database/:id', async (c) => {
    const id = databaseId(c);
    const { deletedRecords } = await registry.deleteRegistry(actor(c), { id });
    return sendJson(c, 'Success', 200, { 'x-deleted-records': String(deletedRecords) });
  });

  app.post('/database/modify', async (c) => {
    const body = await readJson(
      c,
      z.looseObject({
        name: z.string().optional(),
        version: z.string().optional(),
        code: z.string().optional(),
        group_name: z.string().optional(),
        groupName: z.string().optional(),
        catalog_name: z.string().optional(),
        catalogName: z.string().optional(),
        description: z.string().optional(),
        institution: z.string().optional(),
        primary_key: z.string().optional(),
        primaryKey: z.string().optional(),
        personal_id_field: z.string().optional(),
        personalIdField: z.string().optional(),
        searchable: z.array(z.string()).optional(),
        schema: z.record(z.string(), z.unknown()),
      }),
    );
    const name = body.name ?? body.code;
    if (!name)
      throw new ValidationError('name or code is required', [
        { pointer: '/name', detail: 'required' },
      ]);
    const groupName = body.group_name ?? body.groupName;
    const catalogName = body.catalog_name ?? body.catalogName;
    const primaryKey = body.primary_key ?? body.primaryKey;
    const personalIdField = body.personal_id_field ?? body.personalIdField;
    const defined = await registry.defineRegistry(actor(c), {
      name,
      version: body.version ?? '1.0',
      schema: body.schema,
      ...(body.code ? { code: body.code } : {}),
      ...(groupName ? { groupName } : {}),
      ...(catalogName ? { catalogName } : {}),
      ...(body.description ? { description: body.description } : {}),
      ...(body.institution ? { institution: body.institution } : {}),
      ...(primaryKey ? { primaryKey } : {}),
      ...(personalIdField ? { personalIdField } : {}),
      ...(body.searchable ? { searchable: body.searchable } : {}),
    });
    return sendJson(c, defined.schema, 200, { 'x-database-id': String(defined.id) });
  });

  return app;
}
