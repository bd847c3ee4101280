import { createHash } from 'node:crypto';
import { ConfigurationError } from '@govblocks/core';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { fail } from './errors.js';
import { type SignInSession, signInSessionSchema } from './relying-party.js';

function keyOf(secret: string | Uint8Array): Uint8Array {
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (bytes.length < 32)
    throw new ConfigurationError(
      '[identity/session] the sealing secret must have at least 32 bytes',
    );
  // A fixed-length AES-256 key from a secret of any length ≥ 32 bytes.
  return createHash('sha256').update('govblocks identity session seal v1').update(bytes).digest();
}

/**
 * Seals a sign-in session into an opaque string (JWE, `dir` + `A256GCM`) for an HttpOnly,
 * Secure, SameSite=Lax cookie: confidential (it holds the PKCE verifier) and tamper-evident.
 * Expires with the session.
 *
 * @example
 * response.headers.append('set-cookie', `signin=${await sealSignInSession(session, secret)}; HttpOnly; Secure; SameSite=Lax; Path=/callback`);
 */
export async function sealSignInSession(
  session: SignInSession,
  secret: string | Uint8Array,
  options: { ttlSeconds?: number } = {},
): Promise<string> {
  const expiresAt = Math.floor(session.createdAt / 1000) + (options.ttlSeconds ?? 600);
  return new EncryptJWT({ session })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', typ: 'govblocks-signin+jwt' })
    .setExpirationTime(expiresAt)
    .encrypt(keyOf(secret));
}

/**
 * Opens a sealed sign-in session.
 *
 * @throws IdentityError `OIDC_SESSION_INVALID` when it was tampered with, sealed with another
 *   secret, expired, or is not a session.
 */
export async function unsealSignInSession(
  sealed: string,
  secret: string | Uint8Array,
  options: { now?: Date } = {},
): Promise<SignInSession> {
  try {
    const { payload } = await jwtDecrypt(sealed, keyOf(secret), {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
      ...(options.now === undefined ? {} : { currentDate: options.now }),
    });
    return signInSessionSchema.parse(payload.session);
  } catch (error) {
    if (error instanceof ConfigurationError) throw error;
    throw fail(
      'OIDC_SESSION_INVALID',
      '[identity/session] the sealed sign-in session cannot be opened',
      error,
    );
  }
}
