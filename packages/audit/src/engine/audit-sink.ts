import { createHmac } from 'node:crypto';
import {
  type AuditSink,
  type Clock,
  ConfigurationError,
  canonicalJson,
  type IdGenerator,
  parse,
  systemClock,
  uuidv7Generator,
  ValidationError,
} from '@govblocks/core';
import { toBase64Url } from '../encoding.js';
import type { AuditLog, AuditReceipt } from '../ports.js';
import {
  type AuditEvent,
  type AuditSinkEventInput,
  auditSinkEventInputSchema,
} from '../schemas.js';
import { openFields, type SubjectKeyStore, sealFields } from '../subject-keys.js';

export interface AuditSinkOptions {
  log: AuditLog;
  /**
   * The HMAC-SHA256 key of subject pseudonyms (≥ 32 bytes). Keep it secret and stable: the same
   * identifier must map to the same pseudonym across blocks and years, and without the key a
   * pseudonym cannot be reversed by trying identifiers.
   */
  pseudonymKey: Uint8Array;
  clock?: Clock;
  ids?: IdGenerator;
  /** Needed to accept `personalData` (sealed per subject); without it such events are refused. */
  subjectKeys?: SubjectKeyStore;
}

/** core's `AuditSink`, backed by the tamper-evident log, with the privacy helpers around it. */
export interface LogAuditSink extends AuditSink {
  /**
   * Pseudonymises the subject, fills id and time, seals `personalData`, and appends. Resolves
   * once the event is durable. `VALIDATION_FAILED` for a malformed event (nothing written),
   * `UNAVAILABLE` when the store fails.
   */
  record(event: AuditSinkEventInput): Promise<void>;
  /** As {@link record}, returning where the event landed (to prove it later). */
  append(event: AuditSinkEventInput): Promise<AuditReceipt>;
  /** The event that {@link append} would store (no write): for tests and previews. */
  prepare(event: AuditSinkEventInput): Promise<AuditEvent>;
  /** The pseudonym of a subject identifier, to query the log by subject. */
  pseudonymOf(identifier: string): string;
  /**
   * Decrypts an event's sealed personal fields: the fields, `undefined` when the event has none,
   * or `null` when the subject's key was erased.
   */
  reveal(event: AuditEvent): Promise<Record<string, unknown> | null | undefined>;
  /**
   * Erases a subject's personal data by deleting their key (crypto-shredding). The log is not
   * changed, so all proofs still verify; sealed fields become unreadable. Idempotent. Writes an
   * `audit.subject.erased` event (with the pseudonym, never the identifier).
   */
  erase(identifier: string, actor: AuditEvent['actor'], legalBasis?: string): Promise<boolean>;
}

/**
 * Implements core's `AuditSink` over an {@link AuditLog}, so every block can write to it.
 *
 * @example
 * const sink = createAuditSink({ log, pseudonymKey: randomBytes(32) });
 * await sink.record({ block: 'consent', action: 'consent.record.created', actor, outcome: 'success',
 *   subject: { type: 'individual', id: 'ID-1234', personal: true } });
 */
export function createAuditSink(options: AuditSinkOptions): LogAuditSink {
  if (!(options.pseudonymKey instanceof Uint8Array) || options.pseudonymKey.length < 32) {
    throw new ConfigurationError('[audit/sink] pseudonymKey must be at least 32 bytes');
  }
  if (options.log?.specificationVersion !== 'audit/v1')
    throw new ConfigurationError('[audit/sink] log must implement audit/v1');
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? uuidv7Generator(clock);
  const pseudonymKey = Buffer.from(options.pseudonymKey);
  const pseudonymOf = (identifier: string) =>
    toBase64Url(createHmac('sha256', pseudonymKey).update(identifier, 'utf8').digest());

  async function prepare(input: AuditSinkEventInput): Promise<AuditEvent> {
    const { subject, time, personalData, ...rest } = parse(auditSinkEventInputSchema, input);
    const event: AuditEvent = { v: 1, id: ids(), time: time ?? clock.now().toISOString(), ...rest };
    if (subject) {
      event.subject = { type: subject.type, pseudonym: pseudonymOf(subject.id) };
      if (subject.personal === false) event.subject.id = subject.id;
    }
    if (personalData !== undefined) {
      if (!event.subject)
        throw new ValidationError('[audit/sink] personalData needs a subject', [
          { pointer: '/personalData', detail: 'needs a subject' },
        ]);
      if (!options.subjectKeys)
        throw new ConfigurationError('[audit/sink] personalData needs a subjectKeys store');
      const key = await options.subjectKeys.keyFor(event.subject.pseudonym);
      event.sealed = sealFields(canonicalJson(personalData), key, event.id);
    }
    return event;
  }

  const sink: LogAuditSink = {
    async record(input) {
      await sink.append(input);
    },
    async append(input) {
      return options.log.append(await prepare(input));
    },
    prepare,
    pseudonymOf,
    async reveal(event) {
      if (!event.sealed) return undefined;
      if (!event.subject || !options.subjectKeys) return null;
      const key = await options.subjectKeys.find(event.subject.pseudonym, event.sealed.kid);
      if (!key) return null;
      return JSON.parse(openFields(event.sealed, key, event.id)) as Record<string, unknown>;
    },
    async erase(identifier, actor, legalBasis) {
      if (!options.subjectKeys)
        throw new ConfigurationError('[audit/sink] erase needs a subjectKeys store');
      const pseudonym = pseudonymOf(identifier);
      const erased = await options.subjectKeys.erase(pseudonym);
      await options.log.append({
        v: 1,
        id: ids(),
        time: clock.now().toISOString(),
        block: 'audit',
        action: 'audit.subject.erased',
        actor,
        subject: { type: 'individual', pseudonym },
        outcome: 'success',
        ...(legalBasis === undefined ? {} : { legalBasis }),
        details: { keysDeleted: erased },
      });
      return erased;
    },
  };
  return sink;
}
