import type { Context } from 'hono';
import type { ActorContext } from '../actor.js';

/** What the HTTP kit puts on every request's context (`c.get('requestId')`, …). */
export interface HttpVariables {
  /** This request's id: the caller's `X-Request-Id` when well-formed, a fresh UUIDv7 otherwise. */
  requestId: string;
  /** The business transaction's id: the caller's `X-Correlation-Id`, or the request id. */
  correlationId: string;
  /** The GovStack Information Mediator client (`Information-Mediator-Client`), when sent. */
  informationMediatorClient: string | undefined;
  /** Who is acting; set by the auth middleware, `undefined` for anonymous requests. */
  actor: ActorContext | undefined;
}

/** The Hono environment of apps made by `createHttpApp`. */
export interface HttpEnv {
  Variables: HttpVariables;
}

/** A request context of an app made by `createHttpApp`. */
export type HttpContext = Context<HttpEnv>;
