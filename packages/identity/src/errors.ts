import { GovBlocksError, type GovBlocksErrorOptions } from '@govblocks/core';

/**
 * Every way the identity block refuses something, as a stable code you can `switch` on.
 *
 * Tokens (ID tokens, access tokens, userinfo JWTs, SD-JWT VCs) share the `TOKEN_*` codes; the
 * sign-in protocol has `OIDC_*`; key material `JWKS_*`; credentials `SD_JWT_*`.
 */
export const identityErrorCodes = {
  /** Not a well-formed JWT/JWS/JWE (wrong number of parts, bad base64url, bad JSON). 401. */
  TOKEN_MALFORMED: 401,
  /** The token is larger than the configured maximum (defence against resource exhaustion). 401. */
  TOKEN_TOO_LARGE: 401,
  /** The header's `alg` is not in the allow-list (covers `none` and HS256-with-RSA-key confusion). 401. */
  TOKEN_ALGORITHM_NOT_ALLOWED: 401,
  /** The signature does not verify with the issuer's key. 401. */
  TOKEN_SIGNATURE_INVALID: 401,
  /** `exp` is in the past (beyond the clock skew). 401. */
  TOKEN_EXPIRED: 401,
  /** `nbf` is in the future (beyond the clock skew). 401. */
  TOKEN_NOT_YET_VALID: 401,
  /** `iat` is in the future (beyond the clock skew). 401. */
  TOKEN_ISSUED_IN_FUTURE: 401,
  /** `iss` is not the expected issuer. 401. */
  TOKEN_ISSUER_MISMATCH: 401,
  /** `aud` does not contain the expected audience. 401. */
  TOKEN_AUDIENCE_MISMATCH: 401,
  /** `azp` is present and is not this client (or is missing with several audiences). 401. */
  TOKEN_AZP_MISMATCH: 401,
  /** A required claim is absent or has the wrong type. 401. */
  TOKEN_CLAIM_MISSING: 401,
  /** The JOSE `typ` header is not the one the profile requires (e.g. `at+jwt`). 401. */
  TOKEN_TYPE_INVALID: 401,
  /** The access token lacks a required scope. 403. */
  TOKEN_SCOPE_INSUFFICIENT: 403,
  /** The ID token carries no `nonce` although one was sent. 401. */
  OIDC_NONCE_MISSING: 401,
  /** The ID token's `nonce` is not the session's. 401. */
  OIDC_NONCE_MISMATCH: 401,
  /** The `nonce` was already used by an earlier sign-in (replay). 401. */
  OIDC_NONCE_REPLAYED: 401,
  /** `at_hash` does not match the access token. 401. */
  OIDC_AT_HASH_MISMATCH: 401,
  /** The `state` in the callback is not the session's (CSRF). 401. */
  OIDC_STATE_MISMATCH: 401,
  /** The RFC 9207 `iss` response parameter is missing or names another issuer (mix-up). 401. */
  OIDC_ISSUER_MISMATCH: 401,
  /** The provider answered the authorization request with an error (e.g. `access_denied`). 401. */
  OIDC_AUTHORIZATION_ERROR: 401,
  /** The token endpoint refused the code (wrong PKCE verifier, reused code, bad client assertion). 401. */
  OIDC_TOKEN_REQUEST_REJECTED: 401,
  /** The token or userinfo response is not what the protocol requires. 502. */
  OIDC_RESPONSE_INVALID: 502,
  /** The sign-in session object is malformed, expired or already used. 400. */
  OIDC_SESSION_INVALID: 400,
  /** Discovery failed or the metadata does not meet the profile (issuer mismatch, no S256, …). 502. */
  OIDC_DISCOVERY_FAILED: 502,
  /** The userinfo JWE cannot be decrypted with the relying party's key. 401. */
  USERINFO_DECRYPTION_FAILED: 401,
  /** The userinfo `sub` is not the ID token's `sub`. 401. */
  USERINFO_SUBJECT_MISMATCH: 401,
  /** The provider sent plain JSON userinfo although a signed response is required. 401. */
  USERINFO_UNSIGNED: 401,
  /** No key in the issuer's JWKS matches the token's `kid`/`alg` (after one refetch). 401. */
  JWKS_KEY_NOT_FOUND: 401,
  /** The JWKS endpoint cannot be reached or returns garbage, and no cached key can be used. 503. */
  JWKS_UNAVAILABLE: 503,
  /** The authentication was weaker than the level the caller asked for (fail closed). 401. */
  ASSURANCE_INSUFFICIENT: 401,
  /** The SD-JWT is malformed or its issuer signature is invalid. 401. */
  SD_JWT_INVALID: 401,
  /** A disclosure does not hash to any digest in the credential (tampered or foreign). 401. */
  SD_JWT_DISCLOSURE_INVALID: 401,
  /** Key binding was required but the presentation has no KB-JWT. 401. */
  SD_JWT_KEY_BINDING_MISSING: 401,
  /** The KB-JWT signature, `sd_hash` or time claims are invalid. 401. */
  SD_JWT_KEY_BINDING_INVALID: 401,
  /** The KB-JWT `aud` is not this verifier. 401. */
  SD_JWT_KEY_BINDING_AUDIENCE_MISMATCH: 401,
  /** The KB-JWT `nonce` is not the one this verifier issued. 401. */
  SD_JWT_KEY_BINDING_NONCE_MISMATCH: 401,
} as const satisfies Record<string, number>;

/** The closed union of identity error codes. */
export type IdentityErrorCode = keyof typeof identityErrorCodes;

/**
 * The error every identity component throws on purpose. `status` follows the code (401 for a
 * refused credential, 502/503 for a misbehaving provider). `detail` never contains tokens or
 * personal data.
 */
export class IdentityError extends GovBlocksError<IdentityErrorCode> {
  constructor(code: IdentityErrorCode, message: string, options: GovBlocksErrorOptions = {}) {
    super(code, message, { status: identityErrorCodes[code], ...options });
    this.name = 'IdentityError';
  }
}

/** True when `value` is a govblocks identity error (optionally with the given `code`). */
export function isIdentityError(value: unknown, code?: IdentityErrorCode): value is IdentityError {
  if (!GovBlocksError.isInstance(value)) return false;
  if (!Object.hasOwn(identityErrorCodes, value.code)) return false;
  return code === undefined || value.code === code;
}

/** Shorthand used throughout the package: `throw fail('TOKEN_EXPIRED', '[identity/id-token] …')`. */
export function fail(code: IdentityErrorCode, message: string, cause?: unknown): IdentityError {
  return new IdentityError(code, message, cause === undefined ? {} : { cause });
}
