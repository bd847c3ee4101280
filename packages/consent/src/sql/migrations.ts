import type { Migration } from '@govblocks/core/sql';

/** The consent block's schema. Never edit an applied migration: add the next one. */
export const migrations: readonly Migration[] = [
  {
    id: '0001_init',
    sql: `
create table consent_objects (
  kind text not null,
  id text not null,
  revision_number integer not null,
  data jsonb not null,
  primary key (kind, id)
);
create index consent_objects_agreement_purpose on consent_objects ((data->>'purpose')) where kind = 'DataAgreement';
create index consent_objects_agreement_policy on consent_objects ((data->>'policyId')) where kind = 'DataAgreement';
create index consent_objects_individual_external on consent_objects ((data->>'externalId')) where kind = 'Individual';
create unique index consent_objects_individual_unique on consent_objects (
  (data->>'externalId'), coalesce(data->>'externalIdType', ''), coalesce(data->>'identityProviderId', '')
) where kind = 'Individual' and data ? 'externalId';

create table consent_records (
  id text primary key,
  individual_id text not null,
  data_agreement_id text not null,
  data_agreement_revision_id text not null,
  opt_in boolean,
  revision_number integer not null,
  created_at timestamptz not null,
  data jsonb not null,
  unique (individual_id, data_agreement_revision_id)
);
create index consent_records_lookup on consent_records (individual_id, data_agreement_id, created_at desc, id desc);
create index consent_records_agreement on consent_records (data_agreement_id, created_at desc);

create table consent_revisions (
  id text primary key,
  schema_name text not null,
  object_id text not null,
  number integer not null,
  data jsonb not null,
  unique (schema_name, object_id, number)
);

create table consent_signatures (
  id text primary key,
  consent_record_id text not null,
  data jsonb not null
);
create index consent_signatures_record on consent_signatures (consent_record_id);

create table consent_outbox (
  id text primary key,
  webhook_id text not null,
  event_type text not null,
  payload jsonb not null,
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  created_at timestamptz not null,
  delivered_at timestamptz,
  last_error text
);
create index consent_outbox_due on consent_outbox (next_attempt_at) where delivered_at is null;
`,
  },
];
