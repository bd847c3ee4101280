/**
 * `pnpm demo` — a small composition on the embedded database, until the flagship
 * social-cash-transfer example lands: a programme registers beneficiaries once (idempotently),
 * computes a payment run in exact minor units, and writes an audit event for every change.
 */
import {
  type ActorContext,
  allocateMoney,
  formatMoneyLocale,
  memoryAuditSink,
  memoryIdempotencyStore,
  newId,
  parseMoney,
  runIdempotent,
  sumMoney,
} from '@govblocks/core';
import { migrate, openDatabase } from '@govblocks/core/sql';

const officer: ActorContext = {
  actor: { type: 'operator', id: 'officer-7', roles: ['programme-officer'] },
};
const audit = memoryAuditSink();
const db = await openDatabase(process.env.DATABASE_URL);
const idempotency = memoryIdempotencyStore();
console.log(`database: ${db.kind === 'pglite' ? 'embedded PGlite (in memory)' : 'PostgreSQL'}`);

await migrate(db, {
  namespace: 'quickstart',
  migrations: [
    {
      id: '0001_beneficiary',
      sql: `create table beneficiary (id uuid primary key, name text not null, share int not null)`,
    },
  ],
});

const people = [
  { name: 'Amina', share: 2 },
  { name: 'Kofi', share: 1 },
  { name: 'Lindiwe', share: 1 },
];
// The same registration request sent twice (a client retry) registers once.
for (const attempt of [1, 2]) {
  const { replayed } = await runIdempotent({
    store: idempotency,
    scope: 'quickstart.register',
    key: 'enrolment-2026-11',
    request: people,
    run: async () => {
      await db.transaction(async (tx) => {
        for (const person of people) {
          await tx.query('insert into beneficiary (id, name, share) values ($1, $2, $3)', [
            newId(),
            person.name,
            person.share,
          ]);
        }
      });
      await audit.record({
        block: 'quickstart',
        action: 'beneficiary.registered',
        actor: officer.actor,
        outcome: 'success',
        details: { count: people.length },
      });
      return { registered: people.length };
    },
  });
  console.log(
    `registration attempt ${attempt}: ${replayed ? 'replayed (no second registration)' : 'registered'}`,
  );
}

const { rows } = await db.query<{ name: string; share: number }>(
  'select name, share from beneficiary order by name',
);
const budget = parseMoney('1000.00', 'KES');
const parts = allocateMoney(
  budget,
  rows.map((row) => row.share),
);
rows.forEach((row, index) => {
  console.log(`  ${row.name.padEnd(8)} ${formatMoneyLocale(parts[index]!, 'en-KE')}`);
});
const total = sumMoney(parts, 'KES');
console.log(
  `total ${formatMoneyLocale(total, 'en-KE')} — equals the budget: ${total.amount === budget.amount}`,
);
console.log(`audit events written: ${audit.events.length}`);
await db.close();
