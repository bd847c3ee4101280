/**
 * The ports of the identity block — every interface an application calls or a vendor
 * implements, in one place. Each method says what it returns, which error codes it throws
 * (see `errors.ts`), whether it is idempotent and what it audits.
 *
 * Implementations: `createRemoteJwks`/`createLocalJwks` (KeySource), `memoryReplayCache`
 * (NonceReplayCache), `createIdTokenVerifier`, `createTokenVerifier`, `createRelyingParty`,
 * `createClaimsIdentityVerifier`/`createDeterministicIdentityVerifier`, `createSdJwtVcVerifier`,
 * `createOpenId4VpVerifier`. Conformance kits for the pluggable ones: `@govblocks/identity/testing`.
 */
import type { CryptoKey, JWTPayload, KeyObject } from 'jose';
import type { AuthorizationServer } from 'oauth4webapi';
import type { AssuranceLevel } from './assurance.js';
import type { AttributeMatchRequest } from './identity-verifier.js';
import type { PresentationRequest } from './openid4vp.js';
import type { SignInRequest, SignInSession } from './relying-party.js';
import type { VerifiedSubject } from './verified-subject.js';

// ── Keys ─────────────────────────────────────────────────────────────

/** The parts of a JOSE header a key is chosen by. */
export interface KeySelector {
  alg: string;
  kid?: string | undefined;
}

/** A key usable by `jose` for verification or decryption. */
export type VerificationKey = CryptoKey | KeyObject | Uint8Array;

/**
 * Where verifiers get an issuer's public keys. {@link createRemoteJwks} fetches and caches a
 * `jwks_uri`; {@link createLocalJwks} wraps a fixed key set (tests, pinned keys).
 */
export interface KeySource {
  /**
   * Returns the one key for `selector`.
   *
   * @throws IdentityError `JWKS_KEY_NOT_FOUND` when no key matches (for a remote set: after one
   *   refetch, unless a refetch happened within the cool-down), `JWKS_UNAVAILABLE` when the set
   *   cannot be fetched and no cached key matches.
   */
  getKey(selector: KeySelector): Promise<VerificationKey>;
}

// ── Replay protection ─────────────────────────────────────────────────────────────

/**
 * Remembers one-time values (ID token nonces, KB-JWT nonces) until they expire, so that a value
 * accepted once is refused the second time. Share one cache between all instances of an
 * application (a memory cache protects one process only).
 */
export interface NonceReplayCache {
  /**
   * Records `value` until `expiresAtMs` (epoch ms).
   *
   * @returns `true` when the value was not seen before (and is now remembered), `false` when it
   *   is a replay. Not idempotent by design. No audit.
   */
  remember(value: string, expiresAtMs: number): Promise<boolean>;
}

// ── ID tokens ─────────────────────────────────────────────────────────────

/** The claims of a verified ID token. */
export interface IdTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  acr?: string;
  amr?: string[];
  azp?: string;
  auth_time?: number;
  at_hash?: string;
}

export interface IdTokenExpectations {
  /** The nonce sent in the authorization request. When given, the token must carry it. */
  nonce?: string | undefined;
  /** The access token issued with the ID token; checked against `at_hash` when that is present. */
  accessToken?: string | undefined;
  /** When true, `at_hash` must be present (set it when an access token is issued with the ID token at the authorization endpoint). */
  requireAtHash?: boolean | undefined;
  /** Maximum authentication age (seconds); requires `auth_time`. */
  maxAgeSeconds?: number | undefined;
}

/** Verifies OpenID Connect ID tokens for one client of one issuer. */
export interface IdTokenVerifier {
  /**
   * Verifies `token` and returns its claims.
   *
   * @throws IdentityError `TOKEN_MALFORMED`, `TOKEN_TOO_LARGE`, `TOKEN_ALGORITHM_NOT_ALLOWED`,
   *   `TOKEN_SIGNATURE_INVALID`, `TOKEN_EXPIRED`, `TOKEN_NOT_YET_VALID`, `TOKEN_ISSUED_IN_FUTURE`,
   *   `TOKEN_ISSUER_MISMATCH`, `TOKEN_AUDIENCE_MISMATCH`, `TOKEN_AZP_MISMATCH`, `TOKEN_TYPE_INVALID`,
   *   `TOKEN_CLAIM_MISSING`, `OIDC_NONCE_MISSING`, `OIDC_NONCE_MISMATCH`, `OIDC_NONCE_REPLAYED`,
   *   `OIDC_AT_HASH_MISMATCH`, `JWKS_KEY_NOT_FOUND`, `JWKS_UNAVAILABLE`.
   * Not idempotent when a replay cache is configured (a nonce is accepted once). No audit.
   */
  verify(token: string, expectations?: IdTokenExpectations): Promise<IdTokenClaims>;
}

// ── Access tokens (resource servers) ─────────────────────────────────────────────────────────────

/** What a verified access token says. */
export interface VerifiedAccessToken {
  /** `sub`: the person, or the client itself for client-credentials tokens. */
  subject: string;
  /** `client_id`: the client the token was issued to. */
  clientId: string;
  /** Granted scopes (`scope`, split on spaces). */
  scopes: string[];
  issuer: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** All claims, for authorisation decisions beyond scope (`acr`, `auth_time`, roles…). */
  claims: JWTPayload;
}

/**
 * Verifies JWT access tokens (RFC 9068) presented to a resource server — the port that core's
 * HTTP kit calls to protect every block's HTTP binding.
 */
export interface TokenVerifier {
  /**
   * Verifies a JWT access token: `typ` `at+jwt`, signature (algorithm allow-list, key by `kid`
   * from the issuer's JWKS), `iss`, `aud` (this resource server), `exp`/`nbf`/`iat` with skew,
   * presence of `sub`, `client_id`, `jti`, and that every `requiredScopes` entry was granted.
   *
   * @returns the {@link VerifiedAccessToken}.
   * @throws IdentityError `TOKEN_*` codes (`TOKEN_TYPE_INVALID` for an ID token presented as an
   *   access token, `TOKEN_SCOPE_INSUFFICIENT` with status 403), `JWKS_KEY_NOT_FOUND`,
   *   `JWKS_UNAVAILABLE`. Idempotent, no side effects, no audit (the caller audits the request).
   */
  verify(
    token: string,
    options?: { requiredScopes?: readonly string[] },
  ): Promise<VerifiedAccessToken>;
  /**
   * The same for an HTTP `Authorization` header value (`Bearer <token>`).
   *
   * @throws IdentityError `TOKEN_MALFORMED` when the header is absent or not a Bearer token, and
   *   every code of {@link TokenVerifier.verify}.
   */
  verifyAuthorizationHeader(
    header: string | null | undefined,
    options?: { requiredScopes?: readonly string[] },
  ): Promise<VerifiedAccessToken>;
}

// ── Sign-in (relying party) ─────────────────────────────────────────────────────────────

/** A relying party of one OpenID provider (eSignet profile). */
export interface RelyingParty {
  /**
   * Builds the authorization URL to redirect the browser to, and the session to keep.
   *
   * @throws `VALIDATION_FAILED` for a bad request, `OIDC_DISCOVERY_FAILED` when the provider's
   *   metadata cannot be fetched or does not meet the profile. No state change, no audit.
   */
  startSignIn(request?: SignInRequest): Promise<{ url: URL; session: SignInSession }>;
  /**
   * Handles the callback: checks state (CSRF) and the RFC 9207 `iss`, exchanges the code with
   * PKCE and `private_key_jwt`, verifies the ID token, fetches and verifies (decrypts) userinfo,
   * normalises assurance and fails closed when it is below the session's required level.
   *
   * @returns the {@link VerifiedSubject}.
   * @throws `OIDC_SESSION_INVALID` (malformed, expired or reused session), `OIDC_STATE_MISMATCH`,
   *   `OIDC_ISSUER_MISMATCH`, `OIDC_AUTHORIZATION_ERROR`, `OIDC_TOKEN_REQUEST_REJECTED`,
   *   `OIDC_RESPONSE_INVALID`, every ID token code of {@link IdTokenVerifier.verify},
   *   `USERINFO_UNSIGNED`, `USERINFO_DECRYPTION_FAILED`, `USERINFO_SUBJECT_MISMATCH`,
   *   `ASSURANCE_INSUFFICIENT`.
   * Not idempotent: a session completes once. Audits `identity.sign-in.verified` (success) or
   * `identity.sign-in.rejected` (with the error code) when an audit sink is configured.
   */
  completeSignIn(
    session: SignInSession,
    callback: URL | string | URLSearchParams,
  ): Promise<VerifiedSubject>;
  /** The provider's discovered metadata. */
  metadata(): Promise<AuthorizationServer>;
}

// ── Yes/no attribute verification ─────────────────────────────────────────────────────────────

/** The answer: one overall yes/no, and a yes/no per attribute. Never the stored values. */
export interface AttributeMatchResult {
  match: boolean;
  attributes: Record<string, boolean>;
}

/**
 * GovStack's yes/no identity verification: does this person match these attributes? The answer
 * reveals nothing but booleans.
 */
export interface IdentityVerifier {
  readonly specificationVersion: 'identity-verifier/v1';
  /**
   * Compares claimed attributes with what the verifier knows about `individualId`.
   *
   * @returns `match: true` only when every attribute matches; an unknown person is
   *   `match: false` with every attribute `false` (no "unknown" signal, to avoid enumeration).
   * @throws `VALIDATION_FAILED` for a malformed request. Idempotent. Audits
   *   `identity.attributes.checked` (outcome, attribute count; never values) when an audit sink
   *   is configured.
   */
  verify(request: AttributeMatchRequest): Promise<AttributeMatchResult>;
}

// ── Verifiable credentials ─────────────────────────────────────────────────────────────

/** Verifies SD-JWT VC presentations (the format eIDAS 2.0 wallets present). */
export interface SdJwtVcVerifier {
  /**
   * Verifies a presentation `<issuer-jwt>~<disclosure>~…~<kb-jwt>`: the issuer's signature
   * (trusted issuer, key from its JWKS, algorithm allow-list, time claims), every disclosure
   * hashed and matched to a digest in the credential (unreferenced or duplicate disclosures are
   * refused), the key-binding JWT (holder's `cnf` key, `aud`, `nonce`, `sd_hash`, age).
   *
   * @returns a {@link VerifiedSubject} with the disclosed claims; `subject` is `sub` or, without
   *   one, the holder key's JWK thumbprint URI.
   * @throws `SD_JWT_INVALID`, `SD_JWT_DISCLOSURE_INVALID`, `SD_JWT_KEY_BINDING_MISSING`,
   *   `SD_JWT_KEY_BINDING_INVALID`, `SD_JWT_KEY_BINDING_AUDIENCE_MISMATCH`,
   *   `SD_JWT_KEY_BINDING_NONCE_MISMATCH`, `ASSURANCE_INSUFFICIENT`, `TOKEN_*` for the issuer
   *   JWT, `JWKS_*`. Not idempotent with a replay cache (a nonce is accepted once). No audit.
   */
  verify(
    presentation: string,
    expectations: {
      nonce: string;
      requiredAssurance?: AssuranceLevel;
      requiredClaims?: readonly string[];
    },
  ): Promise<VerifiedSubject>;
}

// ── Credential presentation requests ─────────────────────────────────────────────────────────────

/** What the verifier keeps between sending the request and receiving the response (server-side). */
export interface PresentationSession {
  state: string;
  nonce: string;
  claims: string[];
  credentialTypes: string[];
  requiredAssurance?: AssuranceLevel;
  /** Epoch ms. */
  createdAt: number;
}

/**
 * A minimal OpenID4VP 1.0 verifier for SD-JWT VCs: unsigned requests passed by value, a DCQL
 * query for one credential, `response_mode=direct_post`. Signed request objects (JAR),
 * `direct_post.jwt` and other credential formats are not supported.
 */
export interface OpenId4VpVerifier {
  /**
   * Builds an `openid4vp://` authorization request and the session to keep.
   *
   * @throws `VALIDATION_FAILED`. No state change, no audit.
   */
  createRequest(request: PresentationRequest): { url: URL; session: PresentationSession };
  /**
   * Verifies the wallet's `direct_post` body (`vp_token`, `state`, or `error`).
   *
   * @returns the {@link VerifiedSubject} of the presented credential.
   * @throws `OIDC_SESSION_INVALID` (expired), `OIDC_STATE_MISMATCH`, `OIDC_AUTHORIZATION_ERROR`
   *   (the wallet answered an error), `SD_JWT_INVALID` (no or several presentations, wrong type),
   *   `TOKEN_CLAIM_MISSING` (a requested claim was not disclosed), and every code of
   *   {@link SdJwtVcVerifier.verify}. No audit.
   */
  verifyResponse(
    session: PresentationSession,
    body: URLSearchParams | Record<string, string>,
  ): Promise<VerifiedSubject>;
}
