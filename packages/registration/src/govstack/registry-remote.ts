import type { ActorContext } from '@govblocks/core';
import { ConfigurationError, parse } from '@govblocks/core';
import {
  createHttpClient,
  type HttpClient,
  type HttpClientOptions,
  type QueryValue,
} from '@govblocks/core/client';
import { RegistrationError } from '../errors.js';
import {
  type Registry,
  type RegistrySelector,
  registrySpecificationVersion,
} from '../registry/ports.js';
import {
  defineRegistryInputSchema,
  type JsonObject,
  listRecordsInputSchema,
  type PersonalDataUsage,
  personalDataUsageInputSchema,
  type RegistryInfo,
  type RegistryRecord,
  type RegistryRef,
} from '../registry/schemas.js';
import type { paths as RegistriesData } from './generated/registries-data.js';

/** Options of {@link govstackRegistry}. */
export interface GovStackRegistryOptions extends Omit<HttpClientOptions, 'baseUrl' | 'name'> {
  /** Base URL of a GovStack Digital Registries API, e.g. `https://registries.example.gov/api/`. */
  baseUrl: string | URL;
  /** The Information Mediator client this system calls as (`INSTANCE/CLASS/MEMBER/SUBSYSTEM`). Required by GovStack. */
  informationMediatorClient: string;
  /** An HTTP client to use instead of making one (tests, shared pools). */
  client?: HttpClient;
}

type CreateBody = NonNullable<
  RegistriesData['/data/{registryName}/{versionNumber}/create']['post']['requestBody']
>['content']['application/json'];
type QueryBody = NonNullable<
  RegistriesData['/data/{registryName}/{versionNumber}/read']['post']['requestBody']
>['content']['application/json'];

const segment = (value: string) => encodeURIComponent(value);
const base = (ref: RegistryRef) => `/data/${segment(ref.registry)}/${segment(ref.version)}`;

interface WireRecord {
  content?: JsonObject;
  uuid?: string;
  id?: string;
  createdAt?: string;
  updatedAt?: string;
  [field: string]: unknown;
}

function toRecord(ref: RegistryRef, body: WireRecord): RegistryRecord {
  if (body.content && typeof body.content === 'object') {
    return {
      uuid: String(body.uuid ?? ''),
      registry: ref.registry,
      version: ref.version,
      content: body.content,
      createdAt: String(body.createdAt ?? ''),
      updatedAt: String(body.updatedAt ?? ''),
    };
  }
  // The flat GovStack form: the content itself, with the record id beside it.
  const { uuid, id, ...rest } = body;
  const content = { ...rest, ...(id !== undefined && id !== uuid ? { id } : {}) } as JsonObject;
  return {
    uuid: String(uuid ?? id ?? ''),
    registry: ref.registry,
    version: ref.version,
    content,
    createdAt: '',
    updatedAt: '',
  };
}

function toInfo(body: Record<string, unknown>): RegistryInfo {
  const tags = Array.isArray(body.schema_tags)
    ? (body.schema_tags as Array<{ path?: string }>)
    : [];
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
  const optional = (name: keyof RegistryInfo, value: unknown) =>
    text(value) ? { [name]: text(value) } : {};
  return {
    id: Number(body.id),
    name: String(body.name ?? ''),
    version: String(body.version ?? ''),
    schema: (body.schema as JsonObject) ?? {},
    searchable: Array.isArray(body.searchable)
      ? (body.searchable as string[])
      : tags.map((tag) => String(tag.path ?? '').replace(/^\//, '')).filter(Boolean),
    ...optional('primaryKey', body.primary_key),
    ...optional('personalIdField', body.personal_id_field),
    ...optional('code', body.code),
    ...optional('description', body.description),
    ...optional('institution', body.institution),
    ...optional('groupName', body.group_name),
    ...optional('catalogName', body.catalog_name),
    createdAt: String(body.created_at ?? body.modified_at ?? ''),
    modifiedAt: String(body.modified_at ?? ''),
  };
}

/**
 * The {@link Registry} port over a GovStack Digital Registries API (the kebab-case paths its
 * published tests use, with the `Information-Mediator-Client` header). Against a govblocks
 * binding it also uses the binding's extensions (whole records, deletion counts, record by uuid).
 *
 * The remote authenticates this adapter, not each call's `context`: every call is made as the
 * configured Information Mediator client, and `context` only contributes request and
 * correlation ids.
 *
 * @example
 * const registry = govstackRegistry({ baseUrl: 'https://registries.example.gov/',
 *   informationMediatorClient: 'eGovStack/GOV/90000009/digitalregistries' });
 */
export function govstackRegistry(options: GovStackRegistryOptions): Registry {
  if (!options?.baseUrl || !options.informationMediatorClient) {
    throw new ConfigurationError(
      '[registration/govstack] baseUrl and informationMediatorClient are required',
    );
  }
  const { client: given, ...clientOptions } = options;
  const client =
    given ??
    createHttpClient({
      ...clientOptions,
      name: 'registration/govstack-registry',
      informationMediatorClient: options.informationMediatorClient,
    });
  const ids = (context: ActorContext) => ({
    ...(context.requestId ? { requestId: context.requestId } : {}),
    ...(context.correlationId ? { correlationId: context.correlationId } : {}),
  });

  async function databases(context: ActorContext): Promise<RegistryInfo[]> {
    const body = await client.request<{ databases?: Array<Record<string, unknown>> }>({
      method: 'GET',
      path: '/databases',
      ...ids(context),
    });
    return (body.databases ?? []).map(toInfo);
  }

  async function findRegistry(
    context: ActorContext,
    selector: RegistrySelector,
  ): Promise<RegistryInfo> {
    if ('id' in selector) {
      return toInfo(
        await client.request<Record<string, unknown>>({
          method: 'GET',
          path: `/database/${selector.id}`,
          ...ids(context),
        }),
      );
    }
    const found = (await databases(context)).find(
      (entry) => entry.name === selector.registry && entry.version === selector.version,
    );
    if (!found)
      throw new RegistrationError(
        'REGISTRY_NOT_FOUND',
        `[registration/govstack] no registry '${selector.registry}' version '${selector.version}'`,
      );
    return found;
  }

  const registry: Registry = {
    specificationVersion: registrySpecificationVersion,

    async defineRegistry(context, input) {
      const parsed = parse(
        defineRegistryInputSchema,
        input,
        '[registration/govstack] registry definition',
      );
      const response = await client.send<unknown>({
        method: 'POST',
        path: '/database/modify',
        body: {
          name: parsed.name,
          version: parsed.version,
          schema: parsed.schema,
          searchable: parsed.searchable,
          ...(parsed.code ? { code: parsed.code } : {}),
          ...(parsed.primaryKey ? { primary_key: parsed.primaryKey } : {}),
          ...(parsed.personalIdField ? { personal_id_field: parsed.personalIdField } : {}),
          ...(parsed.description ? { description: parsed.description } : {}),
          ...(parsed.institution ? { institution: parsed.institution } : {}),
          ...(parsed.groupName ? { group_name: parsed.groupName } : {}),
          ...(parsed.catalogName ? { catalog_name: parsed.catalogName } : {}),
        },
        ...ids(context),
      });
      const id = Number(response.headers['x-database-id']);
      return Number.isInteger(id) && id > 0
        ? findRegistry(context, { id })
        : findRegistry(context, { registry: parsed.name, version: parsed.version });
    },

    getRegistry: findRegistry,

    listRegistries: databases,

    async deleteRegistry(context, selector) {
      const { id } = await findRegistry(context, selector);
      const response = await client.send({
        method: 'DELETE',
        path: `/database/${id}`,
        ...ids(context),
      });
      return { deletedRecords: Number(response.headers['x-deleted-records'] ?? 0) };
    },

    async create(context, ref, content) {
      const body: CreateBody = { write: { content } };
      return toRecord(
        ref,
        await client.request<WireRecord>({
          method: 'POST',
          path: `${base(ref)}/create`,
          body,
          ...ids(context),
        }),
      );
    },

    async read(context, ref, query) {
      const body: QueryBody = { query: { content: query } };
      const record = await client
        .request<WireRecord>({ method: 'POST', path: `${base(ref)}/read`, body, ...ids(context) })
        .catch((error: unknown) => {
          if ((error as { code?: string }).code === 'NOT_FOUND')
            throw new RegistrationError(
              'RECORD_NOT_FOUND',
              '[registration/govstack] no record found',
            );
          throw error;
        });
      return toRecord(ref, record);
    },

    async get(context, ref, uuid) {
      return toRecord(
        ref,
        await client.request<WireRecord>({
          method: 'GET',
          path: `${base(ref)}/${segment(uuid)}`,
          ...ids(context),
        }),
      );
    },

    async exists(context, ref, query) {
      const body: QueryBody = { query: { content: query } };
      const answer = await client.request<{ answer?: { status?: boolean } }>({
        method: 'POST',
        path: `${base(ref)}/exists`,
        body,
        ...ids(context),
      });
      return answer.answer?.status === true;
    },

    async update(context, ref, input) {
      const body = { query: { content: input.query }, write: { content: input.write } };
      return toRecord(
        ref,
        await client.request<WireRecord>({
          method: 'PUT',
          path: `${base(ref)}/update`,
          body,
          ...ids(context),
        }),
      );
    },

    async updateEntries(context, ref, input) {
      const body = { query: { content: input.query }, write: { content: input.write } };
      const answer = await client.request<{ updated?: number }>({
        method: 'PUT',
        path: `${base(ref)}/update-entries`,
        body,
        ...ids(context),
      });
      return { updated: Number(answer?.updated ?? 0) };
    },

    async updateOrCreate(context, ref, input) {
      const body = { query: { content: input.query }, write: { content: input.write } };
      const answer = await client.request<WireRecord & { created?: boolean }>({
        method: 'POST',
        path: `${base(ref)}/update-or-create`,
        body,
        ...ids(context),
      });
      const { created, ...record } = answer;
      return { record: toRecord(ref, record), created: created === true };
    },

    async delete(context, ref, id) {
      const response = await client.send({
        method: 'DELETE',
        path: `${base(ref)}/${segment(id)}/delete`,
        ...ids(context),
      });
      return { deleted: Number(response.headers['x-deleted-records'] ?? 0) };
    },

    async readValue(context, ref, uuid, field) {
      return client.request<unknown>({
        method: 'GET',
        path: `${base(ref)}/${segment(uuid)}/read-value/${segment(field)}.json`,
        ...ids(context),
      });
    },

    async list(context, ref, input = {}) {
      const parsed = parse(listRecordsInputSchema, input, '[registration/govstack] list');
      // Paging parameters only when asked for: GovStack's mock answers a plain list otherwise.
      const query: Record<string, QueryValue> = {
        records: 'full',
        ...(input.page !== undefined ? { page: parsed.page } : {}),
        ...(input.pageSize !== undefined ? { pageSize: parsed.pageSize } : {}),
      };
      for (const filter of parsed.filters)
        query[`query.${filter.field}${filter.op === 'eq' ? '' : `.${filter.op}`}`] = filter.value;
      if (parsed.match) query.match = JSON.stringify(parsed.match);
      if (parsed.search) query.search = parsed.search;
      if (parsed.searchFields) query.searchFields = parsed.searchFields.join(',');
      if (parsed.orderBy)
        query.ordering = `${parsed.orderBy.direction === 'desc' ? '-' : ''}${parsed.orderBy.field}`;
      const response = await client.send<{ count: number; results: WireRecord[] }>({
        method: 'GET',
        path: base(ref),
        query,
        ...ids(context),
      });
      if (response.headers['x-registry-found'] === 'false') {
        throw new RegistrationError(
          'REGISTRY_NOT_FOUND',
          `[registration/govstack] no registry '${ref.registry}' version '${ref.version}'`,
        );
      }
      return {
        count: Number(response.data.count ?? 0),
        page: parsed.page,
        pageSize: parsed.pageSize,
        results: (response.data.results ?? []).map((item) => toRecord(ref, item)),
      };
    },

    async personalDataUsage(context, input) {
      const parsed = parse(
        personalDataUsageInputSchema,
        input,
        '[registration/govstack] personal data usage',
      );
      const codes = parsed.registry
        ? [parsed.registry]
        : [...new Set((await databases(context)).map((entry) => entry.code ?? entry.name))].filter(
            (code) => /^[0-9a-zA-Z]+$/.test(code),
          );
      const usage: PersonalDataUsage[] = [];
      for (const code of codes) {
        const entries = await client.request<Array<Record<string, unknown>>>({
          method: 'GET',
          path: '/data/MyPersonalDataUsage/1.0',
          query: { userID: parsed.personId, DatabaseID: code },
          ...ids(context),
        });
        for (const entry of entries) {
          usage.push({
            id: String(entry.ID ?? ''),
            action: String(entry.Action ?? 'read'),
            readerId: String(entry.ReaderID ?? ''),
            readerType: String(entry.ReaderType ?? 'service'),
            ...(entry.ReaderInstitutionID
              ? { readerInstitutionId: String(entry.ReaderInstitutionID) }
              : {}),
            ...(entry.ReaderApplicationName
              ? { readerApplicationName: String(entry.ReaderApplicationName) }
              : {}),
            ...(entry.Purpose ? { purpose: String(entry.Purpose) } : {}),
            time: String(entry.SearchDateTime ?? ''),
            ...(entry.Registry
              ? { registry: String(entry.Registry), version: String(entry.Version ?? '') }
              : {}),
            references: Array.isArray(entry.Refrences)
              ? (entry.Refrences as Array<{ ReferenceID?: string }>).map((reference) =>
                  String(reference.ReferenceID ?? ''),
                )
              : [],
          });
        }
      }
      return usage
        .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
        .slice(0, parsed.limit);
    },
  };
  return registry;
}
