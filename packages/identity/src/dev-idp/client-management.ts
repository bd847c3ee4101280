/**
 * eSignet's client management API (`POST /client-mgmt/oidc-client`,
 * `PUT /client-mgmt/oidc-client/{client_id}`) for the dev IdP, with eSignet's envelope:
 * HTTP 200 with `{ responseTime, response: { clientId }, errors: [{ errorCode, errorMessage }] }`.
 * Development only: callers are not authenticated.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';

const esignetAcrValues = [
  'idbb:acr:static-code',
  'idbb:acr:generated-code',
  'idbb:acr:linked-wallet',
  'idbb:acr:biometrics',
  'idbb:acr:biometrics-generated-code',
  'idbb:acr:linked-wallet-static-code',
  'mosip:idp:acr:static-code',
  'mosip:idp:acr:generated-code',
  'mosip:idp:acr:linked-wallet',
  'mosip:idp:acr:biometrics',
  'mosip:idp:acr:biometrics-generated-code',
] as const;

const esignetUserClaims = [
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'preferred_username',
  'nickname',
  'gender',
  'birthdate',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
  'picture',
  'address',
  'locale',
  'zoneinfo',
] as const;

/** A client as eSignet's client management API describes it. */
export interface EsignetClient {
  clientId: string;
  clientName: string;
  relyingPartyId: string;
  logoUri: string;
  redirectUris: string[];
  authContextRefs: string[];
  publicKey: { kty: string; [member: string]: unknown };
  userClaims: string[];
  status: 'active' | 'inactive';
}

type ErrorCode =
  | 'duplicate_client_id'
  | 'invalid_public_key'
  | 'invalid_input'
  | 'invalid_client_id'
  | 'invalid_client_name'
  | 'invalid_rp_id'
  | 'invalid_claim'
  | 'invalid_acr'
  | 'invalid_uri'
  | 'invalid_redirect_uri'
  | 'invalid_grant_type'
  | 'invalid_client_auth'
  | 'invalid_request';

/** Each field and the error code eSignet answers when it is wrong. */
const fieldChecks = {
  clientId: [z.string().min(1).max(50), 'invalid_client_id'],
  clientName: [z.string().min(1).max(256), 'invalid_client_name'],
  relyingPartyId: [z.string().min(1).max(50), 'invalid_rp_id'],
  logoUri: [z.url().max(1024), 'invalid_uri'],
  redirectUris: [z.array(z.url()).min(1), 'invalid_redirect_uri'],
  authContextRefs: [z.array(z.enum(esignetAcrValues)).min(1), 'invalid_acr'],
  publicKey: [
    z.looseObject({ kty: z.literal('RSA'), n: z.string().min(1), e: z.string().min(1) }),
    'invalid_public_key',
  ],
  userClaims: [z.array(z.enum(esignetUserClaims)).min(1), 'invalid_claim'],
  grantTypes: [z.array(z.literal('authorization_code')).min(1), 'invalid_grant_type'],
  clientAuthMethods: [z.array(z.literal('private_key_jwt')).min(1), 'invalid_client_auth'],
  status: [z.enum(['active', 'inactive', 'ACTIVE', 'INACTIVE']), 'invalid_request'],
} as const satisfies Record<string, readonly [z.ZodType, ErrorCode]>;

type Field = keyof typeof fieldChecks;
const createFields: Field[] = [
  'clientId',
  'clientName',
  'relyingPartyId',
  'logoUri',
  'redirectUris',
  'authContextRefs',
  'publicKey',
  'userClaims',
  'grantTypes',
  'clientAuthMethods',
];
const updateFields: Field[] = [
  'clientName',
  'status',
  'logoUri',
  'redirectUris',
  'authContextRefs',
  'userClaims',
  'grantTypes',
  'clientAuthMethods',
];

function check(request: Record<string, unknown>, fields: Field[]): ErrorCode | undefined {
  for (const field of fields) {
    const [schema, code] = fieldChecks[field];
    if (!schema.safeParse(request[field]).success) return code;
  }
  return undefined;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function reply(response: ServerResponse, clientId: string | undefined, error?: ErrorCode): void {
  response.statusCode = 200;
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(
    JSON.stringify({
      responseTime: new Date().toISOString(),
      response: error === 'duplicate_client_id' ? null : { clientId: clientId ?? null },
      errors:
        error === undefined ? [] : [{ errorCode: error, errorMessage: error.replaceAll('_', ' ') }],
    }),
  );
}

const requestTime = z.iso.datetime({ offset: true, local: true });

/**
 * Handles a client-management request, or returns false when the path is not one of its own.
 * `save` registers (or re-registers) the client at the provider.
 */
export async function handleClientManagement(
  request: IncomingMessage,
  response: ServerResponse,
  clients: Map<string, EsignetClient>,
  save: (client: EsignetClient) => Promise<void>,
): Promise<boolean> {
  const path = (request.url ?? '').split('?')[0] ?? '';
  const update = /^\/client-mgmt\/oidc-client\/([^/]+)$/.exec(path);
  if (path !== '/client-mgmt/oidc-client' && update === null) return false;
  if (
    (update === null && request.method !== 'POST') ||
    (update !== null && request.method !== 'PUT')
  ) {
    response.statusCode = 405;
    response.end();
    return true;
  }
  const body = (await readBody(request)) as
    | { requestTime?: unknown; request?: unknown }
    | undefined;
  const payload = body?.request;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    reply(response, undefined, 'invalid_request');
    return true;
  }
  const fields = payload as Record<string, unknown>;
  if (!requestTime.safeParse(body?.requestTime).success) {
    reply(
      response,
      typeof fields.clientId === 'string' ? fields.clientId : undefined,
      'invalid_request',
    );
    return true;
  }
  if (update === null) {
    const error = check(fields, createFields);
    const clientId = typeof fields.clientId === 'string' ? fields.clientId : undefined;
    if (error !== undefined) {
      reply(response, clientId, error);
      return true;
    }
    if (clients.has(clientId as string)) {
      reply(response, clientId, 'duplicate_client_id');
      return true;
    }
    const client: EsignetClient = {
      clientId: clientId as string,
      clientName: fields.clientName as string,
      relyingPartyId: fields.relyingPartyId as string,
      logoUri: fields.logoUri as string,
      redirectUris: fields.redirectUris as string[],
      authContextRefs: fields.authContextRefs as string[],
      publicKey: fields.publicKey as EsignetClient['publicKey'],
      userClaims: fields.userClaims as string[],
      status: 'active',
    };
    await save(client);
    clients.set(client.clientId, client);
    reply(response, client.clientId);
    return true;
  }
  const clientId = decodeURIComponent(update[1] as string);
  const existing = clients.get(clientId);
  if (existing === undefined || clientId.length > 50) {
    reply(response, clientId, 'invalid_client_id');
    return true;
  }
  const error = check(fields, updateFields);
  if (error !== undefined) {
    reply(response, clientId, error);
    return true;
  }
  const updated: EsignetClient = {
    ...existing,
    clientName: fields.clientName as string,
    logoUri: fields.logoUri as string,
    redirectUris: fields.redirectUris as string[],
    authContextRefs: fields.authContextRefs as string[],
    userClaims: fields.userClaims as string[],
    status: (fields.status as string).toLowerCase() as EsignetClient['status'],
  };
  await save(updated);
  clients.set(clientId, updated);
  reply(response, clientId);
  return true;
}
