/**
 * The security catalogue of issue #4: every attack is refused with a typed error code.
 * Token-level cases run against an in-process issuer (jose) with a manual clock; protocol-level
 * cases run the full sign-in against the dev IdP over loopback HTTP.
 */
import { createPublicKey } from 'node:crypto';
import { manualClock } from '@govblocks/core';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestWallet, type TestWallet } from './__fixtures__/sd-jwt-wallet.js';
import { generateClientKeys } from './client-keys.js';
import { createDevIdp, type DevIdp, followAuthorization } from './dev-idp/index.js';
import { type IdentityErrorCode, isIdentityError } from './errors.js';
import { createIdTokenVerifier, tokenHash } from './id-token.js';
import { createLocalJwks, createRemoteJwks } from './jwks.js';
import type { RelyingParty, SdJwtVcVerifier } from './ports.js';
import { createRelyingParty } from './relying-party.js';
import { memoryReplayCache } from './replay-cache.js';
import { createSdJwtVcVerifier } from './sd-jwt.js';
import { createTokenVerifier } from './token-verifier.js';

async function rejects(promise: Promise<unknown>, code: IdentityErrorCode): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error, `expected ${code}`).toBeDefined();
  expect(isIdentityError(error) ? error.code : error).toBe(code);
}

const issuer = 'https://idp.example.test';
const clientId = 'rp-1';
const start = new Date('2026-03-01T10:00:00Z');
const nowSeconds = start.getTime() / 1000;

let rsa: { privateKey: CryptoKey; jwk: JWK };
let rsaNext: { privateKey: CryptoKey; jwk: JWK };

async function key(alg: 'RS256' | 'ES256', kid: string) {
  const pair = await generateKeyPair(alg, { extractable: true });
  return {
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' },
  };
}

function claims(overrides: Record<string, unknown> = {}) {
  return {
    iss: issuer,
    sub: 'person-1',
    aud: clientId,
    iat: nowSeconds,
    exp: nowSeconds + 300,
    nonce: 'n-0123456789abcdef',
    ...overrides,
  };
}

function sign(
  payload: Record<string, unknown>,
  options: { kid?: string; typ?: string; signer?: typeof rsa } = {},
) {
  const signer = options.signer ?? rsa;
  return new SignJWT(payload)
    .setProtectedHeader({
      alg: 'RS256',
      kid: options.kid ?? (signer.jwk.kid as string),
      ...(options.typ ? { typ: options.typ } : {}),
    })
    .sign(signer.privateKey);
}

/** A fake JWKS endpoint: `serve` decides the answer; `calls` counts requests. */
function jwksEndpoint() {
  const endpoint = {
    calls: 0,
    serve: (): Response => Response.json({ keys: [rsa.jwk] }),
    fetch: (async () => {
      endpoint.calls += 1;
      return endpoint.serve();
    }) as typeof fetch,
  };
  return endpoint;
}

beforeAll(async () => {
  rsa = await key('RS256', 'rsa-1');
  rsaNext = await key('RS256', 'rsa-2');
});

describe('security catalogue — tokens', () => {
  function verifier(extra: Partial<Parameters<typeof createIdTokenVerifier>[0]> = {}) {
    return createIdTokenVerifier({
      issuer,
      clientId,
      keys: createLocalJwks({ keys: [rsa.jwk] }),
      clock: manualClock(start),
      ...extra,
    });
  }

  it('1. alg none', async () => {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    await rejects(
      verifier().verify(`${encode({ alg: 'none' })}.${encode(claims())}.`),
      'TOKEN_ALGORITHM_NOT_ALLOWED',
    );
  });

  it('2. HS256 signed with the RSA public key (algorithm confusion)', async () => {
    const pem = createPublicKey({
      key: rsa.jwk as import('node:crypto').JsonWebKey,
      format: 'jwk',
    }).export({ type: 'spki', format: 'pem' });
    const token = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' })
      .sign(Buffer.from(pem));
    await rejects(verifier().verify(token), 'TOKEN_ALGORITHM_NOT_ALLOWED');
  });

  it('3. unknown kid (one refetch, then refused; no refetch storm within the cool-down)', async () => {
    const endpoint = jwksEndpoint();
    const keys = createRemoteJwks({
      url: `${issuer}/jwks`,
      fetch: endpoint.fetch,
      clock: manualClock(start),
    });
    const subject = verifier({ keys });
    await subject.verify(await sign(claims()));
    expect(endpoint.calls).toBe(1);
    const forged = await sign(claims(), { kid: 'no-such-kid' });
    await rejects(subject.verify(forged), 'JWKS_KEY_NOT_FOUND');
    await rejects(subject.verify(forged), 'JWKS_KEY_NOT_FOUND');
    expect(endpoint.calls).toBe(1);
  });

  it('4. tampered payload', async () => {
    const [header, , signature] = (await sign(claims())).split('.');
    const payload = Buffer.from(JSON.stringify(claims({ sub: 'someone-else' }))).toString(
      'base64url',
    );
    await rejects(
      verifier().verify(`${header}.${payload}.${signature}`),
      'TOKEN_SIGNATURE_INVALID',
    );
  });

  it('5. tampered signature', async () => {
    const token = await sign(claims());
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await rejects(
      verifier().verify(`${token.slice(0, -2)}${last}${token.at(-1)}`),
      'TOKEN_SIGNATURE_INVALID',
    );
  });

  it('6. expired (beyond the skew)', async () => {
    await rejects(verifier().verify(await sign(claims({ exp: nowSeconds - 31 }))), 'TOKEN_EXPIRED');
  });

  it('7. nbf in the future beyond the skew', async () => {
    await rejects(
      verifier().verify(await sign(claims({ nbf: nowSeconds + 120 }))),
      'TOKEN_NOT_YET_VALID',
    );
  });

  it('8. iat in the future beyond the skew', async () => {
    await rejects(
      verifier().verify(await sign(claims({ iat: nowSeconds + 120 }))),
      'TOKEN_ISSUED_IN_FUTURE',
    );
  });

  it('9. wrong issuer', async () => {
    await rejects(
      verifier().verify(await sign(claims({ iss: 'https://evil.example' }))),
      'TOKEN_ISSUER_MISMATCH',
    );
  });

  it('10. wrong audience', async () => {
    await rejects(
      verifier().verify(await sign(claims({ aud: 'another-client' }))),
      'TOKEN_AUDIENCE_MISMATCH',
    );
  });

  it('11. wrong azp', async () => {
    await rejects(
      verifier().verify(await sign(claims({ azp: 'another-client' }))),
      'TOKEN_AZP_MISMATCH',
    );
  });

  it('12. several audiences without azp', async () => {
    await rejects(
      verifier().verify(await sign(claims({ aud: [clientId, 'other'] }))),
      'TOKEN_AZP_MISMATCH',
    );
  });

  it('13. nonce missing', async () => {
    await rejects(
      verifier().verify(await sign(claims({ nonce: undefined })), { nonce: 'n-0123456789abcdef' }),
      'OIDC_NONCE_MISSING',
    );
  });

  it('14. nonce mismatched', async () => {
    await rejects(
      verifier().verify(await sign(claims()), { nonce: 'n-another-session-0000' }),
      'OIDC_NONCE_MISMATCH',
    );
  });

  it('15. nonce replayed', async () => {
    const subject = verifier({ replayCache: memoryReplayCache({ clock: manualClock(start) }) });
    const token = await sign(claims());
    await subject.verify(token, { nonce: 'n-0123456789abcdef' });
    await rejects(subject.verify(token, { nonce: 'n-0123456789abcdef' }), 'OIDC_NONCE_REPLAYED');
  });

  it('16. at_hash mismatch', async () => {
    const token = await sign(claims({ at_hash: tokenHash('the-real-access-token', 'RS256') }));
    await verifier().verify(token, { accessToken: 'the-real-access-token' });
    await rejects(
      verifier().verify(token, { accessToken: 'a-substituted-access-token' }),
      'OIDC_AT_HASH_MISMATCH',
    );
  });

  it('17. oversized token', async () => {
    const token = await sign(claims({ padding: 'x'.repeat(20_000) }));
    await rejects(verifier().verify(token), 'TOKEN_TOO_LARGE');
  });

  it('18. JWKS endpoint down without cached keys', async () => {
    const endpoint = jwksEndpoint();
    endpoint.serve = () => {
      throw new TypeError('fetch failed');
    };
    const keys = createRemoteJwks({
      url: `${issuer}/jwks`,
      fetch: endpoint.fetch,
      clock: manualClock(start),
    });
    await rejects(verifier({ keys }).verify(await sign(claims())), 'JWKS_UNAVAILABLE');
  });

  it('19. JWKS endpoint down with cached keys: cached kid still works, a new kid is refused', async () => {
    const clock = manualClock(start);
    const endpoint = jwksEndpoint();
    const keys = createRemoteJwks({
      url: `${issuer}/jwks`,
      fetch: endpoint.fetch,
      clock,
      cacheMaxAgeMs: 60_000,
    });
    const subject = verifier({ keys, clock });
    await subject.verify(await sign(claims()));
    endpoint.serve = () => new Response('bad gateway', { status: 502 });
    clock.advance(120_000); // cache is stale and the cool-down has passed
    await subject.verify(await sign(claims({ iat: nowSeconds + 120, exp: nowSeconds + 400 })));
    await rejects(
      subject.verify(
        await sign(claims({ iat: nowSeconds + 120, exp: nowSeconds + 400 }), { signer: rsaNext }),
      ),
      'JWKS_UNAVAILABLE',
    );
  });

  it('20. key rotated at the IdP: the new key is fetched once, the retired key is refused', async () => {
    const clock = manualClock(start);
    const endpoint = jwksEndpoint();
    const keys = createRemoteJwks({
      url: `${issuer}/jwks`,
      fetch: endpoint.fetch,
      clock,
      cooldownMs: 30_000,
    });
    const subject = verifier({ keys, clock });
    const old = await sign(claims({ exp: nowSeconds + 3_600 }));
    await subject.verify(old);
    endpoint.serve = () => Response.json({ keys: [rsaNext.jwk] });
    clock.advance(31_000);
    await subject.verify(await sign(claims({ exp: nowSeconds + 3_600 }), { signer: rsaNext }));
    expect(endpoint.calls).toBe(2);
    await rejects(subject.verify(old), 'JWKS_KEY_NOT_FOUND');
  });

  it('21. garbage instead of a token', async () => {
    await rejects(verifier().verify('not.a.jwt'), 'TOKEN_MALFORMED');
    await rejects(verifier().verify(''), 'TOKEN_MALFORMED');
  });

  it('21b. stray characters that lenient base64 decoders would skip', async () => {
    const [header, payload, signature] = (await sign(claims())).split('.');
    await rejects(verifier().verify(`${header}.${payload}. ${signature}`), 'TOKEN_MALFORMED');
    await rejects(verifier().verify(`${header}.${payload}.${signature}\n`), 'TOKEN_MALFORMED');
  });

  it('22. sub missing', async () => {
    await rejects(verifier().verify(await sign(claims({ sub: undefined }))), 'TOKEN_CLAIM_MISSING');
  });

  it('23. an ID token presented as an access token (typ is not at+jwt)', async () => {
    const tokens = createTokenVerifier({
      issuer,
      audience: clientId,
      keys: createLocalJwks({ keys: [rsa.jwk] }),
      clock: manualClock(start),
    });
    await rejects(
      tokens.verify(await sign(claims({ client_id: clientId, jti: 'j1' }))),
      'TOKEN_TYPE_INVALID',
    );
  });

  it('23b. an access token presented as an ID token (typ at+jwt)', async () => {
    await rejects(verifier().verify(await sign(claims(), { typ: 'at+jwt' })), 'TOKEN_TYPE_INVALID');
  });

  it('24. access token without the required scope', async () => {
    const tokens = createTokenVerifier({
      issuer,
      audience: 'https://api.example.test',
      keys: createLocalJwks({ keys: [rsa.jwk] }),
      clock: manualClock(start),
    });
    const token = await sign(
      claims({
        aud: 'https://api.example.test',
        client_id: clientId,
        jti: 'j2',
        scope: 'registry:read',
      }),
      { typ: 'at+jwt' },
    );
    await expect(
      tokens.verify(token, { requiredScopes: ['registry:read'] }),
    ).resolves.toMatchObject({ scopes: ['registry:read'] });
    await rejects(
      tokens.verify(token, { requiredScopes: ['registry:write'] }),
      'TOKEN_SCOPE_INSUFFICIENT',
    );
    await rejects(tokens.verifyAuthorizationHeader(`Basic ${token}`), 'TOKEN_MALFORMED');
  });
});

describe('security catalogue — sign-in protocol against the dev IdP', () => {
  const redirectUri = 'http://127.0.0.1:9/callback';
  let idp: DevIdp;
  let rp: RelyingParty;
  let keys: Awaited<ReturnType<typeof generateClientKeys>>;

  beforeAll(async () => {
    keys = await generateClientKeys({ signingAlgorithm: 'ES256' });
    idp = await createDevIdp({
      clients: [
        { clientId: 'rp-sec', redirectUris: [redirectUri], jwks: keys.publicJwks, userinfo: 'jwe' },
      ],
    });
    rp = createRelyingParty({
      issuer: idp.issuer,
      clientId: 'rp-sec',
      redirectUri,
      signingKey: keys.signingKey,
      decryptionKey: keys.decryptionKey,
    });
  });
  afterAll(() => idp.close());

  async function signIn(party = rp, loginHint = 'amina') {
    const { url, session } = await party.startSignIn({
      loginHint,
      claims: { userinfo: { name: null } },
    });
    return { session, callback: await followAuthorization(url, { redirectUri }) };
  }

  it('25. state mismatch (CSRF): a callback for another session', async () => {
    const first = await signIn();
    const second = await signIn();
    await rejects(rp.completeSignIn(first.session, second.callback), 'OIDC_STATE_MISMATCH');
  });

  it('26. PKCE verifier mismatch', async () => {
    const { session, callback } = await signIn();
    const tampered = { ...session, codeVerifier: 'x'.repeat(43) };
    await rejects(rp.completeSignIn(tampered, callback), 'OIDC_TOKEN_REQUEST_REJECTED');
  });

  it('27. mix-up: the iss response parameter names another issuer, or is missing', async () => {
    const { session, callback } = await signIn();
    const wrong = new URL(callback);
    wrong.searchParams.set('iss', 'https://evil.example');
    await rejects(rp.completeSignIn(session, wrong), 'OIDC_ISSUER_MISMATCH');
    const again = await signIn();
    const missing = new URL(again.callback);
    missing.searchParams.delete('iss');
    await rejects(rp.completeSignIn(again.session, missing), 'OIDC_ISSUER_MISMATCH');
  });

  it('28. userinfo JWE encrypted to another key', async () => {
    const other = await generateClientKeys();
    const party = createRelyingParty({
      issuer: idp.issuer,
      clientId: 'rp-sec',
      redirectUri,
      signingKey: keys.signingKey,
      decryptionKey: other.decryptionKey,
    });
    const { session, callback } = await signIn(party);
    await rejects(party.completeSignIn(session, callback), 'USERINFO_DECRYPTION_FAILED');
  });

  it('29. a session completed twice (code and session replay)', async () => {
    const { session, callback } = await signIn();
    await rp.completeSignIn(session, callback);
    await rejects(rp.completeSignIn(session, callback), 'OIDC_SESSION_INVALID');
  });

  it('30. the provider refuses the sign-in (unknown person)', async () => {
    const { session, callback } = await signIn(rp, 'nobody-by-that-name');
    expect(callback.searchParams.get('error')).toBe('access_denied');
    await rejects(rp.completeSignIn(session, callback), 'OIDC_AUTHORIZATION_ERROR');
  });

  it('31. key rotated at the IdP: the RP refetches once and sign-in keeps working', async () => {
    const party = createRelyingParty({
      issuer: idp.issuer,
      clientId: 'rp-sec',
      redirectUri,
      signingKey: keys.signingKey,
      decryptionKey: keys.decryptionKey,
      jwks: { cooldownMs: 0 },
    });
    const before = await signIn(party);
    await party.completeSignIn(before.session, before.callback);
    const retired = idp.publicJwks().keys.map((jwk) => jwk.kid);
    await idp.rotateKeys();
    expect(idp.publicJwks().keys.map((jwk) => jwk.kid)).not.toContain(retired[0]);
    const after = await signIn(party);
    await expect(party.completeSignIn(after.session, after.callback)).resolves.toMatchObject({
      subject: 'amina',
    });
  });
});

describe('security catalogue — SD-JWT VC presentations', () => {
  const audience = 'https://verifier.example.test';
  let wallet: TestWallet;
  let verifier: SdJwtVcVerifier;
  let credential: string;

  beforeAll(async () => {
    wallet = await createTestWallet();
    verifier = createSdJwtVcVerifier({
      audience,
      trustedIssuers: {
        [wallet.issuer]: { keys: createLocalJwks({ keys: [wallet.issuerJwk] }), assurance: 'high' },
      },
    });
    credential = await wallet.issue();
  });

  it('32. a disclosure tampered with', async () => {
    const presentation = await wallet.present(credential, ['birthdate'], {
      aud: audience,
      nonce: 'n-32',
    });
    const parts = presentation.split('~');
    const [salt, name] = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString()) as [
      string,
      string,
      string,
    ];
    parts[1] = Buffer.from(JSON.stringify([salt, name, '1970-01-01'])).toString('base64url');
    await rejects(verifier.verify(parts.join('~'), { nonce: 'n-32' }), 'SD_JWT_DISCLOSURE_INVALID');
  });

  it('33. key binding missing', async () => {
    const presentation = await wallet.present(credential, ['birthdate'], false);
    await rejects(verifier.verify(presentation, { nonce: 'n-33' }), 'SD_JWT_KEY_BINDING_MISSING');
  });

  it('34. key binding for another verifier (aud)', async () => {
    const presentation = await wallet.present(credential, ['birthdate'], {
      aud: 'https://other-verifier.example',
      nonce: 'n-34',
    });
    await rejects(
      verifier.verify(presentation, { nonce: 'n-34' }),
      'SD_JWT_KEY_BINDING_AUDIENCE_MISMATCH',
    );
  });

  it('35. key binding with another nonce', async () => {
    const presentation = await wallet.present(credential, ['birthdate'], {
      aud: audience,
      nonce: 'n-old',
    });
    await rejects(
      verifier.verify(presentation, { nonce: 'n-35' }),
      'SD_JWT_KEY_BINDING_NONCE_MISMATCH',
    );
  });

  it('36. a disclosure removed after the holder signed (sd_hash)', async () => {
    const presentation = await wallet.present(credential, ['birthdate', 'given_name'], {
      aud: audience,
      nonce: 'n-36',
    });
    const parts = presentation.split('~');
    parts.splice(1, 1);
    await rejects(
      verifier.verify(parts.join('~'), { nonce: 'n-36' }),
      'SD_JWT_KEY_BINDING_INVALID',
    );
  });

  it('37. a credential from an untrusted issuer', async () => {
    const rogue = await createTestWallet('https://rogue.example');
    const presentation = await rogue.present(await rogue.issue(), ['birthdate'], {
      aud: audience,
      nonce: 'n-37',
    });
    await rejects(verifier.verify(presentation, { nonce: 'n-37' }), 'TOKEN_ISSUER_MISMATCH');
  });
});
