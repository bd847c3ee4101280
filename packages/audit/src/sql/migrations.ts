import type { MigrationSet } from '@govblocks/core/sql';

/** The audit block's tables. Applied by {@link sqlAuditStore} through core's `migrate`. */
export const auditMigrations: MigrationSet = {
  namespace: 'audit',
  migrations: [
    {
      id: '0001_init',
      sql: `
create table audit_head (
  id smallint primary key check (id = 1),
  size bigint not null,
  root bytea not null,
  -- the compact range (right edge of the tree): 32-byte hashes, largest subtree first
  compact bytea not null
);
insert into audit_head (id, size, root, compact)
  values (1, 0, decode('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'hex'), ''::bytea);

create table audit_leaves (
  idx bigint primary key,
  leaf text not null,
  leaf_hash bytea not null,
  -- hashes of the perfect subtrees this leaf completed (levels 1, 2, …; 32 bytes each): node
  -- (level L, index j) is in the row of leaf (j + 1)·2^L − 1, so proofs read O(log n) rows by key
  nodes bytea not null,
  event_id uuid not null,
  time timestamptz not null,
  block text not null,
  action text not null,
  actor_id text not null,
  subject text,
  outcome text not null
);
create index audit_leaves_subject on audit_leaves (subject, idx) where subject is not null;
create index audit_leaves_actor on audit_leaves (actor_id, idx);
create index audit_leaves_action on audit_leaves (action, idx);
create index audit_leaves_block on audit_leaves (block, idx);
create index audit_leaves_time on audit_leaves (time, idx);

create table audit_subject_keys (
  pseudonym text primary key,
  key_id text not null,
  key bytea not null,
  created_at timestamptz not null default now()
);
`,
    },
  ],
};
