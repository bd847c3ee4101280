import type { Migration, MigrationSet } from '@govblocks/core/sql';

const init = `
create table payments_beneficiaries (
  functional_id text primary key,
  modality text,
  financial_address text,
  rail text,
  institution text,
  registered_by text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  version integer not null
);

create table payments_batches (
  batch_id text primary key,
  state text not null,
  version integer not null,
  doc jsonb not null
);

create table payments_instructions (
  batch_id text not null,
  instruction_id text not null,
  seq integer not null,
  payee_functional_id text not null,
  amount bigint not null check (amount > 0),
  currency text not null,
  rail text not null,
  modality text not null,
  financial_address text not null,
  institution text,
  narration text,
  state text not null,
  attempts integer not null,
  idempotency_key text not null,
  rail_reference text,
  failure_reason text,
  updated_at timestamptz not null,
  primary key (batch_id, instruction_id),
  unique (batch_id, payee_functional_id)
) with (fillfactor = 70);
-- No index covers a column that changes (state, attempts, rail reference…): every transition is
-- a HOT update that writes no index entry, and the free space (fillfactor) keeps it on its page.
-- Work is found by walking the (batch_id, seq) index with a cursor.
create unique index payments_instructions_key on payments_instructions (idempotency_key);
create index payments_instructions_seq on payments_instructions (batch_id, seq);

create table payments_held_rows (
  batch_id text not null,
  row_number integer not null,
  instruction_id text,
  payee_functional_id text,
  amount bigint,
  reason text not null,
  errors jsonb not null,
  primary key (batch_id, row_number)
);

create table payments_attempts (
  id bigserial not null,
  batch_id text not null,
  instruction_id text not null,
  kind text not null,
  attempt integer not null,
  outcome text not null,
  rail_reference text,
  reason text,
  at timestamptz not null,
  -- One index serves both reads (a batch, an instruction) and keeps appends cheap.
  primary key (batch_id, instruction_id, id)
);

create table payments_simulator_ledger (
  idempotency_key text primary key,
  reference text not null,
  amount bigint not null,
  currency text not null,
  financial_address text not null,
  status text not null,
  reason text,
  visible_at bigint not null
);
`;

const vouchers = `
create table payments_vouchers (
  serial_number text primary key,
  number_hash text not null unique,
  amount bigint not null,
  currency text not null,
  voucher_group text not null,
  state text not null,
  created_at timestamptz not null,
  expires_at timestamptz not null,
  updated_at timestamptz not null,
  rail_reference text,
  version integer not null
);
create index payments_vouchers_group on payments_vouchers (voucher_group, state);

create table payments_voucher_group_totals (
  voucher_group text not null,
  field text not null,
  total bigint not null,
  primary key (voucher_group, field)
);
`;

const outbox = `
-- The transactional outbox: the events (audit, payment status) a state change writes in the same
-- transaction as the change. One row per transaction and topic, holding its events in order;
-- \`acknowledged\` counts the events of the row already delivered. Delivered rows are deleted.
create table payments_outbox (
  id bigserial primary key,
  topic text not null,
  events text not null,
  size integer not null,
  acknowledged integer not null default 0
);
-- The events are JSON text (written once, read once, never queried inside: no jsonb
-- conversion), each payload stored as its difference from the previous one.
create index payments_outbox_topic on payments_outbox (topic, id);

-- Leases with fencing tokens: a batch being disbursed, the outbox relays. A lease is never
-- deleted, so its token only grows and a worker that lost its lease cannot write again.
create table payments_leases (
  name text primary key,
  holder text not null,
  token bigint not null,
  expires_at timestamptz not null
);
`;

const outboxStorage = `
-- Outbox rows are written once, read once and deleted: compress them with lz4 (several times
-- cheaper than the default pglz, which cost more than writing the row), or, where the server
-- has no lz4, not at all.
do $$
begin
  alter table payments_outbox alter column events set compression lz4;
exception when others then
  alter table payments_outbox alter column events set storage external;
end
$$;
`;

/** The ordered migrations of `@govblocks/payments`. */
export const paymentsMigrations: MigrationSet = {
  namespace: 'payments',
  migrations: [
    { id: '0001_init', sql: init },
    { id: '0002_vouchers', sql: vouchers },
    { id: '0003_outbox_leases', sql: outbox },
    { id: '0004_outbox_storage', sql: outboxStorage },
  ] satisfies Migration[],
};
