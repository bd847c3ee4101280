// Shared by the HTTP binding and the remote adapter (kept free of Hono so the adapter does not load it).

/**
 * Request header with which a govblocks client (the `govstackRegistrationService` adapter) asks
 * the GovStack routes for the port's own semantics: send `registration/v1`. Then every answer
 * also carries the port's objects in a `govblocks` member (`EService`, `EForm`, `Application`,
 * `Task`, `{ task, application }`), list filters the GovStack API lacks are honoured
 * (`status`, `serviceKey` on `applications`; `status`, `roles` on `tasks`), `PUT
 * applications/{fileId}` submits exactly as `submit` does (`ILLEGAL_TRANSITION` when the
 * application cannot be submitted, instead of answering it unchanged), and `POST
 * tasks/{id}/complete` no longer claims an open task first (`completeTask` needs a claimed one).
 * Without the header the GovStack routes answer exactly as GovStack's tests expect.
 */
export const registrationPortHeader = 'GovBlocks-Port';

/** Base path of the govblocks extension routes (port calls the GovStack API has no route for). */
export const registrationExtensionBase = '/govblocks/v1';
