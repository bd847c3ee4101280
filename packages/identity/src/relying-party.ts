import {
  type AuditSink,
  type Clock,
  ConfigurationError,
  isGovBlocksError,
  parse,
  systemClock,
} from '@govblocks/core';
import { type CryptoKey, compactDecrypt, importJWK, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import {
  type Assurance,
  type AssuranceLevel,
  assuranceLevelSchema,
  assuranceRank,
  defaultAcrLevels,
  normaliseAssurance,
  requireAssurance,
} from './assurance.js';
import { fail, isIdentityError } from './errors.js';
import { createIdTokenVerifier } from './id-token.js';
import { createRemoteJwks } from './jwks.js';
import { checkAlgorithms, jwtDefaults, verifyJwt } from './jwt.js';
import type { IdTokenClaims, KeySource, NonceReplayCache, RelyingParty } from './ports.js';
import { memoryReplayCache } from './replay-cache.js';
import type { VerifiedSubject } from './verified-subject.js';

const claimRequestSchema = z.union([
  z.null(),
  z.strictObject({
    essential: z.boolean().optional(),
    value: z.string().optional(),
    values: z.array(z.string()).optional(),
  }),
]);

/** The OIDC `claims` request parameter (OIDC Core §5.5): essential/voluntary claims per target. */
export const claimsRequestSchema = z.strictObject({
  userinfo: z.record(z.string(), claimRequestSchema).optional(),
  id_token: z.record(z.string(), claimRequestSchema).optional(),
});
export type ClaimsRequest = z.infer<typeof claimsRequestSchema>;

const localeList = z.array(z.string().regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)).max(16);

/** What one sign-in asks for. */
export const signInRequestSchema = z.strictObject({
  /** Space-separated scopes; `openid` is always included. Default `openid`. */
  scope: z.string().optional(),
  claims: claimsRequestSchema.optional(),
  /** Acceptable authentication contexts, preferred first. Derived from `requiredAssurance` when absent. */
  acrValues: z.array(z.string().min(1)).max(16).optional(),
  /** Fail closed unless the sign-in reaches this level. */
  requiredAssurance: assuranceLevelSchema.optional(),
  claimsLocales: localeList.optional(),
  uiLocales: localeList.optional(),
  /** Who is signing in, if known (eSignet: an individual id; the dev IdP: a persona). */
  loginHint: z.string().max(256).optional(),
  prompt: z.enum(['none', 'login', 'consent', 'select_account']).optional(),
  /** Maximum age of the authentication in seconds. */
  maxAgeSeconds: z.number().int().nonnegative().optional(),
});
export type SignInRequest = z.input<typeof signInRequestSchema>;

/**
 * What the application keeps between redirecting the browser and handling the callback —
 * in its server-side session or an encrypted, HttpOnly cookie. It holds secrets (the PKCE
 * verifier): never put it in a URL or a readable cookie.
 */
export const signInSessionSchema = z.strictObject({
  version: z.literal(1),
  issuer: z.string(),
  clientId: z.string(),
  redirectUri: z.string(),
  state: z.string().min(16),
  nonce: z.string().min(16),
  codeVerifier: z.string().min(43).max(128),
  requiredAssurance: assuranceLevelSchema.optional(),
  maxAgeSeconds: z.number().int().nonnegative().optional(),
  /** Epoch ms. */
  createdAt: z.number().int(),
});
export type SignInSession = z.infer<typeof signInSessionSchema>;

const privateJwkSchema = z.looseObject({
  kty: z.string(),
  d: z.string(),
  kid: z.string().min(1),
  alg: z.string().optional(),
});

export const relyingPartyOptionsSchema = z.strictObject({
  /** The provider's issuer identifier (discovery is fetched from it). */
  issuer: z.url(),
  clientId: z.string().min(1),
  redirectUri: z.url(),
  /** Private JWK (with `kid`) for `private_key_jwt`; its public half is registered at the provider. */
  signingKey: privateJwkSchema,
  /** `alg` of the client assertion. Default: the key's `alg`, else RS256/ES256/EdDSA by key type. */
  signingAlgorithm: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).optional(),
  /** Private JWK that userinfo JWEs are encrypted to (eSignet encrypts userinfo). */
  decryptionKey: privateJwkSchema.optional(),
  /**
   * The `aud` of the `private_key_jwt` assertion: the token endpoint URL (eSignet, the default)
   * or the issuer identifier (RFC 7523bis, what oauth4webapi sends).
   */
  clientAssertionAudience: z.enum(['token_endpoint', 'issuer']).default('token_endpoint'),
  /** Accepted ID token and userinfo JWS algorithms. Default RS256, PS256, ES256, EdDSA. */
  algorithms: z.array(z.string()).optional(),
  /** Accepted JWE key-management algorithms. Default RSA-OAEP-256, RSA-OAEP, ECDH-ES, ECDH-ES+A256KW. */
  encryptionAlgorithms: z.array(z.string()).optional(),
  /** Accepted JWE content-encryption algorithms. Default A256GCM, A128GCM, A128CBC-HS256, A256CBC-HS512. */
  contentEncryptionAlgorithms: z.array(z.string()).optional(),
  /** Accept userinfo as plain JSON (not signed). Default false: eSignet always signs. */
  allowUnsignedUserinfo: z.boolean().default(false),
  /** Fetch userinfo after the token exchange. Default true (eSignet returns claims only there). */
  fetchUserinfo: z.boolean().default(true),
  clockSkewSeconds: z.number().min(0).max(300).optional(),
  maxTokenBytes: z.number().int().positive().optional(),
  /** How long a sign-in session stays valid (seconds). Default 600. */
  sessionTtlSeconds: z.number().int().positive().default(600),
  /** acr → level additions/overrides for {@link normaliseAssurance}. */
  acrLevels: z.record(z.string(), assuranceLevelSchema).optional(),
  /** JWKS cache settings. */
  jwks: z
    .strictObject({
      cacheMaxAgeMs: z.number().int().positive().optional(),
      cooldownMs: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** Allow `http://` endpoints. Default: only for loopback issuers (the dev IdP). */
  allowInsecureRequests: z.boolean().optional(),
});
export type RelyingPartyOptions = z.input<typeof relyingPartyOptionsSchema> & {
  fetch?: typeof fetch;
  clock?: Clock;
  /** Where sign-in outcomes are recorded. Default: none. */
  audit?: AuditSink;
  /** Remembers used nonces and states. Default: an in-process cache (use a shared one across instances). */
  replayCache?: NonceReplayCache;
};

const protocolClaims = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'iat',
  'nbf',
  'jti',
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  'azp',
  'auth_time',
  'acr',
  'amr',
  'sid',
  'vot',
  'vtm',
]);

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

function defaultSigningAlgorithm(jwk: {
  kty: string;
  alg?: string | undefined;
  crv?: unknown;
}): string {
  if (jwk.alg) return jwk.alg;
  if (jwk.kty === 'EC') return 'ES256';
  if (jwk.kty === 'OKP') return 'EdDSA';
  return 'RS256';
}

/**
 * Creates a relying party for an eSignet-profile provider. Protocol mechanics (discovery,
 * PKCE, state and RFC 9207 checks, the `private_key_jwt` assertion, token and userinfo
 * requests) come from `oauth4webapi`; ID token and userinfo JWS/JWE verification, JWKS
 * rotation, replay protection and assurance are this package's.
 *
 * @example
 * const rp = createRelyingParty({ issuer, clientId, redirectUri, signingKey, decryptionKey });
 * const { url, session } = await rp.startSignIn({ claims: { userinfo: { name: { essential: true } } } });
 * // redirect the browser to url; keep session server-side; then on the callback:
 * const subject = await rp.completeSignIn(session, callbackUrl);
 */
export function createRelyingParty(input: RelyingPartyOptions): RelyingParty {
  const {
    fetch: customFetch,
    clock: inputClock,
    audit,
    replayCache: inputReplayCache,
    ...rest
  } = input;
  const options = parse(relyingPartyOptionsSchema, rest, '[identity/rp] options');
  const clock = inputClock ?? systemClock;
  const defaults = jwtDefaults({ ...options, clock });
  const algorithms = checkAlgorithms(
    options.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA'],
    '[identity/rp]',
  );
  const keyManagementAlgorithms = options.encryptionAlgorithms ?? [
    'RSA-OAEP-256',
    'RSA-OAEP',
    'ECDH-ES',
    'ECDH-ES+A256KW',
  ];
  const contentEncryptionAlgorithms = options.contentEncryptionAlgorithms ?? [
    'A256GCM',
    'A128GCM',
    'A128CBC-HS256',
    'A256CBC-HS512',
  ];
  const acrLevels = { ...defaultAcrLevels, ...options.acrLevels };
  const replayCache = inputReplayCache ?? memoryReplayCache({ clock });
  const issuerUrl = new URL(options.issuer);
  const insecure = options.allowInsecureRequests ?? isLoopback(issuerUrl);
  if (issuerUrl.protocol !== 'https:' && !insecure) {
    throw new ConfigurationError(
      '[identity/rp] the issuer must use https (set allowInsecureRequests for a local provider)',
    );
  }
  const requestOptions = {
    ...(insecure ? { [oauth.allowInsecureRequests]: true } : {}),
    ...(customFetch ? { [oauth.customFetch]: customFetch } : {}),
  };
  const signingAlgorithm = options.signingAlgorithm ?? defaultSigningAlgorithm(options.signingKey);
  const signingKey = importJWK(options.signingKey as JWK, signingAlgorithm) as Promise<CryptoKey>;
  const decryptionKeys = new Map<string, Promise<CryptoKey>>();
  // A rejected key import must surface at use, not as an unhandled rejection.
  signingKey.catch(() => undefined);

  let discovered: Promise<{ as: oauth.AuthorizationServer; keys: KeySource }> | undefined;

  function discover() {
    discovered ??= (async () => {
      let as: oauth.AuthorizationServer;
      try {
        const response = await oauth.discoveryRequest(issuerUrl, {
          algorithm: 'oidc',
          ...requestOptions,
        });
        as = await oauth.processDiscoveryResponse(issuerUrl, response);
      } catch (error) {
        throw fail(
          'OIDC_DISCOVERY_FAILED',
          `[identity/rp] discovery of ${issuerUrl.origin} failed`,
          error,
        );
      }
      const methods = as.code_challenge_methods_supported;
      if (methods !== undefined && !methods.includes('S256')) {
        throw fail(
          'OIDC_DISCOVERY_FAILED',
          '[identity/rp] the provider does not support PKCE S256',
        );
      }
      const auth = as.token_endpoint_auth_methods_supported;
      if (auth !== undefined && !auth.includes('private_key_jwt')) {
        throw fail(
          'OIDC_DISCOVERY_FAILED',
          '[identity/rp] the provider does not support private_key_jwt',
        );
      }
      if (!as.authorization_endpoint || !as.token_endpoint || !as.jwks_uri) {
        throw fail(
          'OIDC_DISCOVERY_FAILED',
          '[identity/rp] the provider metadata lacks an endpoint',
        );
      }
      const keys = createRemoteJwks({
        url: as.jwks_uri,
        clock,
        ...(customFetch ? { fetch: customFetch } : {}),
        ...options.jwks,
      });
      return { as, keys };
    })();
    discovered.catch(() => {
      discovered = undefined;
    });
    return discovered;
  }

  function client(): oauth.Client {
    return {
      client_id: options.clientId,
      token_endpoint_auth_signing_alg: signingAlgorithm,
      // oauth4webapi reads time from Date.now(); align it with the injected clock.
      [oauth.clockSkew]: Math.round((clock.now().getTime() - Date.now()) / 1000),
      [oauth.clockTolerance]: defaults.clockSkewSeconds,
    };
  }

  function decryptionKey(alg: string): Promise<CryptoKey> {
    if (options.decryptionKey === undefined) {
      return Promise.reject(
        fail(
          'USERINFO_DECRYPTION_FAILED',
          '[identity/rp] userinfo is encrypted but no decryptionKey is configured',
        ),
      );
    }
    let key = decryptionKeys.get(alg);
    if (key === undefined) {
      key = importJWK(options.decryptionKey as JWK, alg) as Promise<CryptoKey>;
      decryptionKeys.set(alg, key);
    }
    return key;
  }

  async function readUserinfo(
    as: oauth.AuthorizationServer,
    keys: KeySource,
    accessToken: string,
  ): Promise<{
    claims: Record<string, unknown>;
    source: 'userinfo' | 'userinfo_jws' | 'userinfo_jwe';
  }> {
    let response: Response;
    try {
      response = await oauth.userInfoRequest(as, client(), accessToken, requestOptions);
    } catch (error) {
      throw fail('OIDC_RESPONSE_INVALID', '[identity/rp] the userinfo request failed', error);
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw fail(
        'OIDC_RESPONSE_INVALID',
        `[identity/rp] userinfo answered HTTP ${response.status}`,
      );
    }
    const contentType = (response.headers.get('content-type') ?? '')
      .split(';')[0]
      ?.trim()
      .toLowerCase();
    const body = await response.text();
    if (body.length > defaults.maxTokenBytes * 2)
      throw fail('TOKEN_TOO_LARGE', '[identity/userinfo] the response is too large');
    if (contentType !== 'application/jwt') {
      if (!options.allowUnsignedUserinfo)
        throw fail('USERINFO_UNSIGNED', '[identity/userinfo] userinfo is not a signed JWT');
      try {
        const claims = JSON.parse(body) as unknown;
        if (typeof claims !== 'object' || claims === null || Array.isArray(claims))
          throw new Error('not an object');
        return { claims: claims as Record<string, unknown>, source: 'userinfo' };
      } catch (error) {
        throw fail(
          'OIDC_RESPONSE_INVALID',
          '[identity/userinfo] userinfo is not a JSON object',
          error,
        );
      }
    }
    let jws = body.trim();
    let source: 'userinfo_jws' | 'userinfo_jwe' = 'userinfo_jws';
    if (jws.split('.').length === 5) {
      source = 'userinfo_jwe';
      jws = await decryptUserinfo(jws);
    }
    if (jws.split('.').length !== 3)
      throw fail('USERINFO_UNSIGNED', '[identity/userinfo] the decrypted userinfo is not signed');
    const { payload } = await verifyJwt(jws, {
      keys,
      algorithms,
      issuer: as.issuer,
      requiredClaims: ['sub'],
      component: 'userinfo',
      ...defaults,
    });
    if (payload.aud !== undefined) {
      const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
      if (!audiences.includes(options.clientId))
        throw fail('TOKEN_AUDIENCE_MISMATCH', '[identity/userinfo] unexpected audience');
    }
    return { claims: payload as Record<string, unknown>, source };
  }

  async function decryptUserinfo(jwe: string): Promise<string> {
    try {
      const { plaintext } = await compactDecrypt(jwe, (header) => decryptionKey(header.alg), {
        keyManagementAlgorithms,
        contentEncryptionAlgorithms,
      });
      return new TextDecoder().decode(plaintext);
    } catch (error) {
      if (isIdentityError(error)) throw error;
      throw fail(
        'USERINFO_DECRYPTION_FAILED',
        '[identity/userinfo] userinfo cannot be decrypted with this client key',
        error,
      );
    }
  }

  async function complete(
    session: SignInSession,
    callback: URL | string | URLSearchParams,
  ): Promise<VerifiedSubject> {
    const checked = signInSessionSchema.safeParse(session);
    if (!checked.success)
      throw fail('OIDC_SESSION_INVALID', '[identity/rp] the sign-in session is malformed');
    const current = checked.data;
    const now = clock.now().getTime();
    if (current.issuer !== options.issuer || current.clientId !== options.clientId) {
      throw fail(
        'OIDC_SESSION_INVALID',
        '[identity/rp] the sign-in session belongs to another provider or client',
      );
    }
    if (
      now > current.createdAt + options.sessionTtlSeconds * 1000 ||
      now < current.createdAt - 60_000
    ) {
      throw fail('OIDC_SESSION_INVALID', '[identity/rp] the sign-in session has expired');
    }
    const params =
      callback instanceof URLSearchParams
        ? callback
        : new URL(callback, options.redirectUri).searchParams;
    const { as, keys } = await discover();

    // State first: a response for another session must not reveal anything else (CSRF).
    const state = params.get('state');
    if (state === null || state !== current.state) {
      throw fail('OIDC_STATE_MISMATCH', "[identity/rp] the callback state is not this session's");
    }
    // RFC 9207: when the provider says it sends `iss`, it must be present and be this issuer.
    const iss = params.get('iss');
    if (
      (iss !== null || as.authorization_response_iss_parameter_supported === true) &&
      iss !== as.issuer
    ) {
      throw fail(
        'OIDC_ISSUER_MISMATCH',
        '[identity/rp] the callback comes from another issuer (mix-up)',
      );
    }
    if (
      !(await replayCache.remember(
        `state\u0000${current.state}`,
        current.createdAt + options.sessionTtlSeconds * 1000,
      ))
    ) {
      throw fail('OIDC_SESSION_INVALID', '[identity/rp] the sign-in session was already used');
    }
    let validated: URLSearchParams;
    try {
      validated = oauth.validateAuthResponse(as, client(), params, current.state);
    } catch (error) {
      if (error instanceof oauth.AuthorizationResponseError) {
        throw fail(
          'OIDC_AUTHORIZATION_ERROR',
          `[identity/rp] the provider answered ${error.error}`,
          error,
        );
      }
      throw fail(
        'OIDC_RESPONSE_INVALID',
        '[identity/rp] the authorization response is invalid',
        error,
      );
    }

    const clientAuth = oauth.PrivateKeyJwt(
      { key: await signingKey, kid: options.signingKey.kid },
      {
        // oauth4webapi labels Ed25519 assertions with the fully-specified `Ed25519` (RFC 9864);
        // eSignet and oidc-provider 8 know only `EdDSA`. Same signature, older label.
        // eSignet expects the token endpoint URL as the assertion's audience; oauth4webapi
        // uses the issuer identifier (RFC 7523bis). Configurable, token endpoint by default.
        [oauth.modifyAssertion]: (header, payload) => {
          if (header.alg === 'Ed25519' && signingAlgorithm === 'EdDSA') header.alg = 'EdDSA';
          if (options.clientAssertionAudience === 'token_endpoint')
            payload.aud = as.token_endpoint as string;
        },
      },
    );
    let response: Response;
    try {
      response = await oauth.authorizationCodeGrantRequest(
        as,
        client(),
        clientAuth,
        validated,
        current.redirectUri,
        current.codeVerifier,
        requestOptions,
      );
    } catch (error) {
      throw fail('OIDC_RESPONSE_INVALID', '[identity/rp] the token request failed', error);
    }
    if (!response.ok) {
      let error = 'unknown_error';
      try {
        const body = (await response.json()) as { error?: unknown };
        if (typeof body.error === 'string') error = body.error;
      } catch {
        // not JSON: keep unknown_error
      }
      throw fail(
        'OIDC_TOKEN_REQUEST_REJECTED',
        `[identity/rp] the token endpoint refused the code (${error})`,
      );
    }
    let raw: { id_token?: unknown; access_token?: unknown };
    try {
      raw = (await response.clone().json()) as typeof raw;
    } catch (error) {
      throw fail('OIDC_RESPONSE_INVALID', '[identity/rp] the token response is not JSON', error);
    }
    if (typeof raw.id_token !== 'string' || typeof raw.access_token !== 'string') {
      throw fail(
        'OIDC_RESPONSE_INVALID',
        '[identity/rp] the token response lacks an ID token or access token',
      );
    }
    const idToken: IdTokenClaims = await createIdTokenVerifier({
      issuer: as.issuer,
      clientId: options.clientId,
      keys,
      algorithms,
      replayCache,
      ...defaults,
    }).verify(raw.id_token, {
      nonce: current.nonce,
      accessToken: raw.access_token,
      maxAgeSeconds: current.maxAgeSeconds,
    });
    // Defence in depth: oauth4webapi's own checks of the token response shape.
    try {
      await oauth.processAuthorizationCodeResponse(as, client(), response, {
        expectedNonce: current.nonce,
        requireIdToken: true,
        ...(current.maxAgeSeconds === undefined ? {} : { maxAge: current.maxAgeSeconds }),
      });
    } catch (error) {
      throw fail('OIDC_RESPONSE_INVALID', '[identity/rp] the token response is invalid', error);
    }

    const claims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(idToken))
      if (!protocolClaims.has(name)) claims[name] = value;
    const claimSources: VerifiedSubject['evidence']['claimSources'] = ['id_token'];
    if (options.fetchUserinfo && as.userinfo_endpoint) {
      const userinfo = await readUserinfo(as, keys, raw.access_token);
      if (userinfo.claims.sub !== idToken.sub) {
        throw fail(
          'USERINFO_SUBJECT_MISMATCH',
          '[identity/userinfo] userinfo is about another subject',
        );
      }
      for (const [name, value] of Object.entries(userinfo.claims))
        if (!protocolClaims.has(name)) claims[name] = value;
      claimSources.push(userinfo.source);
    }
    const assurance: Assurance = normaliseAssurance(idToken, acrLevels);
    requireAssurance(assurance, current.requiredAssurance);
    return {
      subject: idToken.sub,
      assurance,
      claims,
      evidence: {
        method: 'oidc',
        issuer: as.issuer,
        clientId: options.clientId,
        verifiedAt: new Date(now).toISOString(),
        ...(typeof idToken.auth_time === 'number'
          ? { authenticatedAt: new Date(idToken.auth_time * 1000).toISOString() }
          : {}),
        claimSources,
      },
    };
  }

  return {
    metadata: async () => (await discover()).as,

    async startSignIn(request = {}) {
      const parsed = parse(signInRequestSchema, request, '[identity/rp] sign-in request');
      const { as } = await discover();
      const state = oauth.generateRandomState();
      const nonce = oauth.generateRandomNonce();
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const codeChallenge = await oauth.calculatePKCECodeChallenge(codeVerifier);
      const url = new URL(as.authorization_endpoint as string);
      const scopes = new Set(['openid', ...(parsed.scope ?? '').split(' ').filter(Boolean)]);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('client_id', options.clientId);
      url.searchParams.set('redirect_uri', options.redirectUri);
      url.searchParams.set('scope', [...scopes].join(' '));
      url.searchParams.set('state', state);
      url.searchParams.set('nonce', nonce);
      url.searchParams.set('code_challenge', codeChallenge);
      url.searchParams.set('code_challenge_method', 'S256');
      let acrValues = parsed.acrValues;
      if (acrValues === undefined && parsed.requiredAssurance !== undefined) {
        const required = assuranceRank(parsed.requiredAssurance as AssuranceLevel);
        const supported = as.acr_values_supported as string[] | undefined;
        acrValues = (supported ?? Object.keys(acrLevels)).filter(
          (acr) =>
            acrLevels[acr] !== undefined &&
            assuranceRank(acrLevels[acr] as AssuranceLevel) >= required,
        );
      }
      if (acrValues !== undefined && acrValues.length > 0)
        url.searchParams.set('acr_values', acrValues.join(' '));
      if (parsed.claims !== undefined)
        url.searchParams.set('claims', JSON.stringify(parsed.claims));
      if (parsed.claimsLocales?.length)
        url.searchParams.set('claims_locales', parsed.claimsLocales.join(' '));
      if (parsed.uiLocales?.length) url.searchParams.set('ui_locales', parsed.uiLocales.join(' '));
      if (parsed.loginHint !== undefined) url.searchParams.set('login_hint', parsed.loginHint);
      if (parsed.prompt !== undefined) url.searchParams.set('prompt', parsed.prompt);
      if (parsed.maxAgeSeconds !== undefined)
        url.searchParams.set('max_age', String(parsed.maxAgeSeconds));
      const session: SignInSession = {
        version: 1,
        issuer: options.issuer,
        clientId: options.clientId,
        redirectUri: options.redirectUri,
        state,
        nonce,
        codeVerifier,
        createdAt: clock.now().getTime(),
        ...(parsed.requiredAssurance === undefined
          ? {}
          : { requiredAssurance: parsed.requiredAssurance }),
        ...(parsed.maxAgeSeconds === undefined ? {} : { maxAgeSeconds: parsed.maxAgeSeconds }),
      };
      return { url, session };
    },

    async completeSignIn(session, callback) {
      try {
        const subject = await complete(session, callback);
        await audit?.record({
          block: 'identity',
          action: 'identity.sign-in.verified',
          actor: { type: 'person', id: subject.subject, clientId: options.clientId },
          subject: { type: 'individual', id: subject.subject, personal: true },
          outcome: 'success',
          details: { issuer: subject.evidence.issuer, assurance: subject.assurance.level },
        });
        return subject;
      } catch (error) {
        if (isGovBlocksError(error)) {
          await audit?.record({
            block: 'identity',
            action: 'identity.sign-in.rejected',
            actor: { type: 'system', id: 'identity-rp', clientId: options.clientId },
            outcome: 'denied',
            details: { code: error.code },
          });
        }
        throw error;
      }
    },
  };
}
