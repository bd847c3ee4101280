export {
  createHttpApp,
  type HttpAppOptions,
  type HttpLogger,
  type HttpResponseEvent,
  informationMediatorClientHeader,
} from './app.js';
export {
  type ApiKeyEntry,
  type ApiKeyOptions,
  type AuthOptions,
  actorFromClaims,
  actorOf,
  authenticate,
  type BearerVerifierOptions,
  type JwtOptions,
  requireRole,
} from './auth.js';
export type { HttpContext, HttpEnv, HttpVariables } from './context.js';
export {
  type IdempotentResponseOptions,
  respondIdempotently,
  type StoredHttpResponse,
} from './idempotency.js';
export { readJson, readParams, readQuery, sendJson } from './json.js';
export { jsonContentType, problemContentType, problemResponse, toHttpError } from './problem.js';
export {
  type FetchApp,
  type RunningServer,
  type StartServerOptions,
  startServer,
} from './server.js';
