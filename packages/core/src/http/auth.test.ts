import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../errors.js';
import { createHttpApp } from './app.js';
import {
  type AuthOptions,
  actorFromClaims,
  actorOf,
  authenticate,
  requireRole,
  resetDevelopmentWarning,
} from './auth.js';
import { sendJson } from './json.js';

const key = 'k'.repeat(32);
const otherKey = 'o'.repeat(32);
const quiet = { warn: () => {}, error: () => {} };

function appWith(auth: AuthOptions) {
  const app = createHttpApp({ auth, logger: quiet });
  app.get('/me', (c) => sendJson(c, c.get('actor') ?? null));
  app.get('/admin', requireRole('admin'), (c) => sendJson(c, { ok: actorOf(c).actor.id }));
  return app;
}

describe('authenticate: API keys', () => {
  const app = appWith({
    apiKeys: {
      headers: ['X-API-Key', 'apiKey', 'api_key'],
      keys: [
        { key, id: 'portal', roles: ['admin'] },
        { key: otherKey, id: 'kiosk' },
      ],
    },
  });

  it('accepts a valid key in any configured header and builds the actor context', async () => {
    const response = await app.request('/me', {
      headers: {
        api_key: otherKey,
        'X-Request-Id': 'r-7',
        'Information-Mediator-Client': 'eGovStack/GOV/1/x',
      },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      actor: { type: 'service', id: 'kiosk', roles: [], clientId: 'eGovStack/GOV/1/x' },
      requestId: 'r-7',
      correlationId: 'r-7',
    });
    expect((await app.request('/me', { headers: { apiKey: key } })).status).toBe(200);
  });

  it('refuses a wrong key and a missing one with 401 problems', async () => {
    const wrong = await app.request('/me', { headers: { 'X-API-Key': `${key}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toBe('application/problem+json');
    expect(await wrong.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await app.request('/me')).status).toBe(401);
  });

  it('keeps /health public', async () => {
    expect((await app.request('/health')).status).toBe(200);
  });

  it('checks roles with requireRole', async () => {
    expect((await app.request('/admin', { headers: { 'X-API-Key': key } })).status).toBe(200);
    const forbidden = await app.request('/admin', { headers: { 'X-API-Key': otherKey } });
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets anonymous requests through in optional mode, but not wrong keys', async () => {
    const optional = appWith({ mode: 'optional', apiKeys: { keys: [{ key, id: 'portal' }] } });
    expect(await (await optional.request('/me')).json()).toBeNull();
    expect((await optional.request('/admin')).status).toBe(401);
    expect((await optional.request('/me', { headers: { 'X-API-Key': otherKey } })).status).toBe(
      401,
    );
  });

  it('refuses impossible configurations at construction', () => {
    expect(() => authenticate({})).toThrow(/no credentials configured/);
    expect(() => authenticate({ apiKeys: { keys: [{ key: 'short', id: 'x' }] } })).toThrow(
      /16 characters/,
    );
    expect(() =>
      authenticate({ development: true, apiKeys: { keys: [{ key, id: 'x' }] } }),
    ).toThrow(/development/);
    expect(() => authenticate({ jwt: { issuer: 'i', audience: 'a' } })).toThrow(/jwksUrl or keys/);
  });
});

describe('authenticate: development mode', () => {
  beforeEach(() => resetDevelopmentWarning());

  it('warns loudly once and accepts any credential that is present', async () => {
    const warn = vi.fn();
    const app = appWith({ development: { roles: ['admin'] }, warn });
    appWith({ development: true, warn });
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]![0]).toMatch(/DEVELOPMENT MODE/);
    const withKey = await app.request('/me', { headers: { 'X-API-Key': 'anything' } });
    expect(await withKey.json()).toMatchObject({ actor: { id: 'development', roles: ['admin'] } });
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(new Uint8Array(32));
    const withToken = await app.request('/me', { headers: { authorization: `Bearer ${token}` } });
    expect(await withToken.json()).toMatchObject({ actor: { id: 'alice' } });
    expect(
      (await app.request('/me', { headers: { authorization: 'Bearer not-a-jwt' } })).status,
    ).toBe(200);
  });

  it('still requires a credential to be present', async () => {
    const app = appWith({ development: true, warn: () => {} });
    const response = await app.request('/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });
});

describe('authenticate: bearer JWT', () => {
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  let publicJwk: JWK;
  let jwksServer: ReturnType<typeof createServer>;
  let jwksUrl: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    jwksServer = createServer((_, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  });
  afterAll(() => new Promise<void>((resolve) => jwksServer.close(() => resolve())));

  const sign = (
    claims: Record<string, unknown>,
    options: { expires?: string; audience?: string; issuer?: string } = {},
  ) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer(options.issuer ?? 'https://idp.example')
      .setAudience(options.audience ?? 'consent-api')
      .setIssuedAt()
      .setExpirationTime(options.expires ?? '5m')
      .sign(privateKey);

  const jwtOptions = () => ({
    issuer: 'https://idp.example',
    audience: 'consent-api',
    keys: { keys: [publicJwk] },
  });

  it('verifies a token from a local key set and maps its claims', async () => {
    const app = appWith({ jwt: jwtOptions() });
    const token = await sign({ sub: 'person-1', roles: ['admin'], azp: 'portal' });
    const response = await app.request('/admin', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const me = await app.request('/me', { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({
      actor: { type: 'person', id: 'person-1', roles: ['admin'], clientId: 'portal' },
    });
  });

  it('verifies a token against a JWKS URL', async () => {
    const app = appWith({
      jwt: { issuer: 'https://idp.example', audience: 'consent-api', jwksUrl },
    });
    const token = await sign({ sub: 'person-2' });
    expect(
      (await app.request('/me', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });

  it('answers 503 when the JWKS endpoint cannot be reached', async () => {
    const app = appWith({
      jwt: {
        issuer: 'https://idp.example',
        audience: 'consent-api',
        jwksUrl: 'http://127.0.0.1:1/jwks',
      },
    });
    const token = await sign({ sub: 'person-2' });
    const response = await app.request('/me', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(503);
  });

  it('refuses wrong audience, wrong issuer, expired tokens and disallowed algorithms', async () => {
    const app = appWith({ jwt: jwtOptions() });
    const call = async (token: string) =>
      app.request('/me', { headers: { authorization: `Bearer ${token}` } });
    const wrongAudience = await call(await sign({ sub: 'a' }, { audience: 'other' }));
    expect(wrongAudience.status).toBe(401);
    expect(wrongAudience.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect((await call(await sign({ sub: 'a' }, { issuer: 'https://evil.example' }))).status).toBe(
      401,
    );
    expect((await call(await sign({ sub: 'a' }, { expires: '-2m' }))).status).toBe(401);
    const hmac = await new SignJWT({ sub: 'a' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.example')
      .setAudience('consent-api')
      .setExpirationTime('5m')
      .sign(new Uint8Array(32));
    expect((await call(hmac)).status).toBe(401);
    expect((await call('garbage')).status).toBe(401);
    const noSubject = await call(await sign({}));
    expect(noSubject.status).toBe(401);
  });

  it('tolerates small clock skew', async () => {
    const app = appWith({ jwt: { ...jwtOptions(), clockToleranceSeconds: 120 } });
    const token = await sign({ sub: 'a' }, { expires: '-60s' });
    expect(
      (await app.request('/me', { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(200);
  });

  it('refuses an API key when only JWTs are configured', async () => {
    const app = appWith({ jwt: jwtOptions() });
    expect((await app.request('/me', { headers: { 'X-API-Key': key } })).status).toBe(401);
  });
});

describe('actorFromClaims', () => {
  it('maps delegation, scopes and client-credentials tokens', () => {
    expect(
      actorFromClaims({ sub: 'citizen', act: { sub: 'guardian' }, scope: 'read write' }),
    ).toEqual({
      type: 'person',
      id: 'guardian',
      onBehalfOf: 'citizen',
      roles: ['read', 'write'],
    });
    expect(
      actorFromClaims({ sub: 'svc', client_id: 'svc', realm_access: { roles: ['x'] } }),
    ).toEqual({
      type: 'service',
      id: 'svc',
      roles: ['x'],
      clientId: 'svc',
    });
    expect(actorFromClaims({ sub: 'op', actor_type: 'operator' }).type).toBe('operator');
  });
});

describe('authenticate: custom bearer verifier', () => {
  const app = appWith({
    bearer: {
      async verify(token) {
        if (token === 'good') return { sub: 'person-1', scope: 'consent:read', azp: 'portal' };
        if (token === 'down') throw new UnavailableError('issuer down');
        throw new Error('bad token');
      },
    },
  });

  it('builds the actor from the verified claims', async () => {
    const response = await app.request('/me', { headers: { Authorization: 'Bearer good' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ actor: { id: 'person-1', clientId: 'portal' } });
  });

  it('answers 401 for a token the verifier refuses and 503 when it cannot reach the issuer', async () => {
    const refused = await app.request('/me', { headers: { Authorization: 'Bearer forged' } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { code: string }).code).toBe('UNAUTHORIZED');
    const down = await app.request('/me', { headers: { Authorization: 'Bearer down' } });
    expect(down.status).toBe(503);
  });

  it('cannot be combined with jwt', () => {
    expect(() =>
      authenticate({
        bearer: { verify: async () => ({}) },
        jwt: { keys: { keys: [] }, issuer: 'x', audience: 'y' },
      }),
    ).toThrow(/jwt or bearer/);
  });
});
