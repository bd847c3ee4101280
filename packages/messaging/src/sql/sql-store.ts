import { randomUUID } from 'node:crypto';
import { type MigrationSet, migrate, type SqlClient } from '@govblocks/core/sql';
import type {
  AttemptOutcome,
  ClaimedMessage,
  MessagingStore,
  NewMessage,
  StoredBatch,
  StoredTemplate,
} from '../ports.js';
import {
  type Message,
  type MessageStatus,
  messageStatuses,
  type StatusCounts,
} from '../schemas.js';
import { messagingMigrations } from './migrations.js';

interface MessageRow {
  id: string;
  idempotency_key: string;
  request_hash: string;
  batch_id: string | null;
  status: MessageStatus;
  attempts: number;
  next_attempt_at: Date | null;
  claim_token: string | null;
  body: Omit<Message, StaticColumns>;
  last_error: Message['lastError'];
  delivered_by: string | null;
  provider_message_id: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

type StaticColumns =
  | 'id'
  | 'idempotencyKey'
  | 'batchId'
  | 'status'
  | 'attempts'
  | 'nextAttemptAt'
  | 'lastError'
  | 'deliveredBy'
  | 'providerMessageId'
  | 'createdAt'
  | 'updatedAt'
  | 'deliveredAt';

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    idempotencyKey: row.idempotency_key,
    batchId: row.batch_id,
    ...row.body,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: iso(row.next_attempt_at),
    lastError: row.last_error,
    deliveredBy: row.delivered_by,
    providerMessageId: row.provider_message_id,
    createdAt: iso(row.created_at) as string,
    updatedAt: iso(row.updated_at) as string,
    deliveredAt: iso(row.delivered_at),
  } as Message;
}

function bodyOf(message: Message): Omit<Message, StaticColumns> {
  const {
    id: _id,
    idempotencyKey: _key,
    batchId: _batch,
    status: _status,
    attempts: _attempts,
    nextAttemptAt: _next,
    lastError: _error,
    deliveredBy: _by,
    providerMessageId: _provider,
    createdAt: _created,
    updatedAt: _updated,
    deliveredAt: _delivered,
    ...body
  } = message;
  return body;
}

interface BatchRow {
  id: string;
  idempotency_key: string;
  request_hash: string;
  accepted: number;
  released: boolean;
  created_at: Date;
}
const toBatch = (row: BatchRow): StoredBatch => ({
  id: row.id,
  idempotencyKey: row.idempotency_key,
  requestHash: row.request_hash,
  accepted: row.accepted,
  released: row.released,
  createdAt: iso(row.created_at) as string,
});

export interface SqlMessagingStoreOptions {
  /** Run the block's migrations first. Default true. */
  migrate?: boolean;
  /** Most outcomes recorded by one UPDATE (attempts that end together are batched). Default 1,000. */
  finishBatchSize?: number;
}

interface PendingFinish {
  id: string;
  claimToken: string;
  outcome: AttemptOutcome;
  resolve: (held: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * A durable {@link MessagingStore} on PostgreSQL or PGlite (one SQL dialect through core's
 * `SqlClient`). Workers in several processes share one outbox safely: `claim` takes due rows with
 * `SELECT … FOR UPDATE SKIP LOCKED`, so two workers never hold the same message, and a
 * message whose worker died is taken over when its lease ends. PGlite (one connection, one
 * process) is for development and pilots; production runs PostgreSQL.
 *
 * @example
 * const store = await sqlMessagingStore(await openDatabase(process.env.DATABASE_URL));
 */
export async function sqlMessagingStore(
  client: SqlClient,
  options: SqlMessagingStoreOptions = {},
): Promise<MessagingStore> {
  if (options.migrate ?? true) await migrate(client, messagingMigrations as MigrationSet);

  async function insertMessages(items: NewMessage[]) {
    if (items.length === 0) return [];
    const rows = items.map(({ message, requestHash }) => ({
      id: message.id,
      idempotency_key: message.idempotencyKey,
      request_hash: requestHash,
      batch_id: message.batchId,
      next_attempt_at: message.nextAttemptAt,
      body: bodyOf(message),
      created_at: message.createdAt,
    }));
    const inserted = await client.query<{ idempotency_key: string }>(
      `insert into messaging_messages
         (id, idempotency_key, request_hash, batch_id, status, attempts, next_attempt_at, body, created_at, updated_at)
       select r.id, r.idempotency_key, r.request_hash, r.batch_id, 'queued', 0, r.next_attempt_at, r.body, r.created_at, r.created_at
       from jsonb_to_recordset($1::jsonb) as r(id text, idempotency_key text, request_hash text, batch_id text,
            next_attempt_at timestamptz, body jsonb, created_at timestamptz)
       on conflict (idempotency_key) do nothing
       returning idempotency_key`,
      [JSON.stringify(rows)],
    );
    const newKeys = new Set(inserted.rows.map((row) => row.idempotency_key));
    const existing = new Map<string, MessageRow>();
    const otherKeys = items
      .map((item) => item.message.idempotencyKey)
      .filter((key) => !newKeys.has(key));
    if (otherKeys.length > 0) {
      const found = await client.query<MessageRow>(
        'select * from messaging_messages where idempotency_key = any($1::text[])',
        [otherKeys],
      );
      for (const row of found.rows) existing.set(row.idempotency_key, row);
    }
    const seen = new Set<string>();
    return items.map(({ message, requestHash }) => {
      const key = message.idempotencyKey;
      if (newKeys.has(key) && !seen.has(key)) {
        seen.add(key);
        return { message, requestHash, inserted: true };
      }
      const row = existing.get(key);
      if (row) return { message: toMessage(row), requestHash: row.request_hash, inserted: false };
      // A duplicate key inside this very call: the first occurrence won.
      const first = items.find((item) => item.message.idempotencyKey === key) as NewMessage;
      return { message: first.message, requestHash: first.requestHash, inserted: false };
    });
  }

  /** The messages of unreleased batches are invisible to workers and to the relay. */
  const released = `(m.batch_id is null
    or m.batch_id not in (select b.id from messaging_batches b where not b.released))`;

  /** Claims due messages matching `filter` (parameters from $5 on). */
  async function claimWhere(
    filter: string,
    params: unknown[],
    now: Date,
    limit: number,
    leaseMs: number,
  ): Promise<ClaimedMessage[]> {
    const token = randomUUID();
    const result = await client.query<MessageRow>(
      `with due as (
         select m.id from messaging_messages m
         where m.status in ('queued', 'sending') and m.next_attempt_at <= $1 and ${filter}
           and ${released}
         order by m.next_attempt_at
         limit $2
         for update of m skip locked
       )
       update messaging_messages m
          set status = 'sending', attempts = m.attempts + 1, next_attempt_at = $3, claim_token = $4, updated_at = $1
         from due where m.id = due.id
       returning m.*`,
      [now, limit, new Date(now.getTime() + leaseMs), token, ...params],
    );
    return result.rows.map(
      (row): ClaimedMessage => ({ message: toMessage(row), claimToken: token }),
    );
  }

  // ---- finish: group commit --------------------------------------------------------------------
  // Attempts that end while an UPDATE is running wait for it and are then recorded together,
  // in one statement (UPDATE … FROM jsonb_to_recordset). Each row is still updated only where
  // its claim token matches and it is `sending`, so a lost claim changes nothing, exactly as one
  // UPDATE per message did; a single statement is atomic. Nothing waits on a timer: a lone
  // finish is written at once, and batches form only while the database is busy.
  const pending: PendingFinish[] = [];
  let flushing = false;
  const maxGroup = options.finishBatchSize ?? 1_000;

  async function flushFinishes(): Promise<void> {
    flushing = true;
    try {
      // Let attempts that ended in the same turn of the event loop join the first statement.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (pending.length > 0) {
        const group = pending.splice(0, maxGroup);
        let held: boolean[];
        try {
          held = await finishGroup(group);
        } catch (error) {
          if (group.length === 1) {
            group[0]?.reject(error);
            continue;
          }
          // E.g. a deadlock between two workers' batches over taken-over claims: record one
          // by one (each its own statement) rather than fail the whole group.
          await Promise.all(
            group.map((item) =>
              finishGroup([item]).then(
                ([one]) => item.resolve(one === true),
                (cause: unknown) => item.reject(cause),
              ),
            ),
          );
          continue;
        }
        group.forEach((item, index) => {
          item.resolve(held[index] === true);
        });
      }
    } finally {
      flushing = false;
    }
  }

  async function finishGroup(group: PendingFinish[]): Promise<boolean[]> {
    const rows = group.map(({ id, claimToken, outcome }, ord) => {
      const delivered = outcome.status === 'delivered';
      const throttled = outcome.status === 'throttled';
      return {
        ord,
        id,
        claim_token: claimToken,
        status: throttled ? 'queued' : outcome.status,
        throttled,
        next_attempt_at:
          outcome.status === 'queued' || outcome.status === 'throttled'
            ? outcome.nextAttemptAt.toISOString()
            : null,
        last_error: 'error' in outcome ? outcome.error : null,
        delivered_by: delivered ? outcome.deliveredBy : null,
        provider_message_id: delivered ? outcome.providerMessageId : null,
        delivered_at: delivered ? outcome.at.toISOString() : null,
        updated_at: outcome.at.toISOString(),
      };
    });
    const result = await client.query<{ ord: number }>(
      `update messaging_messages m
          set status = v.status,
              attempts = case when v.throttled then greatest(m.attempts - 1, 0) else m.attempts end,
              next_attempt_at = v.next_attempt_at,
              last_error = coalesce(v.last_error, m.last_error),
              delivered_by = case when v.throttled then m.delivered_by else v.delivered_by end,
              provider_message_id = case when v.throttled then m.provider_message_id else v.provider_message_id end,
              delivered_at = case when v.throttled then m.delivered_at else v.delivered_at end,
              updated_at = v.updated_at,
              claim_token = null
         from jsonb_to_recordset($1::jsonb) as v(ord int, id text, claim_token text, status text,
              throttled boolean, next_attempt_at timestamptz, last_error jsonb, delivered_by text,
              provider_message_id text, delivered_at timestamptz, updated_at timestamptz)
        where m.id = v.id and m.claim_token = v.claim_token and m.status = 'sending'
        returning v.ord`,
      [JSON.stringify(rows)],
    );
    const held = group.map(() => false);
    for (const row of result.rows) held[row.ord] = true;
    return held;
  }

  return {
    async insertTemplate(template: StoredTemplate) {
      const result = await client.query(
        `insert into messaging_templates (id, version, body, created_at) values ($1, $2, $3::jsonb, $4)
         on conflict (id, version) do nothing`,
        [template.id, template.version, JSON.stringify(template), template.createdAt],
      );
      return result.rowCount === 1;
    },
    async getTemplate(id, version) {
      const result =
        version === undefined
          ? await client.query<{ body: StoredTemplate }>(
              'select body from messaging_templates where id = $1 order by version desc limit 1',
              [id],
            )
          : await client.query<{ body: StoredTemplate }>(
              'select body from messaging_templates where id = $1 and version = $2',
              [id, version],
            );
      return result.rows[0]?.body;
    },

    insertMessages,
    async getMessage(id) {
      const result = await client.query<MessageRow>(
        'select * from messaging_messages where id = $1',
        [id],
      );
      const row = result.rows[0];
      return row ? toMessage(row) : undefined;
    },

    async createBatch(batch) {
      const inserted = await client.query<BatchRow>(
        `insert into messaging_batches (id, idempotency_key, request_hash, accepted, released, created_at)
         values ($1, $2, $3, $4, $5, $6) on conflict (idempotency_key) do nothing returning *`,
        [
          batch.id,
          batch.idempotencyKey,
          batch.requestHash,
          batch.accepted,
          batch.released,
          batch.createdAt,
        ],
      );
      if (inserted.rows[0]) return { batch: toBatch(inserted.rows[0]), created: true };
      const found = await client.query<BatchRow>(
        'select * from messaging_batches where idempotency_key = $1',
        [batch.idempotencyKey],
      );
      return { batch: toBatch(found.rows[0] as BatchRow), created: false };
    },
    async getBatch(id) {
      const result = await client.query<BatchRow>('select * from messaging_batches where id = $1', [
        id,
      ]);
      return result.rows[0] ? toBatch(result.rows[0]) : undefined;
    },
    async releaseBatch(id, accepted) {
      await client.query(
        'update messaging_batches set accepted = $2, released = true where id = $1',
        [id, accepted],
      );
    },
    async discardBatch(id) {
      await client.transaction(async (tx) => {
        const batch = await tx.query(
          'delete from messaging_batches where id = $1 and not released returning id',
          [id],
        );
        if (batch.rowCount > 0)
          await tx.query('delete from messaging_messages where batch_id = $1', [id]);
      });
    },
    async countBatch(id) {
      const result = await client.query<{ status: MessageStatus; retried: boolean; count: number }>(
        `select status, attempts > 0 as retried, count(*)::int as count from messaging_messages
         where batch_id = $1 group by 1, 2`,
        [id],
      );
      const counts: StatusCounts = {
        queued: 0,
        deferred: 0,
        sending: 0,
        delivered: 0,
        failed: 0,
        'dead-lettered': 0,
      };
      for (const row of result.rows) {
        if (row.status === 'queued' && row.retried) counts.deferred += row.count;
        else counts[row.status] += row.count;
      }
      return counts;
    },

    async claim({ now, limit, leaseMs }) {
      return claimWhere('true', [], now, limit, leaseMs);
    },
    async claimIds({ ids, now, leaseMs }) {
      if (ids.length === 0) return [];
      return claimWhere('m.id = any($5::text[])', [[...ids]], now, ids.length, leaseMs);
    },
    async pendingPublication({ now, staleBefore, limit }) {
      const result = await client.query<{ id: string; publications: number }>(
        `(select m.id, m.publications, m.next_attempt_at from messaging_messages m
           where m.published_at is null and m.status in ('queued', 'sending') and m.next_attempt_at <= $1
             and ${released}
           order by m.next_attempt_at limit $3)
         union all
         (select m.id, m.publications, m.next_attempt_at from messaging_messages m
           where m.status in ('queued', 'sending') and m.next_attempt_at <= $2 and m.published_at < $2
             and ${released}
           order by m.next_attempt_at limit $3)
         order by next_attempt_at limit $3`,
        [now, staleBefore, limit],
      );
      return result.rows.map((row) => ({ id: row.id, publications: row.publications }));
    },
    async markPublished(items, at) {
      if (items.length === 0) return;
      await client.query(
        `update messaging_messages m set published_at = $2, publications = m.publications + 1
           from jsonb_to_recordset($1::jsonb) as v(id text, publications int)
          where m.id = v.id and m.publications = v.publications`,
        [JSON.stringify(items), at],
      );
    },
    async unpublish(id) {
      await client.query(
        `update messaging_messages set published_at = null where id = $1 and status = 'queued'`,
        [id],
      );
    },
    finish(input: { id: string; claimToken: string; outcome: AttemptOutcome }) {
      return new Promise<boolean>((resolve, reject) => {
        pending.push({ ...input, resolve, reject });
        if (!flushing) void flushFinishes();
      });
    },
    async countByStatus() {
      const result = await client.query<{ status: MessageStatus; count: number }>(
        'select status, count(*)::int as count from messaging_messages group by status',
      );
      const counts = Object.fromEntries(messageStatuses.map((status) => [status, 0])) as Record<
        MessageStatus,
        number
      >;
      for (const row of result.rows) counts[row.status] = row.count;
      return counts;
    },
  };
}
