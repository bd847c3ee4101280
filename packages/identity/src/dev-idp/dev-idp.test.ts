import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientKeys } from '../client-keys.js';
import { createDevIdp, type DevIdp, followAuthorization } from './index.js';

const redirectUri = 'http://127.0.0.1:9/cb';

describe('dev IdP (eSignet profile on oidc-provider)', () => {
  let idp: DevIdp;

  beforeAll(async () => {
    const keys = await generateClientKeys();
    idp = await createDevIdp({
      clients: [
        { clientId: 'rp', redirectUris: [redirectUri], jwks: keys.publicJwks, userinfo: 'jwe' },
      ],
    });
  });
  afterAll(() => idp.close());

  it('advertises the eSignet profile in discovery', async () => {
    const metadata = (await (
      await fetch(`${idp.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: idp.issuer,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      claims_parameter_supported: true,
      authorization_response_iss_parameter_supported: true,
      claims_locales_supported: expect.arrayContaining(['en', 'fr', 'km']),
    });
    expect(metadata.acr_values_supported).toEqual(
      expect.arrayContaining(['mosip:idp:acr:generated-code', 'idbb:acr:biometrics']),
    );
    expect(metadata.userinfo_signing_alg_values_supported).toContain('RS256');
    expect(metadata.userinfo_encryption_alg_values_supported).toContain('RSA-OAEP-256');
    expect(metadata).toMatchObject({
      authorization_endpoint: `${idp.issuer}/authorize`,
      token_endpoint: `${idp.issuer}/oauth/token`,
      userinfo_endpoint: `${idp.issuer}/oidc/userinfo`,
      jwks_uri: `${idp.issuer}/.well-known/jwks.json`,
    });
    const jwks = (await (await fetch(metadata.jwks_uri as string)).json()) as {
      keys: Array<Record<string, unknown>>;
    };
    expect(jwks.keys.map((key) => key.alg).sort()).toEqual(['ES256', 'EdDSA', 'RS256']);
    expect(jwks.keys.every((key) => key.d === undefined)).toBe(true);
  });

  it('requires PKCE: an authorization request without code_challenge is refused', async () => {
    const url = new URL(`${idp.issuer}/authorize`);
    for (const [name, value] of Object.entries({
      client_id: 'rp',
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid',
      state: 's'.repeat(20),
      nonce: 'n'.repeat(20),
    })) {
      url.searchParams.set(name, value);
    }
    const callback = await followAuthorization(url, { redirectUri });
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses client_secret authentication at the token endpoint', async () => {
    const response = await fetch(`${idp.issuer}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('rp:secret').toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'x',
        redirect_uri: redirectUri,
        code_verifier: 'v'.repeat(43),
      }),
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('validates its options', async () => {
    await expect(createDevIdp({ personas: [] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      createDevIdp({
        clients: [{ clientId: 'x', redirectUris: ['not a url'], jwks: { keys: [{ kty: 'RSA' }] } }],
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });
});
