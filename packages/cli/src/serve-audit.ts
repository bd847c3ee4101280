import type { AuditSink } from '@govblocks/core';
import type { SqlClient } from '@govblocks/core/sql';
import type { CommandIo } from './block-module.js';

/** The audit face of a served block: a sink every engine writes to, and a reader by subject. */
export interface ServeAudit {
  sink: AuditSink;
  /** "Who used my data": a subject's events, newest first (registration's `AuditReader`). */
  reader: ReturnType<typeof import('@govblocks/audit')['auditSubjectReader']>;
  /** Flushes the log and closes its own database, if it has one. */
  close(): Promise<void>;
}

/**
 * Opens the tamper-evident audit log (`@govblocks/audit`) on the block's own database, so that a
 * served block persists every audit event (never in process memory, never in logs).
 *
 * On PGlite the log gets its own embedded database (in memory, or the folder `<dir>.audit` beside
 * a `file://<dir>` database): PGlite has one connection, and an engine that records its audit
 * event inside its own transaction (consent does, so that a change without its audit record
 * never commits) would otherwise wait on itself. On PostgreSQL the log shares the database.
 *
 * The pseudonym key comes from `GOVBLOCKS_AUDIT_PSEUDONYM_KEY` (≥ 32 bytes, hex or base64); when
 * it is unset a random key is used with a warning, so pseudonyms only hold for this process.
 */
export async function openServeAudit(
  client: SqlClient,
  io: CommandIo,
  env: NodeJS.ProcessEnv = process.env,
  databaseUrl?: string,
): Promise<ServeAudit> {
  const [audit, { sqlAuditStore }, { randomBytes }] = await Promise.all([
    import('@govblocks/audit'),
    import('@govblocks/audit/sql'),
    import('node:crypto'),
  ]);
  const text = env.GOVBLOCKS_AUDIT_PSEUDONYM_KEY;
  let pseudonymKey: Uint8Array;
  if (text) {
    pseudonymKey = /^[0-9a-f]+$/i.test(text)
      ? Buffer.from(text, 'hex')
      : Buffer.from(text, 'base64');
    if (pseudonymKey.length < 32)
      throw new Error('GOVBLOCKS_AUDIT_PSEUDONYM_KEY must hold at least 32 bytes');
  } else {
    io.err(
      'govblocks: GOVBLOCKS_AUDIT_PSEUDONYM_KEY is not set: audit pseudonyms use a random key and only match within this process\n',
    );
    pseudonymKey = randomBytes(32);
  }
  let auditClient = client;
  let closeAudit = async () => {};
  if (client.kind === 'pglite') {
    const { openDatabase } = await import('@govblocks/core/sql');
    auditClient = await openDatabase(
      databaseUrl?.startsWith('file://') ? `${databaseUrl.replace(/\/+$/, '')}.audit` : undefined,
    );
    closeAudit = () => auditClient.close();
  }
  const log = audit.createAuditLog({
    store: await sqlAuditStore(auditClient),
    origin: env.GOVBLOCKS_AUDIT_ORIGIN ?? 'govblocks.localhost/audit',
  });
  const sink = audit.createAuditSink({ log, pseudonymKey });
  return {
    sink,
    reader: audit.auditSubjectReader(log, sink),
    async close() {
      await log.flush();
      await closeAudit();
    },
  };
}
