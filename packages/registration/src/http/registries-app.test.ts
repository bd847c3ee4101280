import { beforeEach, describe, expect, it } from 'vitest';
import { memoryRegistryFixture } from '../../test/memory-registry.js';
import { seedGovStackRegistries } from './govstack-fixtures.js';
import { registriesHttpApp } from './registries-app.js';

const client = 'eGovStack/GOV/90000009/digitalregistries';

describe('registriesHttpApp', () => {
  let app: ReturnType<typeof registriesHttpApp>;

  beforeEach(async () => {
    const { registry } = memoryRegistryFixture();
    await seedGovStackRegistries(registry, { actor: { type: 'system', id: 'seed', roles: [] } });
    app = registriesHttpApp(registry);
  });

  const call = (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { 'Information-Mediator-Client': client },
  ) =>
    app.request(path, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('refuses a caller with neither credential nor Information-Mediator-Client', async () => {
    const response = await call('GET', '/data/registryname/111', undefined, {});
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('reads a record, and answers a miss with 404 application/json { detail }', async () => {
    const found = await call('POST', '/data/registryname/111/read', {
      query: { content: { ID: 'EE654627348834' } },
    });
    expect(found.status).toBe(200);
    expect(found.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await found.json()).toMatchObject({
      content: { FirstName: 'Eva' },
      uuid: expect.any(String),
    });
    const missing = await call('POST', '/data/registryname/111/read', {
      query: { content: { FirstName: 'NotExist' } },
    });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/json');
    expect(await missing.json()).toMatchObject({
      detail: 'no record found',
      code: 'RECORD_NOT_FOUND',
    });
  });

  it('maps schema violations to 400 problem+json with field pointers', async () => {
    const response = await call('POST', '/data/registryname/111/create', {
      write: { content: { ID: 5 } },
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/ID' }],
    });
    const malformed = await call('POST', '/data/registryname/111/create', { nope: true });
    expect(malformed.status).toBe(400);
  });

  it('lists with query.<field> filters, ordering and paging', async () => {
    const response = await call(
      'GET',
      '/data/registryname/111?query.FirstName=John&ordering=-LastName&page=1&pageSize=2',
    );
    const body = (await response.json()) as {
      count: number;
      next?: string;
      previous: null;
      results: Array<Record<string, string>>;
    };
    expect(body.count).toBe(7);
    expect(body.next).toBe('2');
    expect(body.previous).toBeNull();
    expect(body.results.map((item) => item.LastName)).toEqual(['Snow', 'Smith']);
    const bad = await call('GET', '/data/registryname/111?query.Nope=x');
    expect(bad.status).toBe(400);
  });

  it('serves the camelCase paths of the OpenAPI file too', async () => {
    const read = await call('POST', '/data/registryname/111/read', {
      query: { content: { ID: 'EE654627348834' } },
    });
    const { uuid } = (await read.json()) as { uuid: string };
    const value = await call('GET', `/data/registryname/111/${uuid}/readValue/FirstName.json`);
    expect(await value.json()).toBe('Eva');
    const kebab = await call('GET', `/data/registryname/111/${uuid}/read-value/LastName.txt`);
    expect(await kebab.text()).toBe('Sorenz');
    const updated = await call('PUT', '/data/registryname/111/updateEntries', {
      query: { content: { FirstName: 'John' } },
      write: { content: { LastName: 'Doe' } },
    });
    expect(await updated.json()).toEqual({ updated: 7 });
  });

  it('deletes idempotently with 204', async () => {
    expect((await call('DELETE', '/data/registryname/111/EE378627348855/delete')).status).toBe(204);
    expect((await call('DELETE', '/data/registryname/111/EE378627348855/delete')).status).toBe(204);
    const exists = await call('POST', '/data/registryname/111/exists', {
      query: { content: { ID: 'EE378627348855' } },
    });
    expect(await exists.json()).toEqual({
      answer: { status: false, message: 'Object not found from database' },
    });
  });

  it('tells a person who read their data, from the audit trail', async () => {
    await call('POST', '/data/registryname/111/read', {
      query: { content: { ID: 'EE378129127223' } },
    });
    const response = await call(
      'GET',
      '/data/MyPersonalDataUsage/1.0?userID=EE378129127223&DatabaseID=MCTS',
    );
    expect(response.status).toBe(200);
    const usage = (await response.json()) as Array<Record<string, unknown>>;
    expect(usage[0]).toMatchObject({
      ReaderID: client,
      ReaderInstitutionID: '90000009',
      ReaderApplicationName: 'digitalregistries',
      Action: 'read',
    });
    expect(
      (await call('GET', '/data/MyPersonalDataUsage/1.0?userID=...&DatabaseID=MCTS')).status,
    ).toBe(400);
  });

  it('manages database schemas', async () => {
    const list = (await (await call('GET', '/databases')).json()) as {
      databases: Array<{ id: number; name: string }>;
    };
    expect(list.databases.map((database) => database.name)).toEqual(['registryname']);
    const modified = await call('POST', '/database/modify', {
      name: 'children',
      version: '1.0',
      schema: { type: 'object', properties: { ID: { type: 'string' } } },
    });
    expect(modified.status).toBe(200);
    const id = Number(modified.headers.get('x-database-id'));
    expect(await (await call('GET', `/database/${id}`)).json()).toMatchObject({
      id,
      name: 'children',
      version: '1.0',
    });
    expect(await (await call('DELETE', `/database/${id}`)).json()).toBe('Success');
    expect((await call('GET', `/database/${id}`)).status).toBe(404);
    expect((await call('GET', '/database/abc')).status).toBe(400);
    const invalid = await call('POST', '/database/modify', {
      name: 'x',
      schema: { type: 'some object' },
    });
    expect(invalid.status).toBe(400);
  });
});
