import type { SqlClient } from '@govblocks/core/sql';
import { migrate } from '@govblocks/core/sql';
import { registrationMigrations } from '../src/sql/migrations.js';

/**
 * Empties the registration tables (and drops per-registry tables) without dropping the schema:
 * much cheaper between tests than re-creating the schema and re-running migrations.
 */
export async function cleanRegistrationTables(client: SqlClient): Promise<void> {
  await migrate(client, registrationMigrations);
  const { rows } = await client.query<{ tablename: string }>(
    `select tablename from pg_tables where schemaname = current_schema() and tablename ~ '^registration_registry_[0-9]+$'`,
  );
  const drops = rows.map((row) => `drop table if exists ${row.tablename};`).join('\n');
  await client.execute(`${drops}
    truncate registration_registries restart identity;
    truncate registration_services, registration_applications, registration_tasks, registration_documents, registration_pending_steps, registration_event_outbox;`);
}
