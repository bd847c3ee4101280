import { MockAgent } from 'undici';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createHttpClient } from './http-client.js';
import {
  createOpenApiClient,
  fillPath,
  type PathsWithMethod,
  type ResponseOf,
} from './openapi-client.js';

// The shape openapi-typescript 7 generates (trimmed).
interface Agreement {
  id: string;
  purpose?: string;
}
interface operations {
  read: {
    parameters: {
      query?: { version?: number };
      header?: never;
      path: { agreementId: string };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      200: {
        headers: { [name: string]: unknown };
        content: { 'application/json': { agreement?: Agreement } };
      };
      400: { headers: { [name: string]: unknown }; content?: never };
    };
  };
  create: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { 'application/json': { purpose: string } } };
    responses: {
      201: { headers: { [name: string]: unknown }; content: { 'application/json': Agreement } };
    };
  };
  list: {
    parameters: { query?: { 'status[]'?: string[] }; header?: never; path?: never; cookie?: never };
    requestBody?: never;
    responses: {
      200: { headers: { [name: string]: unknown }; content: { 'application/json': Agreement[] } };
    };
  };
}
interface paths {
  '/agreements/{agreementId}/': {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: operations['read'];
    put?: never;
    post?: never;
    delete?: never;
  };
  '/agreements/': {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    get: operations['list'];
    put?: never;
    post: operations['create'];
    delete?: never;
  };
}

function mock() {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const origin = agent.get('https://consent.example');
  const json = { headers: { 'content-type': 'application/json' } };
  origin
    .intercept({ path: '/api/agreements/a%2Fb/?version=2', method: 'GET' })
    .reply(200, { agreement: { id: 'a/b' } }, json);
  origin
    .intercept({ path: '/api/agreements/', method: 'POST', body: '{"purpose":"research"}' })
    .reply(201, { id: 'n1', purpose: 'research' }, json);
  origin
    .intercept({ path: '/api/agreements/?status%5B%5D=a&status%5B%5D=b', method: 'GET' })
    .reply(200, [{ id: 'x' }], json);
  return agent;
}

describe('createOpenApiClient', () => {
  it('calls operations with typed parameters, bodies and results', async () => {
    const agent = mock();
    const api = createOpenApiClient<paths>(
      createHttpClient({ baseUrl: 'https://consent.example/api', dispatcher: agent }),
    );

    const read = await api.call('get', '/agreements/{agreementId}/', {
      params: { agreementId: 'a/b' },
      query: { version: 2 },
    });
    expectTypeOf(read).toEqualTypeOf<{ agreement?: Agreement }>();
    expect(read).toEqual({ agreement: { id: 'a/b' } });

    const created = await api.send('post', '/agreements/', { body: { purpose: 'research' } });
    expectTypeOf(created.data).toEqualTypeOf<Agreement>();
    expect(created).toMatchObject({ status: 201, data: { id: 'n1' } });

    const listed = await api.call('get', '/agreements/', { query: { 'status[]': ['a', 'b'] } });
    expectTypeOf(listed).toEqualTypeOf<Agreement[]>();
    expect(listed).toEqual([{ id: 'x' }]);
    await agent.close();
  });

  it('validates with a schema when given one, typing the result by it', async () => {
    const agent = mock();
    const api = createOpenApiClient<paths>(
      createHttpClient({ baseUrl: 'https://consent.example/api', dispatcher: agent }),
    );
    const schema = z.array(z.object({ id: z.literal('y') }));
    await expect(
      api.call('get', '/agreements/', { query: { 'status[]': ['a', 'b'] }, schema }),
    ).rejects.toMatchObject({
      code: 'REMOTE_ERROR',
    });
    await agent.close();
  });

  it('checks calls against the spec at compile time', () => {
    const api = createOpenApiClient<paths>(
      createHttpClient({ baseUrl: 'https://consent.example' }),
    );
    expectTypeOf<PathsWithMethod<paths, 'post'>>().toEqualTypeOf<'/agreements/'>();
    expectTypeOf<ResponseOf<operations['create']>>().toEqualTypeOf<Agreement>();
    // Type-only assertions: these calls are never run.
    const typeOnly = (): void => {
      // @ts-expect-error no PUT on this path
      void api.call('put', '/agreements/');
      // @ts-expect-error the path parameter is required
      void api.call('get', '/agreements/{agreementId}/');
      // @ts-expect-error the body is required
      void api.call('post', '/agreements/', {});
      // @ts-expect-error wrong body type
      void api.call('post', '/agreements/', { body: { purpose: 5 } });
    };
    expect(typeof typeOnly).toBe('function');
  });

  it('fills path templates and refuses missing parameters', () => {
    expect(fillPath('/a/{x}/b/{y}', { x: 'é f', y: 3 })).toBe('/a/%C3%A9%20f/b/3');
    expect(() => fillPath('/a/{x}', {})).toThrow(/'x' is missing/);
  });
});
