import { auditEventInputSchema } from '@govblocks/core';
import { z } from 'zod';

/** A base64url string without padding. */
const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'base64url without padding');

/**
 * Personal fields of an event, encrypted with the subject's own key (AES-256-GCM). The log holds
 * only this ciphertext, so erasing the subject key makes the fields unreadable while every leaf
 * hash, proof and checkpoint still verifies.
 */
export const sealedFieldsSchema = z.strictObject({
  alg: z.literal('A256GCM'),
  /** Id of the subject key in the {@link SubjectKeyStore}. */
  kid: z.string().min(1).max(128),
  /** 96-bit nonce, base64url. */
  iv: base64url.length(16),
  /** Ciphertext followed by the 128-bit tag, base64url. The event id is the additional data. */
  data: base64url.max(16_384),
});
export type SealedFields = z.infer<typeof sealedFieldsSchema>;

/** An HMAC-SHA256 pseudonym: 32 bytes, base64url (43 characters). */
export const pseudonymSchema = base64url.length(43);

/**
 * An audit event as the log stores and hashes it: core's {@link auditEventInputSchema} with the
 * subject pseudonymised, the time and id fixed, and optional sealed personal fields. The leaf of
 * the Merkle tree is the RFC 8785 canonical JSON of exactly this object, so any implementation
 * in any language can recompute the hashes.
 *
 * The subject's identifier itself is never stored: `subject.pseudonym` is
 * HMAC-SHA256(pseudonym key, identifier). `subject.id` is kept in clear only when the event said
 * `personal: false` (a payment batch, a consent record), so such objects stay searchable by id.
 */
export const auditEventSchema = auditEventInputSchema.omit({ subject: true, time: true }).extend({
  /** Version of this record format. */
  v: z.literal(1),
  /** UUID of the event (v7: time-ordered). */
  id: z.uuid(),
  /** ISO 8601 UTC with milliseconds. */
  time: z.iso.datetime({ offset: false }),
  subject: z
    .strictObject({
      type: z.string().min(1).max(64),
      pseudonym: pseudonymSchema,
      id: z.string().min(1).max(512).optional(),
    })
    .optional(),
  sealed: sealedFieldsSchema.optional(),
});
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** JSON values allowed in personal fields. */
const personalValue = z.json();

/**
 * What `createAuditSink(…).record` accepts: core's audit event input plus optional
 * `personalData` (names, addresses, free text about the subject), which is encrypted with the
 * subject's key before it reaches the log. Requires a subject.
 */
export const auditSinkEventInputSchema = auditEventInputSchema.extend({
  personalData: z.record(z.string(), personalValue).optional(),
});
export type AuditSinkEventInput = z.input<typeof auditSinkEventInputSchema>;

/** Filters of {@link AuditLog.query}. All given filters must match (AND). */
export const auditQuerySchema = z.strictObject({
  /** Subject pseudonym (see `AuditSinkHandle.pseudonymOf`). */
  subject: pseudonymSchema.optional(),
  /** Actor id. */
  actor: z.string().min(1).max(256).optional(),
  action: z.string().min(1).max(128).optional(),
  block: z.string().min(1).max(64).optional(),
  /** Inclusive lower bound on the event time. */
  from: z.iso.datetime({ offset: false }).optional(),
  /** Exclusive upper bound on the event time. */
  to: z.iso.datetime({ offset: false }).optional(),
  /** The `next` cursor of the previous page. */
  cursor: z
    .string()
    .regex(/^\d{1,16}$/)
    .optional(),
  /** Page size, 1–1000. Default 100. */
  limit: z.number().int().min(1).max(1000).default(100),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;
