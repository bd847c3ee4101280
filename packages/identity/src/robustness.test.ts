/** Bad input is a typed error, never a crash: property tests over arbitrary and mutated tokens. */
import { manualClock } from '@govblocks/core';
import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestWallet, type TestWallet } from './__fixtures__/sd-jwt-wallet.js';
import { isIdentityError } from './errors.js';
import { createIdTokenVerifier } from './id-token.js';
import { createLocalJwks } from './jwks.js';
import type { IdTokenVerifier, SdJwtVcVerifier, TokenVerifier } from './ports.js';
import { createSdJwtVcVerifier } from './sd-jwt.js';
import { createTokenVerifier } from './token-verifier.js';

const issuer = 'https://idp.example.test';
const start = new Date('2026-03-01T10:00:00Z');
let idTokens: IdTokenVerifier;
let accessTokens: TokenVerifier;
let credentials: SdJwtVcVerifier;
let validToken: string;
let wallet: TestWallet;
let validPresentation: string;

async function refusedWithTypedError(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch (error) {
    return isIdentityError(error);
  }
}

beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  const keys = createLocalJwks({ keys: [jwk] });
  const clock = manualClock(start);
  idTokens = createIdTokenVerifier({ issuer, clientId: 'rp', keys, clock });
  accessTokens = createTokenVerifier({ issuer, audience: 'rp', keys, clock });
  const now = start.getTime() / 1000;
  validToken = await new SignJWT({ nonce: 'n' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(issuer)
    .setAudience('rp')
    .setSubject('s')
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(privateKey);
  wallet = await createTestWallet();
  credentials = createSdJwtVcVerifier({
    audience: 'v',
    trustedIssuers: {
      [wallet.issuer]: { keys: createLocalJwks({ keys: [wallet.issuerJwk] }), assurance: 'high' },
    },
  });
  validPresentation = await wallet.present(await wallet.issue(), ['birthdate'], {
    aud: 'v',
    nonce: 'n',
  });
});

/** A token with one character replaced, inserted or removed. */
const mutation = (source: () => string) =>
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom('replace', 'insert', 'delete'),
      fc.string({ minLength: 1, maxLength: 1 }),
    )
    .map(([position, kind, char]) => {
      const token = source();
      const at = position % token.length;
      if (kind === 'replace')
        return token.slice(0, at) + (token[at] === char ? `${char}x` : char) + token.slice(at + 1);
      if (kind === 'insert') return token.slice(0, at) + char + token.slice(at);
      return token.slice(0, at) + token.slice(at + 1);
    });

/**
 * True when `mutated` only differs from `original` in the unused low bits of a base64url
 * character (non-canonical encoding of the same bytes): such a token means the same thing and
 * may legitimately verify, so the property skips it.
 */
function sameBytes(original: string, mutated: string): boolean {
  const split = (token: string) => token.split(/[~.]/);
  const a = split(original);
  const b = split(mutated);
  if (a.length !== b.length || !/^[A-Za-z0-9_~.-]*$/.test(mutated)) return false;
  return a.every((part, index) =>
    Buffer.from(part, 'base64url').equals(Buffer.from(b[index] as string, 'base64url')),
  );
}

describe('robustness', () => {
  it('ID and access token verifiers refuse arbitrary strings with a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.stringMatching(/^[A-Za-z0-9_.~-]{0,300}$/),
        ),
        async (input) => {
          expect(await refusedWithTypedError(idTokens.verify(input))).toBe(true);
          expect(await refusedWithTypedError(accessTokens.verify(input))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('every single-character mutation of a valid ID token is refused with a typed error', async () => {
    await idTokens.verify(validToken, { nonce: 'n' });
    await fc.assert(
      fc.asyncProperty(
        mutation(() => validToken),
        async (mutated) => {
          fc.pre(mutated !== validToken && !sameBytes(validToken, mutated));
          expect(await refusedWithTypedError(idTokens.verify(mutated, { nonce: 'n' }))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('arbitrary and mutated SD-JWT presentations are refused with a typed error', async () => {
    await credentials.verify(validPresentation, { nonce: 'n' });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          mutation(() => validPresentation),
        ),
        async (input) => {
          fc.pre(input !== validPresentation && !sameBytes(validPresentation, input));
          expect(await refusedWithTypedError(credentials.verify(input, { nonce: 'n' }))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
