import type { BeginResult, IdempotencyStore } from '../idempotency.js';
import { type MigrationSet, migrate } from './migrate.js';
import type { SqlClient } from './sql-client.js';

/**
 * The table behind {@link sqlIdempotencyStore}, under the `core` migration namespace. `until` is
 * the lease end while a request is in flight and the expiry once it completed.
 */
export const idempotencyMigrations: MigrationSet = {
  namespace: 'core',
  migrations: [
    {
      id: '0001_idempotency',
      sql: `
        create table govblocks_idempotency (
          scope text not null,
          key text not null,
          request_hash text not null,
          state text not null check (state in ('in_flight', 'completed')),
          response jsonb,
          until timestamptz not null,
          created_at timestamptz not null default now(),
          primary key (scope, key)
        );
        create index govblocks_idempotency_expiry on govblocks_idempotency (until) where state = 'completed';
      `,
    },
  ],
};

export interface SqlIdempotencyStoreOptions {
  /**
   * Apply {@link idempotencyMigrations} on first use. Default true; set false when the
   * application runs migrations itself (`migrate(client, idempotencyMigrations)`).
   */
  migrate?: boolean;
}

interface Row {
  request_hash: string;
  state: 'in_flight' | 'completed';
  response: unknown;
  until: Date;
}

/**
 * An {@link IdempotencyStore} on the SQL port (PGlite or PostgreSQL), shared by every instance
 * of a service. `begin` is one atomic `INSERT … ON CONFLICT DO UPDATE … WHERE <expired>`: a new
 * key, a finished key past its time, or an in-flight claim whose lease ran out (its process
 * died) is claimed by exactly one caller; everyone else reads the row that stands. If a claim
 * outlives its lease and is taken over, both commands may run; the first to finish is stored
 * (set `leaseMs` longer than the command can take).
 *
 * @example
 * const store = sqlIdempotencyStore(await openDatabase(process.env.DATABASE_URL));
 * await runIdempotent({ store, scope: 'payments.createBatch', key, request, run });
 */
export function sqlIdempotencyStore(
  client: SqlClient,
  options: SqlIdempotencyStoreOptions = {},
): IdempotencyStore {
  let ready: Promise<unknown> | undefined;
  const ensure = () => {
    if (options.migrate === false) return Promise.resolve();
    ready ??= migrate(client, idempotencyMigrations).catch((error: unknown) => {
      ready = undefined;
      throw error;
    });
    return ready;
  };

  return {
    async begin({ scope, key, requestHash, now, leaseMs }): Promise<BeginResult> {
      await ensure();
      const at = now.toISOString();
      const leaseEnd = new Date(now.getTime() + leaseMs).toISOString();
      // A claim can vanish (released) or lapse between our insert and our read: try again then.
      for (let round = 0; round < 5; round++) {
        const claimed = await client.query(
          `insert into govblocks_idempotency (scope, key, request_hash, state, response, until)
           values ($1, $2, $3, 'in_flight', null, $4::timestamptz)
           on conflict (scope, key) do update
             set request_hash = excluded.request_hash, state = 'in_flight', response = null,
                 until = excluded.until, created_at = now()
             where govblocks_idempotency.until <= $5::timestamptz
           returning 1 as claimed`,
          [scope, key, requestHash, leaseEnd, at],
        );
        if (claimed.rows.length === 1) return { status: 'started' };
        const existing = await client.query<Row>(
          'select request_hash, state, response, until from govblocks_idempotency where scope = $1 and key = $2',
          [scope, key],
        );
        const row = existing.rows[0];
        if (!row || row.until.getTime() <= now.getTime()) continue;
        if (row.request_hash !== requestHash) return { status: 'mismatch' };
        if (row.state === 'completed') return { status: 'replay', response: row.response };
        return {
          status: 'in_flight',
          retryAfterSeconds: Math.max(1, Math.ceil((row.until.getTime() - now.getTime()) / 1000)),
        };
      }
      // Only reachable under pathological churn on one key; the caller may retry.
      return { status: 'in_flight', retryAfterSeconds: 1 };
    },

    async complete({ scope, key, response, now, ttlMs }) {
      await ensure();
      await client.query(
        `update govblocks_idempotency set state = 'completed', response = $3::jsonb, until = $4::timestamptz
         where scope = $1 and key = $2 and state = 'in_flight'`,
        [
          scope,
          key,
          JSON.stringify(response ?? null),
          new Date(now.getTime() + ttlMs).toISOString(),
        ],
      );
    },

    async release({ scope, key }) {
      await ensure();
      await client.query(
        `delete from govblocks_idempotency where scope = $1 and key = $2 and state = 'in_flight'`,
        [scope, key],
      );
    },

    async purgeExpired(now) {
      await ensure();
      const result = await client.query(
        `delete from govblocks_idempotency where state = 'completed' and until <= $1::timestamptz`,
        [now.toISOString()],
      );
      return result.rowCount;
    },
  };
}
