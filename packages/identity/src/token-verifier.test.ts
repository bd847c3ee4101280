import { type CryptoKey, importJWK, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientKeys } from './client-keys.js';
import { createDevIdp, type DevIdp } from './dev-idp/index.js';
import { isIdentityError } from './errors.js';
import { createRemoteJwks, toJoseKeyResolver } from './jwks.js';
import { createTokenVerifier } from './token-verifier.js';

const api = 'https://registry.example.test';

describe('TokenVerifier with RFC 9068 access tokens issued by the dev IdP', () => {
  let idp: DevIdp;
  let accessToken: string;

  beforeAll(async () => {
    const keys = await generateClientKeys({ signingAlgorithm: 'EdDSA' });
    idp = await createDevIdp({
      clients: [
        { clientId: 'backend', redirectUris: ['http://127.0.0.1:9/cb'], jwks: keys.publicJwks },
      ],
      resourceServers: { [api]: { scope: 'registry:read registry:write' } },
    });
    const as = await oauth.processDiscoveryResponse(
      new URL(idp.issuer),
      await oauth.discoveryRequest(new URL(idp.issuer), { [oauth.allowInsecureRequests]: true }),
    );
    const client = { client_id: 'backend' };
    const key = (await importJWK(keys.signingKey, 'EdDSA')) as CryptoKey;
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      oauth.PrivateKeyJwt(
        { key, kid: keys.signingKey.kid },
        {
          [oauth.modifyAssertion]: (header) => {
            header.alg = 'EdDSA';
          },
        },
      ),
      new URLSearchParams({ scope: 'registry:read', resource: api }),
      { [oauth.allowInsecureRequests]: true },
    );
    if (!response.ok) throw new Error(await response.clone().text());
    accessToken = (await oauth.processClientCredentialsResponse(as, client, response)).access_token;
  });
  afterAll(() => idp.close());

  it('accepts the token for its audience and scope, over the remote JWKS', async () => {
    const verifier = createTokenVerifier({
      issuer: idp.issuer,
      audience: api,
      keys: { jwksUri: `${idp.issuer}/.well-known/jwks.json` },
    });
    const verified = await verifier.verifyAuthorizationHeader(`Bearer ${accessToken}`, {
      requiredScopes: ['registry:read'],
    });
    expect(verified).toMatchObject({
      subject: 'backend',
      clientId: 'backend',
      scopes: ['registry:read'],
      issuer: idp.issuer,
    });
  });

  it('refuses it for another audience, a scope not granted, or a missing header', async () => {
    const other = createTokenVerifier({
      issuer: idp.issuer,
      audience: 'https://other.example',
      keys: { jwksUri: `${idp.issuer}/.well-known/jwks.json` },
    });
    await expect(other.verify(accessToken)).rejects.toSatisfy((error) =>
      isIdentityError(error, 'TOKEN_AUDIENCE_MISMATCH'),
    );
    const verifier = createTokenVerifier({
      issuer: idp.issuer,
      audience: api,
      keys: { jwksUri: `${idp.issuer}/.well-known/jwks.json` },
    });
    await expect(
      verifier.verify(accessToken, { requiredScopes: ['registry:write'] }),
    ).rejects.toMatchObject({
      code: 'TOKEN_SCOPE_INSUFFICIENT',
      status: 403,
    });
    await expect(verifier.verifyAuthorizationHeader(undefined)).rejects.toMatchObject({
      code: 'TOKEN_MALFORMED',
      status: 401,
    });
  });

  it('shares the JWKS cache with plain jose callers', async () => {
    const keys = createRemoteJwks({ url: `${idp.issuer}/.well-known/jwks.json` });
    const { payload } = await jwtVerify(accessToken, toJoseKeyResolver(keys), {
      issuer: idp.issuer,
      audience: api,
    });
    expect(payload.client_id).toBe('backend');
    expect(keys.fetchCount).toBe(1);
  });
});
