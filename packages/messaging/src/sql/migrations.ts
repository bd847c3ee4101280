import type { MigrationSet } from '@govblocks/core/sql';

/** The messaging block's tables. Applied by `sqlMessagingStore` (or `migrate(client, messagingMigrations)`). */
export const messagingMigrations: MigrationSet = {
  namespace: 'messaging',
  migrations: [
    {
      id: '0001_outbox',
      sql: `
create table messaging_templates (
  id text not null,
  version integer not null,
  body jsonb not null,
  created_at timestamptz not null,
  primary key (id, version)
);
create table messaging_batches (
  id text primary key,
  idempotency_key text not null unique,
  request_hash text not null,
  accepted integer not null default 0,
  released boolean not null default false,
  created_at timestamptz not null
);
create index messaging_batches_unreleased on messaging_batches (id) where not released;
create table messaging_messages (
  id text primary key,
  idempotency_key text not null unique,
  request_hash text not null,
  batch_id text,
  status text not null check (status in ('queued', 'sending', 'delivered', 'failed', 'dead-lettered')),
  attempts integer not null default 0,
  next_attempt_at timestamptz,
  claim_token text,
  body jsonb not null,
  last_error jsonb,
  delivered_by text,
  provider_message_id text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  delivered_at timestamptz
);
create index messaging_messages_due on messaging_messages (next_attempt_at) where status in ('queued', 'sending');
create index messaging_messages_batch on messaging_messages (batch_id) where batch_id is not null;
`,
    },
    {
      id: '0002_rate_windows',
      sql: `
create table messaging_rate_windows (
  key text not null,
  window_ms bigint not null,
  window_start timestamptz not null,
  window_end timestamptz not null,
  count integer not null,
  primary key (key, window_ms, window_start)
);
create index messaging_rate_windows_end on messaging_rate_windows (window_end);
`,
    },
    {
      // Queue mode: the relay records what it published to the message queue.
      id: '0003_queue_publications',
      sql: `
alter table messaging_messages add column published_at timestamptz;
alter table messaging_messages add column publications integer not null default 0;
create index messaging_messages_unpublished on messaging_messages (next_attempt_at)
  where published_at is null and status in ('queued', 'sending');
`,
    },
  ],
};
