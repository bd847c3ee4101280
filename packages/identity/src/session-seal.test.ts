import { describe, expect, it } from 'vitest';
import { isIdentityError } from './errors.js';
import type { SignInSession } from './relying-party.js';
import { sealSignInSession, unsealSignInSession } from './session-seal.js';

const secret = 'a-very-long-application-secret-of-32+bytes';
const session: SignInSession = {
  version: 1,
  issuer: 'https://idp.example',
  clientId: 'rp',
  redirectUri: 'https://rp.example/cb',
  state: 's'.repeat(43),
  nonce: 'n'.repeat(43),
  codeVerifier: 'v'.repeat(43),
  requiredAssurance: 'substantial',
  createdAt: Date.UTC(2026, 0, 1),
};

describe('sealed sign-in sessions', () => {
  it('round-trips, hides the PKCE verifier, and refuses tampering, other secrets and expiry', async () => {
    const sealed = await sealSignInSession(session, secret);
    expect(sealed).not.toContain('vvvv');
    expect(Buffer.from(sealed.split('.')[0] as string, 'base64url').toString()).toContain(
      'A256GCM',
    );
    await expect(
      unsealSignInSession(sealed, secret, { now: new Date(session.createdAt + 1_000) }),
    ).resolves.toEqual(session);
    const invalid = (promise: Promise<unknown>) =>
      expect(promise).rejects.toSatisfy((error) => isIdentityError(error, 'OIDC_SESSION_INVALID'));
    await invalid(
      unsealSignInSession(`${sealed.slice(0, -4)}AAAA`, secret, {
        now: new Date(session.createdAt),
      }),
    );
    await invalid(
      unsealSignInSession(sealed, `${secret}-rotated`, { now: new Date(session.createdAt) }),
    );
    await invalid(
      unsealSignInSession(sealed, secret, { now: new Date(session.createdAt + 601_000) }),
    );
    await invalid(unsealSignInSession('garbage', secret));
    await expect(sealSignInSession(session, 'short')).rejects.toMatchObject({
      code: 'CONFIGURATION_ERROR',
    });
  });
});
