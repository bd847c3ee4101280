import type { ActorContext } from '@govblocks/core';
import { UnauthorizedError } from '@govblocks/core';
import type { HttpContext } from '@govblocks/core/http';

/**
 * The acting party of a request: the authenticated actor when there is one, otherwise the
 * Information Mediator client (`INSTANCE/CLASS/MEMBER/SUBSYSTEM`) as a service actor — which is
 * how GovStack members call each other through X-Road, and how GovStack's published tests call.
 * A request with neither is refused (401).
 */
export function actorFor(c: HttpContext): ActorContext {
  const actor = c.get('actor');
  if (actor) return actor;
  const client = c.get('informationMediatorClient');
  if (!client)
    throw new UnauthorizedError(
      'A credential or an Information-Mediator-Client header is required',
    );
  return {
    actor: { type: 'service', id: client, roles: [], clientId: client },
    requestId: c.get('requestId'),
    correlationId: c.get('correlationId'),
  };
}
