/**
 * A development OpenID provider on localhost, configured like MOSIP eSignet, built on panva's
 * `oidc-provider` (8.x — the newest major that supports Node 20; 9.x wants Node 22).
 *
 * What it enforces, as eSignet does: `private_key_jwt` is the only client authentication, PKCE
 * S256 is required, userinfo is a signed JWT (or signed-then-encrypted to the client's key),
 * the `claims` request parameter, `acr_values`, `claims_locales` (names come back as
 * `name#<locale>`), RFC 9207 `iss` in authorization responses. It serves eSignet's paths
 * (`/authorize`, `/oauth/token`, `/oidc/userinfo`, `/.well-known/jwks.json`) and its client
 * management API (`POST /client-mgmt/oidc-client`, `PUT /client-mgmt/oidc-client/{id}`, without
 * authentication). Linked authorization and wallet binding are not served.
 *
 * Login is non-interactive: the person is picked by `login_hint` (persona id, national id,
 * email or phone) or is the first persona. That is for tests and demos only — never expose it.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, parse } from '@govblocks/core';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type {
  ClientMetadata,
  Configuration,
  KoaContextWithOIDC,
  Provider as OidcProvider,
  ResponseType,
} from 'oidc-provider';
import { z } from 'zod';
import { type EsignetClient, handleClientManagement } from './client-management.js';
import { memoryAdapterFactory } from './memory-adapter.js';
import { defaultPersonas, type Persona, personaClaims, personaSchema } from './personas.js';

export {
  defaultPersonas,
  type Persona,
  type PersonaInput,
  personaClaims,
  personaSchema,
} from './personas.js';
export { type FollowAuthorizationOptions, followAuthorization } from './user-agent.js';

/** Authentication contexts the dev IdP advertises (eSignet's names and the GovStack spec's). */
export const devIdpAcrValues = [
  'mosip:idp:acr:static-code',
  'mosip:idp:acr:generated-code',
  'mosip:idp:acr:linked-wallet',
  'mosip:idp:acr:biometrics',
  'mosip:idp:acr:biometrics-generated-code',
  'idbb:acr:static-code',
  'idbb:acr:generated-code',
  'idbb:acr:biometrics',
] as const;

const jwkSchema = z.looseObject({ kty: z.string() });

/** A relying party registered at the dev IdP. */
export const devIdpClientSchema = z.strictObject({
  clientId: z.string().min(1),
  redirectUris: z.array(z.url()).min(1),
  /** The client's public keys: a signing key for `private_key_jwt`, and an `enc` key for encrypted userinfo. */
  jwks: z.strictObject({ keys: z.array(jwkSchema).min(1) }),
  /** How userinfo is returned: plain JSON, a signed JWT, or signed-then-encrypted (eSignet's default). */
  userinfo: z.enum(['json', 'jws', 'jwe']).default('jws'),
  idTokenSigningAlg: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
  userinfoSigningAlg: z.enum(['RS256', 'PS256', 'ES256', 'EdDSA']).default('RS256'),
  userinfoEncryption: z
    .strictObject({
      alg: z.enum(['RSA-OAEP-256', 'RSA-OAEP', 'ECDH-ES', 'ECDH-ES+A256KW']),
      enc: z.enum(['A256GCM', 'A128GCM', 'A128CBC-HS256', 'A256CBC-HS512']),
    })
    .default({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }),
});
export type DevIdpClient = z.input<typeof devIdpClientSchema>;

export const devIdpOptionsSchema = z.strictObject({
  /** TCP port; 0 (default) picks a free one. */
  port: z.number().int().min(0).max(65_535).default(0),
  /** Interface to bind; loopback by default. */
  host: z.string().default('127.0.0.1'),
  personas: z.array(personaSchema).min(1).optional(),
  clients: z.array(devIdpClientSchema).default([]),
  /**
   * Resource servers that get RFC 9068 JWT access tokens (`at+jwt`), by audience, with the
   * scopes they accept. Clients obtain them with a `resource` parameter (client credentials or
   * authorization code).
   */
  resourceServers: z.record(z.string(), z.strictObject({ scope: z.string() })).default({}),
  /** ID token and access token lifetime (seconds). Authorization codes live 60 s. */
  tokenTtlSeconds: z.number().int().positive().default(600),
});
export type DevIdpOptions = z.input<typeof devIdpOptionsSchema>;

/** A running dev IdP. */
export interface DevIdp {
  /** The issuer identifier (`http://127.0.0.1:<port>`). */
  readonly issuer: string;
  /** The personas it signs in. */
  readonly personas: readonly Persona[];
  /** Its current public signing keys. */
  publicJwks(): { keys: JWK[] };
  /** Replaces the signing keys with new ones (new `kid`s) — what an IdP does on key rotation. */
  rotateKeys(): Promise<void>;
  /** Registers one more client (e.g. a test that needs a second RP). */
  addClient(client: DevIdpClient): Promise<void>;
  close(): Promise<void>;
}

/** The acr values an essential `acr` claim request demands, if any. */
function essentialAcrValues(claims: unknown): string[] | undefined {
  if (typeof claims !== 'string') return undefined;
  try {
    const acr = (
      JSON.parse(claims) as {
        id_token?: { acr?: { essential?: boolean; value?: string; values?: string[] } };
      }
    ).id_token?.acr;
    if (acr?.essential !== true) return undefined;
    if (Array.isArray(acr.values)) return acr.values;
    return typeof acr.value === 'string' ? [acr.value] : undefined;
  } catch {
    return undefined;
  }
}

let keyGeneration = 0;

async function generateSigningKeys(): Promise<JWK[]> {
  keyGeneration += 1;
  const suffix = `${keyGeneration}-${randomBytes(3).toString('hex')}`;
  const keys: JWK[] = [];
  for (const [alg, kid] of [
    ['RS256', `rsa-${suffix}`],
    ['ES256', `ec-${suffix}`],
    ['EdDSA', `ed-${suffix}`],
  ] as const) {
    const { privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
    });
    keys.push({ ...(await exportJWK(privateKey)), kid, use: 'sig', alg });
  }
  return keys;
}

function publicPart(jwk: JWK): JWK {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, k: _k, ...rest } = jwk;
  return rest;
}

function toClientMetadata(
  client: z.output<typeof devIdpClientSchema>,
  withClientCredentials: boolean,
): ClientMetadata {
  return {
    client_id: client.clientId,
    redirect_uris: client.redirectUris,
    response_types: ['code'] as ResponseType[],
    grant_types: withClientCredentials
      ? ['authorization_code', 'client_credentials']
      : ['authorization_code'],
    token_endpoint_auth_method: 'private_key_jwt',
    jwks: client.jwks as { keys: JWK[] },
    id_token_signed_response_alg: client.idTokenSigningAlg,
    ...(client.userinfo === 'json'
      ? {}
      : { userinfo_signed_response_alg: client.userinfoSigningAlg }),
    ...(client.userinfo === 'jwe'
      ? {
          userinfo_encrypted_response_alg: client.userinfoEncryption.alg,
          userinfo_encrypted_response_enc: client.userinfoEncryption.enc,
        }
      : {}),
  };
}

/**
 * Starts the dev IdP. Tests use it as a real provider over loopback HTTP.
 *
 * @example
 * const idp = await createDevIdp({ clients: [{ clientId: 'rp', redirectUris: ['http://127.0.0.1:3000/cb'], jwks }] });
 * console.log(idp.issuer); // http://127.0.0.1:51234
 * await idp.close();
 */
export async function createDevIdp(input: DevIdpOptions = {}): Promise<DevIdp> {
  const options = parse(devIdpOptionsSchema, input, '[identity/dev-idp] options');
  const personas = (options.personas ??
    defaultPersonas.map((persona) => personaSchema.parse(persona))) as Persona[];
  const ids = new Set(personas.map((persona) => persona.id));
  if (ids.size !== personas.length)
    throw new ConfigurationError('[identity/dev-idp] persona ids must be unique');
  const clients = [...options.clients];
  const resourceServers = options.resourceServers;
  const { default: Provider, errors: oidcErrors } = await import('oidc-provider');

  const locales = [...new Set(personas.flatMap((persona) => Object.keys(persona.names ?? {})))];
  const taggedNames = locales.map((locale) => `name#${locale}`);
  const acrValues = [...new Set([...devIdpAcrValues, ...personas.map((persona) => persona.acr)])];
  /** claims_locales of each grant: oidc-provider does not keep them for the userinfo call. */
  const claimsLocalesByGrant = new Map<string, string[]>();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const adapter = memoryAdapterFactory();
  /** Clients registered through eSignet's client management API. */
  const managedClients = new Map<string, EsignetClient>();

  async function saveManagedClient(client: EsignetClient): Promise<void> {
    const index = clients.findIndex((candidate) => candidate.clientId === client.clientId);
    if (index >= 0) clients.splice(index, 1);
    if (client.status === 'active') {
      const encryptable = client.publicKey.use === undefined || client.publicKey.use === 'enc';
      clients.push(
        parse(
          devIdpClientSchema,
          {
            clientId: client.clientId,
            redirectUris: client.redirectUris,
            jwks: { keys: [client.publicKey] },
            userinfo: encryptable ? 'jwe' : 'jws',
          },
          '[identity/dev-idp] client',
        ),
      );
    }
    install();
  }

  function findPersona(hint: string): Persona | undefined {
    return personas.find(
      (persona) =>
        persona.id === hint ||
        persona.nationalId === hint ||
        persona.email === hint ||
        persona.phone === hint,
    );
  }

  let signingKeys = await generateSigningKeys();
  let provider: OidcProvider;
  let handler: (request: IncomingMessage, response: ServerResponse) => void;

  const server: Server = createServer((request, response) => {
    if (request.url?.startsWith('/client-mgmt/')) {
      handleClientManagement(request, response, managedClients, saveManagedClient).catch(() => {
        if (!response.headersSent) {
          response.statusCode = 500;
          response.end();
        }
      });
      return;
    }
    if (request.url?.startsWith('/interaction/')) {
      interact(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          response.statusCode = 500;
          response.end(
            `dev IdP interaction failed: ${error instanceof Error ? error.message : 'unknown error'}`,
          );
        }
      });
      return;
    }
    handler(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const issuer = `http://${host}:${port}`;

  function build() {
    const withClientCredentials = Object.keys(resourceServers).length > 0;
    const configuration: Configuration = {
      clients: clients.map((client) => toClientMetadata(client, withClientCredentials)),
      adapter,
      clientAuthMethods: ['private_key_jwt'],
      pkce: { required: () => true, methods: ['S256'] },
      jwks: { keys: signingKeys },
      cookies: { keys: cookieKeys },
      acrValues,
      claims: {
        openid: ['sub', 'acr', 'amr', ...taggedNames],
        profile: ['name', 'given_name', 'family_name', 'birthdate', 'gender', 'locale'],
        email: ['email', 'email_verified'],
        phone: ['phone_number', 'phone_number_verified'],
        individual_id: ['individual_id'],
      },
      scopes: ['openid', 'profile', 'email', 'phone', 'individual_id'],
      discovery: {
        claims_locales_supported: locales,
        ui_locales_supported: locales,
        display_values_supported: ['page', 'popup'],
      },
      features: {
        devInteractions: { enabled: false },
        claimsParameter: { enabled: true },
        jwtUserinfo: { enabled: true },
        encryption: { enabled: true },
        clientCredentials: { enabled: withClientCredentials },
        revocation: { enabled: false },
        resourceIndicators: {
          enabled: true,
          defaultResource: (_ctx, _client, oneOf) => oneOf ?? (undefined as unknown as string),
          useGrantedResource: () => true,
          getResourceServerInfo: (_ctx, resource) => {
            const server = resourceServers[resource];
            if (server === undefined) throw new oidcErrors.InvalidTarget();
            return {
              scope: server.scope,
              audience: resource,
              accessTokenFormat: 'jwt',
              accessTokenTTL: options.tokenTtlSeconds,
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      enabledJWA: {
        clientAuthSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        userinfoSigningAlgValues: ['RS256', 'PS256', 'ES256', 'EdDSA'],
        userinfoEncryptionAlgValues: ['RSA-OAEP-256', 'RSA-OAEP', 'ECDH-ES', 'ECDH-ES+A256KW'],
        userinfoEncryptionEncValues: ['A256GCM', 'A128GCM', 'A128CBC-HS256', 'A256CBC-HS512'],
      },
      responseTypes: ['code'],
      ttl: {
        AccessToken: options.tokenTtlSeconds,
        AuthorizationCode: 60,
        IdToken: options.tokenTtlSeconds,
        Interaction: 600,
        Session: 3_600,
        Grant: 3_600,
        ClientCredentials: options.tokenTtlSeconds,
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      // eSignet's endpoint paths (discovery at /.well-known/openid-configuration as usual).
      routes: {
        authorization: '/authorize',
        token: '/oauth/token',
        userinfo: '/oidc/userinfo',
        jwks: '/.well-known/jwks.json',
      },
      findAccount: (_ctx: KoaContextWithOIDC, sub: string, token?: unknown) => {
        const persona = personas.find((candidate) => candidate.id === sub);
        if (persona === undefined) return undefined;
        const grantId = (token as { grantId?: string } | undefined)?.grantId;
        return {
          accountId: persona.id,
          claims: (_use: string, scope: string, requested: Record<string, unknown> | undefined) => {
            const claims = personaClaims(persona);
            const wanted = grantId === undefined ? [] : (claimsLocalesByGrant.get(grantId) ?? []);
            const nameRequested =
              requested?.name !== undefined || scope.split(' ').includes('profile');
            if (nameRequested && wanted.length > 0 && persona.names !== undefined) {
              let tagged = false;
              for (const locale of wanted) {
                const value = persona.names[locale];
                if (value !== undefined) {
                  claims[`name#${locale}`] = value;
                  tagged = true;
                }
              }
              // eSignet returns only the tagged variants when locales are requested and known.
              if (tagged) delete claims.name;
            }
            return claims as { sub: string };
          },
        };
      },
      renderError: (ctx, out) => {
        ctx.type = 'application/json';
        ctx.body = out;
      },
    };
    const instance = new Provider(issuer, configuration);
    return instance;
  }

  function install(): void {
    provider = build();
    handler = provider.callback();
  }
  install();

  async function interact(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const current = provider;
    const details = await current.interactionDetails(request, response);
    const { prompt, params } = details;
    if (prompt.name === 'login') {
      const hint = typeof params.login_hint === 'string' ? params.login_hint : undefined;
      const persona = hint === undefined ? personas[0] : findPersona(hint);
      if (persona === undefined) {
        await current.interactionFinished(
          request,
          response,
          { error: 'access_denied', error_description: 'no persona matches the login_hint' },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      // An essential acr (claims parameter) the persona cannot meet is refused, as eSignet does;
      // re-authenticating with the same method would loop.
      const essential = essentialAcrValues(params.claims);
      if (essential !== undefined && !essential.includes(persona.acr)) {
        await current.interactionFinished(
          request,
          response,
          {
            error: 'access_denied',
            error_description: 'the persona cannot meet the essential acr',
          },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      await current.interactionFinished(
        request,
        response,
        { login: { accountId: persona.id, acr: persona.acr, amr: persona.amr } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // Consent: grant whatever was asked (a dev IdP stands in for a person who agrees).
    const accountId = details.session?.accountId as string;
    const clientId = params.client_id as string;
    const grant =
      details.grantId === undefined
        ? new current.Grant({ accountId, clientId })
        : ((await current.Grant.find(details.grantId)) ??
          new current.Grant({ accountId, clientId }));
    const missing = prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const requestedLocales =
      typeof params.claims_locales === 'string'
        ? params.claims_locales.split(' ').filter(Boolean)
        : [];
    claimsLocalesByGrant.set(grantId, requestedLocales);
    // Bounded: a long-running dev IdP must not grow forever (grants outlive no session anyway).
    if (claimsLocalesByGrant.size > 10_000) {
      claimsLocalesByGrant.delete(claimsLocalesByGrant.keys().next().value as string);
    }
    await current.interactionFinished(
      request,
      response,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  }

  return {
    issuer,
    personas,
    publicJwks: () => ({ keys: signingKeys.map(publicPart) }),
    async rotateKeys() {
      signingKeys = await generateSigningKeys();
      install();
    },
    async addClient(client) {
      clients.push(parse(devIdpClientSchema, client, '[identity/dev-idp] client'));
      install();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
