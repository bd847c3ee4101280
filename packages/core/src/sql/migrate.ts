import { createHash } from 'node:crypto';
import { ConfigurationError } from '../errors.js';
import type { SqlClient } from './sql-client.js';

/** One schema change of a package. Ids sort in the order they apply: `0001_init`, `0002_…`. */
export interface Migration {
  id: string;
  sql: string;
}

/** A package's migrations under its namespace (`consent`, `payments`, …). */
export interface MigrationSet {
  namespace: string;
  migrations: readonly Migration[];
}

const lockKey = 7_201_905_113; // one advisory lock for every govblocks migration

/**
 * Applies the migrations of `set` that are not applied yet, in id order, each in its own
 * transaction. A transaction-scoped advisory lock serialises concurrent runners (two instances
 * starting at once), and each migration is re-checked under the lock, so it runs exactly once.
 * An applied migration whose SQL has since changed is refused (its checksum is kept).
 *
 * Returns the ids applied by this call.
 */
export async function migrate(client: SqlClient, set: MigrationSet): Promise<string[]> {
  const ids = set.migrations.map((migration) => migration.id);
  const sorted = [...ids].sort();
  if (ids.some((id, index) => id !== sorted[index]) || new Set(ids).size !== ids.length) {
    throw new ConfigurationError(
      `[core/sql] migrations of '${set.namespace}' must have unique ids in sorted order`,
    );
  }
  const applied: string[] = [];
  for (const migration of set.migrations) {
    const checksum = createHash('sha256').update(migration.sql).digest('hex');
    const ran = await client.transaction(async (tx) => {
      await tx.query('select pg_advisory_xact_lock($1)', [lockKey]);
      await tx.execute(
        `create table if not exists govblocks_migrations (
           namespace text not null,
           id text not null,
           checksum text not null,
           applied_at timestamptz not null default now(),
           primary key (namespace, id))`,
      );
      const existing = await tx.query<{ checksum: string }>(
        'select checksum from govblocks_migrations where namespace = $1 and id = $2',
        [set.namespace, migration.id],
      );
      const row = existing.rows[0];
      if (row) {
        if (row.checksum !== checksum) {
          throw new ConfigurationError(
            `[core/sql] migration ${set.namespace}/${migration.id} was changed after it was applied`,
          );
        }
        return false;
      }
      await tx.execute(migration.sql);
      await tx.query(
        'insert into govblocks_migrations (namespace, id, checksum) values ($1, $2, $3)',
        [set.namespace, migration.id, checksum],
      );
      return true;
    });
    if (ran) applied.push(migration.id);
  }
  return applied;
}
