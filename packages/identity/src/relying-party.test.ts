import { memoryAuditSink } from '@govblocks/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClientKeys } from './client-keys.js';
import { createDevIdp, type DevIdp, followAuthorization } from './dev-idp/index.js';
import { isIdentityError } from './errors.js';
import { createRelyingParty } from './relying-party.js';

const redirectUri = 'http://127.0.0.1:9/callback';

describe('relying party against the dev IdP over loopback HTTP', () => {
  let idp: DevIdp;
  let keys: Awaited<ReturnType<typeof generateClientKeys>>;

  beforeAll(async () => {
    keys = await generateClientKeys();
    idp = await createDevIdp({
      clients: [
        { clientId: 'rp-jwe', redirectUris: [redirectUri], jwks: keys.publicJwks, userinfo: 'jwe' },
        {
          clientId: 'rp-jws',
          redirectUris: [redirectUri],
          jwks: keys.publicJwks,
          userinfo: 'jws',
          idTokenSigningAlg: 'ES256',
        },
        {
          clientId: 'rp-json',
          redirectUris: [redirectUri],
          jwks: keys.publicJwks,
          userinfo: 'json',
          idTokenSigningAlg: 'EdDSA',
        },
      ],
    });
  });
  afterAll(() => idp.close());

  function rp(clientId: string, extra: Record<string, unknown> = {}) {
    return createRelyingParty({
      issuer: idp.issuer,
      clientId,
      redirectUri,
      signingKey: keys.signingKey,
      decryptionKey: keys.decryptionKey,
      ...extra,
    });
  }

  it('signs a persona in with signed-then-encrypted userinfo, claims and locales', async () => {
    const party = rp('rp-jwe');
    const { url, session } = await party.startSignIn({
      claims: {
        userinfo: {
          name: { essential: true },
          birthdate: { essential: true },
          individual_id: null,
          phone_number: null,
        },
      },
      claimsLocales: ['en', 'fr'],
      uiLocales: ['fr'],
      acrValues: ['mosip:idp:acr:generated-code'],
      loginHint: 'amina',
    });
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    const callback = await followAuthorization(url, { redirectUri });
    expect(callback.searchParams.get('iss')).toBe(idp.issuer);
    const subject = await party.completeSignIn(session, callback);
    expect(subject.subject).toBe('amina');
    expect(subject.assurance).toMatchObject({
      level: 'substantial',
      acr: 'mosip:idp:acr:generated-code',
    });
    expect(subject.claims).toMatchObject({
      'name#en': 'Amina Diallo',
      'name#fr': 'Aminata Diallo',
      birthdate: '1990-04-12',
      individual_id: '7281940365',
      phone_number: '+221770000001',
    });
    expect(subject.claims.name).toBeUndefined();
    expect(subject.evidence.claimSources).toEqual(['id_token', 'userinfo_jwe']);
  });

  it('accepts signed userinfo (ES256 ID token) and plain JSON only when allowed', async () => {
    const signed = rp('rp-jws');
    const first = await signed.startSignIn({ scope: 'openid profile', loginHint: 'dara' });
    const subject = await signed.completeSignIn(
      first.session,
      await followAuthorization(first.url, { redirectUri }),
    );
    expect(subject.claims.name).toBe('Sok Dara');
    expect(subject.assurance.level).toBe('high');
    expect(subject.evidence.claimSources).toEqual(['id_token', 'userinfo_jws']);

    const issuerAudience = rp('rp-jws', { clientAssertionAudience: 'issuer' });
    const viaIssuer = await issuerAudience.startSignIn({ loginHint: 'dara' });
    await expect(
      issuerAudience.completeSignIn(
        viaIssuer.session,
        await followAuthorization(viaIssuer.url, { redirectUri }),
      ),
    ).resolves.toMatchObject({ subject: 'dara' });

    const strict = rp('rp-json');
    const second = await strict.startSignIn({ scope: 'openid email' });
    await expect(
      strict.completeSignIn(second.session, await followAuthorization(second.url, { redirectUri })),
    ).rejects.toSatisfy((error) => isIdentityError(error, 'USERINFO_UNSIGNED'));
    const lenient = rp('rp-json', { allowUnsignedUserinfo: true });
    const third = await lenient.startSignIn({ scope: 'openid email' });
    const plain = await lenient.completeSignIn(
      third.session,
      await followAuthorization(third.url, { redirectUri }),
    );
    expect(plain.claims.email).toBe('amina.diallo@example.test');
    expect(plain.evidence.claimSources).toEqual(['id_token', 'userinfo']);
  });

  it('authenticates with an EdDSA client key (private_key_jwt labelled EdDSA)', async () => {
    const edKeys = await generateClientKeys({ signingAlgorithm: 'EdDSA' });
    await idp.addClient({
      clientId: 'rp-ed',
      redirectUris: [redirectUri],
      jwks: edKeys.publicJwks,
      userinfo: 'jwe',
    });
    const party = createRelyingParty({
      issuer: idp.issuer,
      clientId: 'rp-ed',
      redirectUri,
      signingKey: edKeys.signingKey,
      decryptionKey: edKeys.decryptionKey,
    });
    const { url, session } = await party.startSignIn({
      loginHint: '5550199876',
      claims: { userinfo: { name: null } },
    });
    const subject = await party.completeSignIn(
      session,
      await followAuthorization(url, { redirectUri }),
    );
    expect(subject).toMatchObject({
      subject: 'dara',
      claims: { name: 'Sok Dara' },
      assurance: { level: 'high' },
    });
  });

  it('an essential acr the person cannot meet ends in access_denied, not a loop', async () => {
    const party = rp('rp-jwe');
    const { url, session } = await party.startSignIn({
      loginHint: 'lowpin',
      claims: { id_token: { acr: { essential: true, values: ['mosip:idp:acr:biometrics'] } } },
    });
    const callback = await followAuthorization(url, { redirectUri });
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await expect(party.completeSignIn(session, callback)).rejects.toMatchObject({
      code: 'OIDC_AUTHORIZATION_ERROR',
    });
    const met = await party.startSignIn({
      loginHint: 'dara',
      claims: { id_token: { acr: { essential: true, values: ['mosip:idp:acr:biometrics'] } } },
    });
    await expect(
      party.completeSignIn(met.session, await followAuthorization(met.url, { redirectUri })),
    ).resolves.toMatchObject({
      assurance: { level: 'high', acr: 'mosip:idp:acr:biometrics' },
    });
  });

  it('fails closed when the authentication is weaker than required', async () => {
    const party = rp('rp-jwe');
    const { url, session } = await party.startSignIn({
      requiredAssurance: 'substantial',
      loginHint: 'lowpin',
    });
    expect(url.searchParams.get('acr_values')).toContain('mosip:idp:acr:generated-code');
    const callback = await followAuthorization(url, { redirectUri });
    await expect(party.completeSignIn(session, callback)).rejects.toSatisfy((error) =>
      isIdentityError(error, 'ASSURANCE_INSUFFICIENT'),
    );
  });

  it('puts claims requested for the ID token into the result without calling userinfo', async () => {
    const party = rp('rp-jws', { fetchUserinfo: false });
    const { url, session } = await party.startSignIn({
      claims: { id_token: { birthdate: { essential: true }, individual_id: null } },
      loginHint: 'amina',
      maxAgeSeconds: 300,
    });
    const subject = await party.completeSignIn(
      session,
      await followAuthorization(url, { redirectUri }),
    );
    expect(subject.claims).toEqual({ birthdate: '1990-04-12', individual_id: '7281940365' });
    expect(subject.evidence.claimSources).toEqual(['id_token']);
    expect(subject.evidence.authenticatedAt).toMatch(/^\d{4}-/);
  });

  it('audits outcomes without personal data in details', async () => {
    const audit = memoryAuditSink();
    const party = rp('rp-jwe', { audit });
    const ok = await party.startSignIn({
      loginHint: 'amina',
      claims: { userinfo: { birthdate: null } },
    });
    await party.completeSignIn(ok.session, await followAuthorization(ok.url, { redirectUri }));
    const bad = await party.startSignIn({ loginHint: 'lowpin', requiredAssurance: 'high' });
    await expect(
      party.completeSignIn(bad.session, await followAuthorization(bad.url, { redirectUri })),
    ).rejects.toThrow();
    expect(audit.events.map((event) => [event.action, event.outcome, event.details])).toEqual([
      ['identity.sign-in.verified', 'success', { issuer: idp.issuer, assurance: 'substantial' }],
      ['identity.sign-in.rejected', 'denied', { code: 'ASSURANCE_INSUFFICIENT' }],
    ]);
    expect(JSON.stringify(audit.events)).not.toContain('1990-04-12');
  });

  it('refuses malformed, foreign and expired sessions, and an unreachable provider', async () => {
    const party = rp('rp-jwe');
    const { session } = await party.startSignIn();
    const callback = `${redirectUri}?code=x&state=${session.state}&iss=${encodeURIComponent(idp.issuer)}`;
    await expect(
      party.completeSignIn({ ...session, state: 'short' }, callback),
    ).rejects.toMatchObject({ code: 'OIDC_SESSION_INVALID' });
    await expect(
      party.completeSignIn({ ...session, clientId: 'rp-jws' }, callback),
    ).rejects.toMatchObject({ code: 'OIDC_SESSION_INVALID' });
    await expect(
      party.completeSignIn({ ...session, createdAt: session.createdAt - 601_000 }, callback),
    ).rejects.toMatchObject({
      code: 'OIDC_SESSION_INVALID',
    });
    const nowhere = createRelyingParty({
      issuer: 'http://127.0.0.1:9',
      clientId: 'x',
      redirectUri,
      signingKey: keys.signingKey,
    });
    await expect(nowhere.startSignIn()).rejects.toMatchObject({ code: 'OIDC_DISCOVERY_FAILED' });
    expect(() =>
      createRelyingParty({
        issuer: 'http://idp.example',
        clientId: 'x',
        redirectUri,
        signingKey: keys.signingKey,
      }),
    ).toThrow(/https/);
  });

  it("sends the private_key_jwt assertion with eSignet's audience (the token endpoint) and a fresh jti", async () => {
    const assertions: Array<Record<string, unknown>> = [];
    const spy: typeof fetch = async (input, init) => {
      if (init?.body instanceof URLSearchParams && init.body.has('client_assertion')) {
        const [, payload] = (init.body.get('client_assertion') as string).split('.');
        assertions.push(
          JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<
            string,
            unknown
          >,
        );
      }
      return fetch(input, init);
    };
    const party = rp('rp-jws', { fetch: spy });
    for (let round = 0; round < 2; round += 1) {
      const { url, session } = await party.startSignIn({ loginHint: 'amina' });
      await party.completeSignIn(session, await followAuthorization(url, { redirectUri }));
    }
    expect(assertions).toHaveLength(2);
    expect(assertions[0]).toMatchObject({
      iss: 'rp-jws',
      sub: 'rp-jws',
      aud: `${idp.issuer}/oauth/token`,
    });
    expect(assertions[0]?.jti).not.toBe(assertions[1]?.jti);
  });
});
