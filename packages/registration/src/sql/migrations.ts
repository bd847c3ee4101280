import type { MigrationSet } from '@govblocks/core/sql';

/**
 * Tables of `@govblocks/registration`. Registry records live in one table per registry
 * (`registration_registry_<id>`), created when the registry is defined, so that each registry's
 * searchable fields get their own expression indexes.
 */
export const registrationMigrations: MigrationSet = {
  namespace: 'registration',
  migrations: [
    {
      id: '0001_registries',
      sql: `
        create table registration_registries (
          id serial primary key,
          name text not null,
          version text not null,
          definition jsonb not null,
          created_at timestamptz not null,
          modified_at timestamptz not null,
          unique (name, version)
        );`,
    },
    {
      id: '0002_applications',
      sql: `
        create table registration_services (
          id text primary key,
          key text not null,
          version integer not null,
          latest boolean not null,
          document jsonb not null,
          created_at timestamptz not null,
          unique (key, version)
        );
        create index registration_services_latest on registration_services (key) where latest;
        create table registration_applications (
          id text primary key,
          service_id text not null,
          service_key text not null,
          applicant_id text not null,
          status text not null,
          revision integer not null,
          document jsonb not null,
          created_at timestamptz not null
        );
        create index registration_applications_applicant on registration_applications (applicant_id, created_at desc, id desc);
        create index registration_applications_service on registration_applications (service_key, status);
        create table registration_tasks (
          id text primary key,
          application_id text not null,
          role text not null,
          status text not null,
          assignee_id text,
          revision integer not null,
          document jsonb not null,
          created_at timestamptz not null
        );
        create index registration_tasks_application on registration_tasks (application_id);
        create index registration_tasks_queue on registration_tasks (role, status, created_at, id);
        create table registration_documents (
          id text primary key,
          content bytea not null,
          content_type text not null,
          sha256 text not null,
          created_at timestamptz not null default now()
        );`,
    },
    {
      // Follow-up steps committed with a state change (issue the registry record of an
      // approval, open or cancel a bill) and finished after it; see reconcile().
      id: '0003_pending_steps',
      sql: `
        create table registration_pending_steps (
          id text primary key,
          application_id text not null,
          kind text not null,
          document jsonb not null,
          created_at timestamptz not null,
          done_at timestamptz
        );
        create index registration_pending_steps_open on registration_pending_steps (created_at, id) where done_at is null;`,
    },
    {
      // Registration events not delivered yet, written in the transaction of the change that
      // causes them (an outbox): \`seq\` is the delivery order, a row is deleted once delivered.
      id: '0004_event_outbox',
      sql: `
        create table registration_event_outbox (
          seq bigint generated always as identity primary key,
          id text not null unique,
          application_id text not null,
          document jsonb not null,
          created_at timestamptz not null,
          attempts integer not null default 0,
          last_error text
        );
        create index registration_event_outbox_application on registration_event_outbox (application_id, seq);`,
    },
  ],
};
