import { z } from 'zod';

/**
 * Who is acting. Every engine method receives an {@link ActorContext}; it decides what the
 * actor may do and is written to the audit log with every state change.
 */
export const actorSchema = z.strictObject({
  /** `person` (a citizen or resident), `operator` (staff), `service` (a system), `system` (the SDK itself). */
  type: z.enum(['person', 'operator', 'service', 'system']),
  /** Stable id of the actor in its own namespace (subject id, staff id, client id). */
  id: z.string().min(1).max(256),
  /** The person this actor acts for (a guardian, an operator at a counter). */
  onBehalfOf: z.string().min(1).max(256).optional(),
  /** Roles granted by the authenticating system, e.g. `['operator', 'approver']`. */
  roles: z.array(z.string().min(1).max(128)).max(64).default([]),
  /** OAuth client / Information Mediator client the request came through. */
  clientId: z.string().min(1).max(256).optional(),
});
export type Actor = z.infer<typeof actorSchema>;

/** The context of one operation: who acts, and the ids that tie it to a request. */
export interface ActorContext {
  actor: Actor;
  /** Id of this request (set by the HTTP kit or the caller). */
  requestId?: string;
  /** Id that follows one business transaction across services. */
  correlationId?: string;
}

/** The SDK acting on its own (workers, schedulers, migrations). */
export const systemActor: ActorContext = Object.freeze({
  actor: Object.freeze({ type: 'system', id: 'govblocks', roles: [] as string[] }),
}) as ActorContext;

/** True when the actor holds `role`. */
export function hasRole(context: ActorContext, role: string): boolean {
  return context.actor.roles.includes(role);
}
