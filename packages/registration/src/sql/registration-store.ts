import type { SqlClient, SqlExecutor } from '@govblocks/core/sql';
import { migrate } from '@govblocks/core/sql';
import type {
  DocumentStore,
  PendingStep,
  QueuedRegistrationEvent,
  RegistrationEvent,
  RegistrationStore,
  RegistrationStoreTx,
} from '../registration/ports.js';
import type { Application, EForm, EService, Task } from '../registration/schemas.js';
import { registrationMigrations } from './migrations.js';

function operations(executor: SqlExecutor): RegistrationStoreTx {
  const documents = async <T>(text: string, params: unknown[]): Promise<T[]> =>
    (await executor.query<{ document: T }>(text, params)).rows.map((row) => row.document);

  return {
    async saveService(service) {
      await executor.query(
        `insert into registration_services (id, key, version, latest, document, created_at) values ($1, $2, $3, $4, $5::jsonb, $6)`,
        [
          service.id,
          service.key,
          service.version,
          service.latest,
          JSON.stringify(service),
          service.createdAt,
        ],
      );
    },
    async markSuperseded(key, latestId) {
      await executor.query(
        `update registration_services set latest = (id = $2), document = jsonb_set(document, '{latest}', to_jsonb(id = $2))
          where key = $1 and (latest or id = $2)`,
        [key, latestId],
      );
    },
    async getService(id) {
      return (
        await documents<EService>('select document from registration_services where id = $1', [id])
      )[0];
    },
    async getLatestService(key) {
      return (
        await documents<EService>(
          'select document from registration_services where key = $1 and latest',
          [key],
        )
      )[0];
    },
    async listLatestServices() {
      return documents<EService>(
        'select document from registration_services where latest order by key',
        [],
      );
    },
    async getEForm(eFormId) {
      const { rows } = await executor.query<{ form: EForm }>(
        `select form from registration_services, jsonb_array_elements(document -> 'eForms') as form where form ->> 'id' = $1 limit 1`,
        [eFormId],
      );
      return rows[0]?.form;
    },
    async insertApplication(application) {
      await executor.query(
        `insert into registration_applications (id, service_id, service_key, applicant_id, status, revision, document, created_at)
         values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
        [
          application.id,
          application.serviceId,
          application.serviceKey,
          application.applicantId,
          application.status,
          application.revision,
          JSON.stringify(application),
          application.createdAt,
        ],
      );
    },
    async updateApplication(application, expectedRevision) {
      const { rowCount } = await executor.query(
        `update registration_applications set status = $2, revision = $3, document = $4::jsonb where id = $1 and revision = $5`,
        [
          application.id,
          application.status,
          application.revision,
          JSON.stringify(application),
          expectedRevision,
        ],
      );
      return rowCount === 1;
    },
    async getApplication(id, options) {
      return (
        await documents<Application>(
          `select document from registration_applications where id = $1${options?.forUpdate ? ' for update' : ''}`,
          [id],
        )
      )[0];
    },
    async listApplications(filter) {
      const conditions: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        conditions.push(sql.replace('?', `$${params.length}`));
      };
      if (filter.serviceId !== undefined) add('service_id = ?', filter.serviceId);
      if (filter.serviceKey !== undefined) add('service_key = ?', filter.serviceKey);
      if (filter.applicantId !== undefined) add('applicant_id = ?', filter.applicantId);
      if (filter.status !== undefined) add('status = ?', filter.status);
      if (filter.statuses !== undefined) add('status = any(?::text[])', [...filter.statuses]);
      params.push(filter.limit, filter.offset);
      return documents<Application>(
        `select document from registration_applications where ${conditions.join(' and ') || 'true'}
          order by created_at desc, id desc limit $${params.length - 1} offset $${params.length}`,
        params,
      );
    },
    async insertTask(task) {
      await executor.query(
        `insert into registration_tasks (id, application_id, role, status, assignee_id, revision, document, created_at)
         values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8)`,
        [
          task.id,
          task.applicationId,
          task.role,
          task.status,
          task.assigneeId ?? null,
          task.revision,
          JSON.stringify(task),
          task.createdAt,
        ],
      );
    },
    async updateTask(task, expectedRevision) {
      const { rowCount } = await executor.query(
        `update registration_tasks set status = $2, assignee_id = $3, revision = $4, document = $5::jsonb where id = $1 and revision = $6`,
        [
          task.id,
          task.status,
          task.assigneeId ?? null,
          task.revision,
          JSON.stringify(task),
          expectedRevision,
        ],
      );
      return rowCount === 1;
    },
    async getTask(id, options) {
      return (
        await documents<Task>(
          `select document from registration_tasks where id = $1${options?.forUpdate ? ' for update' : ''}`,
          [id],
        )
      )[0];
    },
    async listTasks(filter) {
      const conditions: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, value: unknown) => {
        params.push(value);
        conditions.push(sql.replace('?', `$${params.length}`));
      };
      if (filter.applicationId !== undefined) add('application_id = ?', filter.applicationId);
      if (filter.assigneeId !== undefined) add('assignee_id = ?', filter.assigneeId);
      if (filter.status !== undefined) add('status = ?', filter.status);
      if (filter.roles !== undefined) add('role = any(?::text[])', [...filter.roles]);
      params.push(filter.limit, filter.offset);
      return documents<Task>(
        `select document from registration_tasks where ${conditions.join(' and ') || 'true'}
          order by created_at, id limit $${params.length - 1} offset $${params.length}`,
        params,
      );
    },
    async insertPendingStep(step) {
      await executor.query(
        `insert into registration_pending_steps (id, application_id, kind, document, created_at, done_at)
         values ($1, $2, $3, $4::jsonb, $5, $6) on conflict (id) do nothing`,
        [
          step.id,
          step.applicationId,
          step.kind,
          JSON.stringify(step),
          step.createdAt,
          step.doneAt ?? null,
        ],
      );
    },
    async getPendingStep(id, options) {
      return (
        await documents<PendingStep>(
          `select document from registration_pending_steps where id = $1${options?.forUpdate ? ' for update' : ''}`,
          [id],
        )
      )[0];
    },
    async updatePendingStep(step) {
      await executor.query(
        'update registration_pending_steps set document = $2::jsonb, done_at = $3 where id = $1',
        [step.id, JSON.stringify(step), step.doneAt ?? null],
      );
    },
    async listPendingSteps(filter) {
      const params: unknown[] = [filter.limit];
      let condition = '';
      if (filter.applicationId !== undefined) {
        params.push(filter.applicationId);
        condition = ' and application_id = $2';
      }
      return documents<PendingStep>(
        `select document from registration_pending_steps where done_at is null${condition}
          order by created_at, id limit $1`,
        params,
      );
    },
    async enqueueEvents(events) {
      // One row at a time: identity values follow the statement order, which is delivery order.
      for (const event of events) {
        await executor.query(
          `insert into registration_event_outbox (id, application_id, document, created_at)
           values ($1, $2, $3::jsonb, $4) on conflict (id) do nothing`,
          [event.id, event.applicationId, JSON.stringify(event), event.at],
        );
      }
    },
    async listQueuedEvents(filter) {
      const params: unknown[] = [filter.limit];
      let condition = '';
      if (filter.applicationId !== undefined) {
        params.push(filter.applicationId);
        condition = 'where application_id = $2';
      }
      const { rows } = await executor.query<{
        document: RegistrationEvent;
        attempts: number;
        last_error: string | null;
      }>(
        `select document, attempts, last_error from registration_event_outbox ${condition}
          order by seq limit $1`,
        params,
      );
      return rows.map(
        (row): QueuedRegistrationEvent => ({
          event: row.document,
          attempts: row.attempts,
          ...(row.last_error !== null ? { lastError: row.last_error } : {}),
        }),
      );
    },
    async deleteQueuedEvent(id) {
      await executor.query('delete from registration_event_outbox where id = $1', [id]);
    },
    async recordEventFailure(id, error) {
      await executor.query(
        'update registration_event_outbox set attempts = attempts + 1, last_error = $2 where id = $1',
        [id, error],
      );
    },
  };
}

/**
 * A {@link RegistrationStore} on PostgreSQL (or PGlite): services, applications and tasks as
 * JSONB documents with the columns they are queried by, and optimistic revisions.
 *
 * @example
 * const store = await createSqlRegistrationStore(client);
 */
export async function createSqlRegistrationStore(
  client: SqlClient,
  options: { migrate?: boolean } = {},
): Promise<RegistrationStore> {
  if (options.migrate !== false) await migrate(client, registrationMigrations);
  return {
    read: operations(client),
    transaction: (fn) => client.transaction((tx) => fn(operations(tx))),
  };
}

/** Document bytes in PostgreSQL (`bytea`), next to the applications. */
export async function createSqlDocumentStore(
  client: SqlClient,
  options: { migrate?: boolean } = {},
): Promise<DocumentStore> {
  if (options.migrate !== false) await migrate(client, registrationMigrations);
  return {
    async put(id, content, meta) {
      await client.query(
        `insert into registration_documents (id, content, content_type, sha256) values ($1, $2, $3, $4)
         on conflict (id) do nothing`,
        [id, content, meta.contentType, meta.sha256],
      );
    },
    async get(id) {
      const { rows } = await client.query<{ content: Uint8Array }>(
        'select content from registration_documents where id = $1',
        [id],
      );
      return rows[0] ? new Uint8Array(rows[0].content) : undefined;
    },
    async delete(id) {
      await client.query('delete from registration_documents where id = $1', [id]);
    },
  };
}
