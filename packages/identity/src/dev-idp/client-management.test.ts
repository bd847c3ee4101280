import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRelyingParty } from '../relying-party.js';
import { createDevIdp, type DevIdp, followAuthorization } from './index.js';

const redirectUri = 'http://127.0.0.1:9/login-success';

describe("dev IdP: eSignet's client management API", () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await createDevIdp();
  });
  afterAll(() => idp.close());

  async function call(
    method: string,
    path: string,
    request: Record<string, unknown>,
    requestTime = new Date().toISOString(),
  ) {
    const response = await fetch(`${idp.issuer}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requestTime, request }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as {
      response: { clientId: string } | null;
      errors: Array<{ errorCode: string }>;
    };
  }

  async function rsaKey() {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = randomUUID();
    return {
      publicJwk: { ...(await exportJWK(publicKey)), kid },
      privateJwk: { ...(await exportJWK(privateKey)), kid },
    };
  }

  function clientRequest(clientId: string, publicKey: unknown) {
    return {
      clientId,
      clientName: 'Health Service',
      relyingPartyId: 'health-gov',
      logoUri: 'http://example.com/logo.png',
      redirectUris: [redirectUri],
      publicKey,
      authContextRefs: ['idbb:acr:generated-code'],
      userClaims: ['name', 'birthdate'],
      grantTypes: ['authorization_code'],
      clientAuthMethods: ['private_key_jwt'],
    };
  }

  it('registers a client that can then sign people in (private_key_jwt, JWE userinfo to the same RSA key)', async () => {
    const key = await rsaKey();
    const created = await call(
      'POST',
      '/client-mgmt/oidc-client',
      clientRequest('e-health-service', key.publicJwk),
    );
    expect(created).toMatchObject({ response: { clientId: 'e-health-service' }, errors: [] });
    const rp = createRelyingParty({
      issuer: idp.issuer,
      clientId: 'e-health-service',
      redirectUri,
      signingKey: key.privateJwk as typeof key.privateJwk & { d: string; kty: string },
      decryptionKey: key.privateJwk as typeof key.privateJwk & { d: string; kty: string },
    });
    const { url, session } = await rp.startSignIn({
      claims: { userinfo: { name: { essential: true } } },
      loginHint: 'dara',
    });
    const subject = await rp.completeSignIn(
      session,
      await followAuthorization(url, { redirectUri }),
    );
    expect(subject).toMatchObject({ subject: 'dara', claims: { name: 'Sok Dara' } });
    expect(subject.evidence.claimSources).toContain('userinfo_jwe');
  });

  it("answers eSignet's error codes", async () => {
    const key = await rsaKey();
    await call('POST', '/client-mgmt/oidc-client', clientRequest('dup-client', key.publicJwk));
    expect(
      (await call('POST', '/client-mgmt/oidc-client', clientRequest('dup-client', key.publicJwk)))
        .errors[0]?.errorCode,
    ).toBe('duplicate_client_id');
    const ec = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ publicKey: ec }, 'invalid_public_key'],
      [{ clientId: 'x'.repeat(51) }, 'invalid_client_id'],
      [{ clientName: '' }, 'invalid_client_name'],
      [{ relyingPartyId: '' }, 'invalid_rp_id'],
      [{ redirectUris: [] }, 'invalid_redirect_uri'],
      [{ authContextRefs: ['urn:unknown'] }, 'invalid_acr'],
      [{ userClaims: ['shoe_size'] }, 'invalid_claim'],
      [{ grantTypes: ['implicit'] }, 'invalid_grant_type'],
      [{ clientAuthMethods: ['client_secret_basic'] }, 'invalid_client_auth'],
    ];
    for (const [override, code] of cases) {
      const answer = await call('POST', '/client-mgmt/oidc-client', {
        ...clientRequest(randomUUID().slice(0, 20), key.publicJwk),
        ...override,
      });
      expect(answer.errors[0]?.errorCode, code).toBe(code);
    }
    expect(
      (
        await call(
          'POST',
          '/client-mgmt/oidc-client',
          clientRequest('late', key.publicJwk),
          'yesterday',
        )
      ).errors[0]?.errorCode,
    ).toBe('invalid_request');
  });

  it('updates and deactivates a client; unknown clients are invalid_client_id', async () => {
    const key = await rsaKey();
    await call('POST', '/client-mgmt/oidc-client', clientRequest('to-update', key.publicJwk));
    const {
      clientId: _clientId,
      relyingPartyId: _rp,
      publicKey: _key,
      ...updatable
    } = clientRequest('to-update', key.publicJwk);
    const updated = await call('PUT', '/client-mgmt/oidc-client/to-update', {
      ...updatable,
      clientName: 'Renamed',
      status: 'inactive',
    });
    expect(updated).toMatchObject({ response: { clientId: 'to-update' }, errors: [] });
    const rp = createRelyingParty({
      issuer: idp.issuer,
      clientId: 'to-update',
      redirectUri,
      signingKey: key.privateJwk as typeof key.privateJwk & { d: string; kty: string },
    });
    const { url } = await rp.startSignIn();
    const refused = await fetch(url, { redirect: 'manual' });
    expect(refused.status).toBe(400); // inactive: the provider no longer knows the client
    const unknown = await call('PUT', '/client-mgmt/oidc-client/nobody', {
      ...updatable,
      status: 'active',
    });
    expect(unknown.errors[0]?.errorCode).toBe('invalid_client_id');
  });
});
