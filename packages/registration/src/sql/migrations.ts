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
  ],
};
