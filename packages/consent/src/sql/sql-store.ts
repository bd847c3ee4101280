import { ConflictError } from '@govblocks/core';
import { type Migration, migrate, type SqlClient, type SqlExecutor } from '@govblocks/core/sql';
import { concurrentUpdate, recordExists } from '../errors.js';
import type { ConsentRecord, Page, Revision, Signature } from '../schemas.js';
import type {
  CheckCandidate,
  ConsentObjects,
  ConsentStore,
  ConsentStoreSession,
  ObjectFilter,
  ObjectKind,
  OutboxMessage,
  RecordFilter,
} from '../store.js';
import { migrations } from './migrations.js';

export interface SqlConsentStoreOptions {
  /** Apply the package's migrations first (default true). Turn off when a deploy step runs them. */
  migrate?: boolean;
}

/** The consent block's ordered migrations (namespace `consent`), for deploy tooling. */
export const consentMigrations: { namespace: string; migrations: readonly Migration[] } = {
  namespace: 'consent',
  migrations,
};

const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

const json = (value: unknown) => JSON.stringify(value);
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : String(value));

/**
 * A {@link ConsentStore} over core's `SqlClient`: PGlite (embedded; development and pilots) or
 * a PostgreSQL server (production; many instances share it). Every read goes to the database —
 * there is no cache — so a withdrawal committed by one instance is seen by the next `check()`
 * of every other instance. Concurrency rests on the database: a unique revision number per
 * object makes racing writers collide (the loser gets `CONSENT_CONCURRENT_UPDATE`), and
 * compare-and-swap updates on `revision_number` protect the current rows.
 *
 * @example
 * import { openDatabase } from '@govblocks/core/sql';
 * import { sqlConsentStore } from '@govblocks/consent/sql';
 * const store = await sqlConsentStore(await openDatabase(process.env.DATABASE_URL));
 */
export async function sqlConsentStore(
  client: SqlClient,
  options: SqlConsentStoreOptions = {},
): Promise<ConsentStore> {
  if (options.migrate !== false) await migrate(client, consentMigrations);
  const base = session(client);
  return {
    name: `sql:${client.kind}`,
    ...base,
    transaction: (fn) => client.transaction((tx) => fn(session(tx))),
    async claimOutbox(now, limit, leaseMs) {
      const { rows } = await client.query<OutboxRow>(
        `update consent_outbox set next_attempt_at = $2
          where id in (select id from consent_outbox
                        where delivered_at is null and next_attempt_at <= $1
                        order by next_attempt_at, id limit $3 for update skip locked)
          returning *`,
        [now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), limit],
      );
      return rows.map(outboxFromRow).sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1));
    },
    async settleOutbox(id, result) {
      if (result.delivered) {
        await client.query(
          'update consent_outbox set delivered_at = $2, attempts = attempts + 1 where id = $1',
          [id, result.at],
        );
      } else {
        await client.query(
          'update consent_outbox set attempts = attempts + 1, last_error = $2, next_attempt_at = $3 where id = $1',
          [
            id,
            result.error.slice(0, 512),
            result.giveUp ? '9999-12-31T23:59:59.999Z' : result.nextAttemptAt,
          ],
        );
      }
    },
    async listOutbox(page) {
      const { rows } = await client.query<OutboxRow & { total: number }>(
        'select *, count(*) over ()::int as total from consent_outbox order by id limit $1 offset $2',
        [page.limit, page.offset],
      );
      const total =
        rows[0]?.total ??
        (page.offset > 0
          ? await countOf(client, 'select count(*)::int as total from consent_outbox', [])
          : 0);
      return { items: rows.map(outboxFromRow), offset: page.offset, limit: page.limit, total };
    },
  };
}

interface OutboxRow {
  id: string;
  webhook_id: string;
  event_type: string;
  payload: Record<string, unknown>;
  attempts: number;
  next_attempt_at: Date | string;
  created_at: Date | string;
  delivered_at: Date | string | null;
  last_error: string | null;
}

const outboxFromRow = (row: OutboxRow): OutboxMessage => ({
  id: row.id,
  webhookId: row.webhook_id,
  eventType: row.event_type,
  payload: row.payload,
  attempts: row.attempts,
  nextAttemptAt: iso(row.next_attempt_at),
  createdAt: iso(row.created_at),
  deliveredAt: row.delivered_at === null ? null : iso(row.delivered_at),
  lastError: row.last_error,
});

/** `count(*) over ()` is absent when the page is empty; then count separately (only if rows were skipped). */
async function countOf(db: SqlExecutor, query: string, params: unknown[]) {
  const { rows } = await db.query<{ total: number }>(query, params);
  return rows[0]?.total ?? 0;
}

function page<T>(items: T[], offset: number, limit: number, total: number): Page<T> {
  return { items, offset, limit, total };
}

function session(db: SqlExecutor): ConsentStoreSession {
  const objectWhere = (kind: ObjectKind, filter: ObjectFilter) => {
    const clauses = ['kind = $1'];
    const params: unknown[] = [kind];
    if (kind === 'DataAgreement') {
      if (filter.active !== undefined) {
        clauses.push(
          filter.active
            ? `(data->>'active')::boolean and data->>'lifecycle' = 'complete'`
            : `not ((data->>'active')::boolean and data->>'lifecycle' = 'complete')`,
        );
      }
      if (filter.purpose !== undefined) {
        params.push(filter.purpose);
        clauses.push(`data->>'purpose' = $${params.length}`);
      }
      if (filter.policyId !== undefined) {
        params.push(filter.policyId);
        clauses.push(`data->>'policyId' = $${params.length}`);
      }
    }
    if (kind === 'Individual' && filter.externalId !== undefined) {
      params.push(filter.externalId);
      clauses.push(`data->>'externalId' = $${params.length}`);
    }
    return { where: clauses.join(' and '), params };
  };

  const recordWhere = (filter: RecordFilter) => {
    const clauses: string[] = ['true'];
    const params: unknown[] = [];
    if (filter.individualId !== undefined) {
      params.push(filter.individualId);
      clauses.push(`individual_id = $${params.length}`);
    }
    if (filter.dataAgreementId !== undefined) {
      params.push(filter.dataAgreementId);
      clauses.push(`data_agreement_id = $${params.length}`);
    }
    return { where: clauses.join(' and '), params };
  };

  return {
    async getObject(kind, id) {
      const { rows } = await db.query<{ data: ConsentObjects[typeof kind] }>(
        'select data from consent_objects where kind = $1 and id = $2',
        [kind, id],
      );
      return rows[0]?.data ?? null;
    },
    async insertObject(kind, object) {
      try {
        await db.query(
          'insert into consent_objects (kind, id, revision_number, data) values ($1, $2, $3, $4::jsonb)',
          [kind, object.id, object.revisionNumber, json(object)],
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw new ConflictError(`[consent/sql] ${kind} already exists`);
        throw error;
      }
    },
    async replaceObject(kind, object, expectedRevisionNumber) {
      const { rowCount } = await db.query(
        'update consent_objects set revision_number = $3, data = $4::jsonb where kind = $1 and id = $2 and revision_number = $5',
        [kind, object.id, object.revisionNumber, json(object), expectedRevisionNumber],
      );
      return rowCount === 1;
    },
    async deleteObject(kind, id, expectedRevisionNumber) {
      const { rowCount } = await db.query(
        'delete from consent_objects where kind = $1 and id = $2 and revision_number = $3',
        [kind, id, expectedRevisionNumber],
      );
      return rowCount === 1;
    },
    async listObjects(kind, filter, { offset, limit }) {
      const { where, params } = objectWhere(kind, filter);
      const { rows } = await db.query<{ data: ConsentObjects[typeof kind]; total: number }>(
        `select data, count(*) over ()::int as total from consent_objects where ${where}
          order by id limit $${params.length + 1} offset $${params.length + 2}`,
        [...params, limit, offset],
      );
      const total =
        rows[0]?.total ??
        (offset > 0
          ? await countOf(
              db,
              `select count(*)::int as total from consent_objects where ${where}`,
              params,
            )
          : 0);
      return page(
        rows.map((row) => row.data),
        offset,
        limit,
        total,
      );
    },

    async getRecord(id) {
      const { rows } = await db.query<{ data: ConsentRecord }>(
        'select data from consent_records where id = $1',
        [id],
      );
      return rows[0]?.data ?? null;
    },
    async insertRecord(record) {
      try {
        await db.query(
          `insert into consent_records (id, individual_id, data_agreement_id, data_agreement_revision_id, opt_in,
             revision_number, created_at, data) values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
          [
            record.id,
            record.individualId,
            record.dataAgreementId,
            record.dataAgreementRevisionId,
            record.optIn,
            record.revisionNumber,
            record.createdAt,
            json(record),
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw recordExists();
        throw error;
      }
    },
    async replaceRecord(record, expectedRevisionNumber) {
      const { rowCount } = await db.query(
        'update consent_records set opt_in = $2, revision_number = $3, data = $4::jsonb where id = $1 and revision_number = $5',
        [record.id, record.optIn, record.revisionNumber, json(record), expectedRevisionNumber],
      );
      return rowCount === 1;
    },
    async listRecords(filter, { offset, limit }) {
      const { where, params } = recordWhere(filter);
      let source = `select * from consent_records where ${where}`;
      if (filter.currentOnly) {
        source = `select distinct on (individual_id, data_agreement_id) * from consent_records where ${where}
                   order by individual_id, data_agreement_id, created_at desc, id desc`;
      }
      const optIn =
        filter.optIn === undefined ? '' : `where opt_in = ${filter.optIn ? 'true' : 'false'}`;
      const { rows } = await db.query<{ data: ConsentRecord; total: number }>(
        `select data, count(*) over ()::int as total from (${source}) r ${optIn}
          order by created_at desc, id desc limit $${params.length + 1} offset $${params.length + 2}`,
        [...params, limit, offset],
      );
      const total =
        rows[0]?.total ??
        (offset > 0
          ? await countOf(db, `select count(*)::int as total from (${source}) r ${optIn}`, params)
          : 0);
      return page(
        rows.map((row) => row.data),
        offset,
        limit,
        total,
      );
    },
    async deleteRecords(ids) {
      if (ids.length > 0)
        await db.query(
          'delete from consent_records where id in (select jsonb_array_elements_text($1::jsonb))',
          [json(ids)],
        );
    },
    async checkCandidates(individualId, target) {
      const byId = 'dataAgreementId' in target;
      const { rows } = await db.query<{
        agreement: ConsentObjects['DataAgreement'];
        record: ConsentRecord | null;
      }>(
        `select a.data as agreement, r.data as record
           from consent_objects a
           left join lateral (
             select data from consent_records
              where individual_id = $1 and data_agreement_id = a.id
              order by created_at desc, id desc limit 1) r on true
          where a.kind = 'DataAgreement' and ${byId ? 'a.id = $2' : `a.data->>'purpose' = $2`}`,
        [individualId, byId ? target.dataAgreementId : target.purpose],
      );
      return rows as CheckCandidate[];
    },

    async insertRevision(revision) {
      try {
        await db.query(
          'insert into consent_revisions (id, schema_name, object_id, number, data) values ($1, $2, $3, $4, $5::jsonb)',
          [revision.id, revision.schemaName, revision.objectId, revision.number, json(revision)],
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw concurrentUpdate(`${revision.schemaName} history`);
        throw error;
      }
    },
    async setRevisionSuccessor(revisionId, successorId) {
      await db.query(
        `update consent_revisions set data = jsonb_set(data, '{successorId}', to_jsonb($2::text)) where id = $1`,
        [revisionId, successorId],
      );
    },
    async getRevision(id) {
      const { rows } = await db.query<{ data: Revision }>(
        'select data from consent_revisions where id = $1',
        [id],
      );
      return rows[0]?.data ?? null;
    },
    async listRevisions(schemaName, objectId, { offset, limit }, order, range) {
      // Timestamps are stored as UTC ISO strings, which order like the instants they name.
      const where = `schema_name = $1 and object_id = $2 and ($5::text is null or data->>'timestamp' >= $5)
          and ($6::text is null or data->>'timestamp' < $6)`;
      const bounds = [range?.since ?? null, range?.until ?? null];
      const { rows } = await db.query<{ data: Revision; total: number }>(
        `select data, count(*) over ()::int as total from consent_revisions where ${where}
          order by number ${order === 'desc' ? 'desc' : 'asc'} limit $3 offset $4`,
        [schemaName, objectId, limit, offset, ...bounds],
      );
      const total =
        rows[0]?.total ??
        (offset > 0
          ? await countOf(
              db,
              `select count(*)::int as total from consent_revisions where ${where.replaceAll('$5', '$3').replaceAll('$6', '$4')}`,
              [schemaName, objectId, ...bounds],
            )
          : 0);
      return page(
        rows.map((row) => row.data),
        offset,
        limit,
        total,
      );
    },
    async deleteRevisions(schemaName, objectIds) {
      if (objectIds.length > 0) {
        await db.query(
          'delete from consent_revisions where schema_name = $1 and object_id in (select jsonb_array_elements_text($2::jsonb))',
          [schemaName, json(objectIds)],
        );
      }
    },

    async insertSignature(signature, consentRecordId) {
      await db.query(
        'insert into consent_signatures (id, consent_record_id, data) values ($1, $2, $3::jsonb)',
        [signature.id, consentRecordId, json(signature)],
      );
    },
    async getSignature(id) {
      const { rows } = await db.query<{ data: Signature }>(
        'select data from consent_signatures where id = $1',
        [id],
      );
      return rows[0]?.data ?? null;
    },
    async deleteSignaturesOfRecords(consentRecordIds) {
      if (consentRecordIds.length > 0) {
        await db.query(
          'delete from consent_signatures where consent_record_id in (select jsonb_array_elements_text($1::jsonb))',
          [json(consentRecordIds)],
        );
      }
    },

    async enqueueOutbox(messages) {
      for (const message of messages) {
        await db.query(
          `insert into consent_outbox (id, webhook_id, event_type, payload, attempts, next_attempt_at, created_at)
           values ($1, $2, $3, $4::jsonb, $5, $6, $7)`,
          [
            message.id,
            message.webhookId,
            message.eventType,
            json(message.payload),
            message.attempts,
            message.nextAttemptAt,
            message.createdAt,
          ],
        );
      }
    },
    async deleteOutboxOfWebhook(webhookId) {
      await db.query('delete from consent_outbox where webhook_id = $1 and delivered_at is null', [
        webhookId,
      ]);
    },
  };
}
