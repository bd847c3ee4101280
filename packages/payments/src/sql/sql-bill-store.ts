import { type AuditEventInput, ConflictError } from '@govblocks/core';
import { type MigrationSet, migrate, type SqlClient, type SqlExecutor } from '@govblocks/core/sql';
import type {
  BillAuditWrite,
  BillInquiryRecord,
  BillPaymentStore,
  StoredBillPayment,
  StoredRequestToPay,
} from '../bills/ports.js';
import type { BillPaymentState, RtpState } from '../bills/state-machine.js';

/**
 * The tables of P2G bill payments, in the `payments` migration namespace. Their ids are apart
 * from the G2P migrations' (`0001_…`) so the two sets evolve without colliding.
 */
export const billPaymentMigrations: MigrationSet = {
  namespace: 'payments',
  migrations: [
    {
      id: 'p2g_0001_bills',
      sql: `
create table payments_bill_inquiries (
  inquiry_id text primary key,
  bill_id text not null,
  biller_id text not null,
  currency text not null,
  outstanding bigint not null,
  request_id text,
  inquired_at timestamptz not null
);

-- The running paid total of each bill: the one row every payment of a bill must update, so
-- concurrent payments serialise on it and can never together pay more than the bill asks.
create table payments_bill_totals (
  biller_id text not null,
  bill_id text not null,
  paid bigint not null check (paid >= 0),
  primary key (biller_id, bill_id)
);

create table payments_bill_payments (
  payment_id text primary key,
  idempotency_scope text not null,
  idempotency_key text not null,
  request_hash text not null,
  bill_id text not null,
  biller_id text not null,
  amount bigint not null check (amount > 0),
  currency text not null,
  method text not null,
  payment_reference text not null,
  inquiry_id text,
  rtp_id text,
  state text not null,
  reject_reason text,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  unique (idempotency_scope, idempotency_key)
);
-- The advice resend queue: only payments still waiting for their biller.
create index payments_bill_payments_open on payments_bill_payments (created_at)
  where state in ('pending', 'recorded');

create table payments_requests_to_pay (
  biller_id text not null,
  rtp_id text not null,
  bill_id text not null,
  payer jsonb not null,
  amount bigint not null check (amount > 0),
  currency text not null,
  state text not null,
  expires_at timestamptz not null,
  callback_url text,
  reason text,
  payment_id text,
  payment_reference text,
  request_hash text not null,
  created_at timestamptz not null,
  updated_at timestamptz not null,
  primary key (biller_id, rtp_id)
);
`,
    },
    {
      id: 'p2g_0002_bill_audit_outbox',
      sql: `
-- The audit outbox of bill payments: each change's audit events, inserted in the change's
-- transaction and deleted once the relay has forwarded them to the AuditSink (oldest first).
create table payments_bill_audit_outbox (
  id bigserial primary key,
  event text not null
);
`,
    },
  ],
};

type Row = Record<string, unknown>;
const iso = (value: unknown) =>
  (value instanceof Date ? value : new Date(String(value))).toISOString();
const optional = <K extends string>(key: K, value: unknown): Partial<Record<K, string>> =>
  value === null || value === undefined ? {} : ({ [key]: String(value) } as Record<K, string>);

function toPayment(row: Row): StoredBillPayment {
  return {
    paymentId: String(row.payment_id),
    billId: String(row.bill_id),
    billerId: String(row.biller_id),
    amount: { amount: Number(row.amount), currency: String(row.currency) },
    method: row.method as StoredBillPayment['method'],
    paymentReference: String(row.payment_reference),
    ...optional('inquiryId', row.inquiry_id),
    ...optional('rtpId', row.rtp_id),
    state: row.state as BillPaymentState,
    ...optional('rejectReason', row.reject_reason),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    idempotencyScope: String(row.idempotency_scope),
    idempotencyKey: String(row.idempotency_key),
    requestHash: String(row.request_hash),
  };
}

function toRtp(row: Row): StoredRequestToPay {
  return {
    billerId: String(row.biller_id),
    rtpId: String(row.rtp_id),
    billId: String(row.bill_id),
    payer: row.payer as StoredRequestToPay['payer'],
    amount: { amount: Number(row.amount), currency: String(row.currency) },
    state: row.state as RtpState,
    expiresAt: iso(row.expires_at),
    ...optional('callbackUrl', row.callback_url),
    ...optional('reason', row.reason),
    ...optional('paymentId', row.payment_id),
    ...optional('paymentReference', row.payment_reference),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    requestHash: String(row.request_hash),
  };
}

function toInquiry(row: Row): BillInquiryRecord {
  return {
    inquiryId: String(row.inquiry_id),
    billId: String(row.bill_id),
    billerId: String(row.biller_id),
    currency: String(row.currency),
    outstanding: Number(row.outstanding),
    ...optional('requestId', row.request_id),
    inquiredAt: iso(row.inquired_at),
  };
}

/** Thrown inside a transaction to roll it back when the bill's total would be exceeded. */
class Exceeds extends Error {}

/**
 * A {@link BillPaymentStore} on PostgreSQL (or PGlite). Applies {@link billPaymentMigrations}.
 * A bill's paid total is one row updated with a guarded upsert in the payment's transaction, so
 * two instances taking payments of one bill at once can never overpay it.
 *
 * @example
 * const bills = createBillPaymentService({ store: await sqlBillPaymentStore(db), billers, audit });
 */
export async function sqlBillPaymentStore(client: SqlClient): Promise<BillPaymentStore> {
  await migrate(client, billPaymentMigrations);
  /** The events of a write, serialised before its transaction opens. */
  const eventsOf = (options: BillAuditWrite | undefined) =>
    (options?.audit ?? []).map((event) => JSON.stringify(event));
  /** Inserts a write's events in its transaction (in order, so their ids follow it). */
  const writeAudit = async (tx: SqlExecutor, events: readonly string[]) => {
    for (const event of events)
      await tx.query('insert into payments_bill_audit_outbox (event) values ($1)', [event]);
  };
  const getPayment = async (paymentId: string) => {
    const result = await client.query<Row>(
      'select * from payments_bill_payments where payment_id = $1',
      [paymentId],
    );
    return result.rows[0] ? toPayment(result.rows[0]) : undefined;
  };
  const getPaymentByKey = async (scope: string, key: string) => {
    const result = await client.query<Row>(
      'select * from payments_bill_payments where idempotency_scope = $1 and idempotency_key = $2',
      [scope, key],
    );
    return result.rows[0] ? toPayment(result.rows[0]) : undefined;
  };
  const paidTotal = async (billerId: string, billId: string) => {
    const result = await client.query<{ paid: number }>(
      'select paid from payments_bill_totals where biller_id = $1 and bill_id = $2',
      [billerId, billId],
    );
    return result.rows[0] ? Number(result.rows[0].paid) : 0;
  };

  return {
    kind: 'sql',
    async insertInquiry(inquiry, options) {
      const events = eventsOf(options);
      await client.transaction(async (tx) => {
        const result = await tx.query(
          `insert into payments_bill_inquiries (inquiry_id, bill_id, biller_id, currency, outstanding, request_id, inquired_at)
         values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing`,
          [
            inquiry.inquiryId,
            inquiry.billId,
            inquiry.billerId,
            inquiry.currency,
            inquiry.outstanding,
            inquiry.requestId ?? null,
            inquiry.inquiredAt,
          ],
        );
        if (result.rowCount !== 1) throw new ConflictError('[payments/sql] inquiry exists');
        await writeAudit(tx, events);
      });
    },
    async getInquiry(inquiryId) {
      const result = await client.query<Row>(
        'select * from payments_bill_inquiries where inquiry_id = $1',
        [inquiryId],
      );
      return result.rows[0] ? toInquiry(result.rows[0]) : undefined;
    },
    paidTotal,
    async recordPayment(payment, limit, options) {
      const events = eventsOf(options);
      try {
        return await client.transaction(async (tx) => {
          const inserted = await tx.query(
            `insert into payments_bill_payments (payment_id, idempotency_scope, idempotency_key, request_hash, bill_id,
               biller_id, amount, currency, method, payment_reference, inquiry_id, rtp_id, state, reject_reason,
               created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
             on conflict (idempotency_scope, idempotency_key) do nothing
             returning payment_id`,
            [
              payment.paymentId,
              payment.idempotencyScope,
              payment.idempotencyKey,
              payment.requestHash,
              payment.billId,
              payment.billerId,
              payment.amount.amount,
              payment.amount.currency,
              payment.method,
              payment.paymentReference,
              payment.inquiryId ?? null,
              payment.rtpId ?? null,
              payment.state,
              payment.rejectReason ?? null,
              payment.createdAt,
              payment.updatedAt,
            ],
          );
          if (inserted.rows.length === 0) {
            const existing = await tx.query<Row>(
              'select * from payments_bill_payments where idempotency_scope = $1 and idempotency_key = $2',
              [payment.idempotencyScope, payment.idempotencyKey],
            );
            return { status: 'duplicate' as const, existing: toPayment(existing.rows[0]!) };
          }
          const total = await tx.query(
            `insert into payments_bill_totals as t (biller_id, bill_id, paid)
             select $1, $2, $3::bigint where $3::bigint <= $4::bigint
             on conflict (biller_id, bill_id) do update set paid = t.paid + excluded.paid
               where t.paid + excluded.paid <= $4::bigint
             returning paid`,
            [payment.billerId, payment.billId, payment.amount.amount, limit],
          );
          if (total.rows.length === 0) throw new Exceeds();
          await writeAudit(tx, events);
          return { status: 'recorded' as const };
        });
      } catch (error) {
        if (!(error instanceof Exceeds)) throw error;
        return { status: 'exceeds', paid: await paidTotal(payment.billerId, payment.billId) };
      }
    },
    getPayment,
    getPaymentByKey,
    async releasePayment(paymentId) {
      return client.transaction(async (tx) => {
        const deleted = await tx.query<Row>(
          `delete from payments_bill_payments where payment_id = $1 and state = 'pending'
           returning biller_id, bill_id, amount`,
          [paymentId],
        );
        const row = deleted.rows[0];
        if (!row) return false;
        await tx.query(
          'update payments_bill_totals set paid = paid - $3 where biller_id = $1 and bill_id = $2',
          [row.biller_id, row.bill_id, row.amount],
        );
        return true;
      });
    },
    async updatePayment(payment, from, options) {
      const events = eventsOf(options);
      return client.transaction(async (tx) => {
        const updated = await tx.query<Row>(
          `update payments_bill_payments set state = $2, reject_reason = $3, updated_at = $4
           where payment_id = $1 and state = $5 returning biller_id, bill_id, amount`,
          [payment.paymentId, payment.state, payment.rejectReason ?? null, payment.updatedAt, from],
        );
        const row = updated.rows[0];
        if (!row) return false;
        if (payment.state === 'rejected') {
          await tx.query(
            'update payments_bill_totals set paid = paid - $3 where biller_id = $1 and bill_id = $2',
            [row.biller_id, row.bill_id, row.amount],
          );
        }
        await writeAudit(tx, events);
        return true;
      });
    },
    async listPayments(state, limit) {
      const result = await client.query<Row>(
        'select * from payments_bill_payments where state = $1 order by created_at, payment_id limit $2',
        [state, limit],
      );
      return result.rows.map(toPayment);
    },
    async insertRequestToPay(rtp, options) {
      const events = eventsOf(options);
      const inserted = await client.transaction(async (tx) => {
        const result = await tx.query(
          `insert into payments_requests_to_pay (biller_id, rtp_id, bill_id, payer, amount, currency, state, expires_at,
           callback_url, reason, payment_id, payment_reference, request_hash, created_at, updated_at)
         values ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
         on conflict (biller_id, rtp_id) do nothing`,
          [
            rtp.billerId,
            rtp.rtpId,
            rtp.billId,
            JSON.stringify(rtp.payer),
            rtp.amount.amount,
            rtp.amount.currency,
            rtp.state,
            rtp.expiresAt,
            rtp.callbackUrl ?? null,
            rtp.reason ?? null,
            rtp.paymentId ?? null,
            rtp.paymentReference ?? null,
            rtp.requestHash,
            rtp.createdAt,
            rtp.updatedAt,
          ],
        );
        if (result.rowCount === 1) await writeAudit(tx, events);
        return result.rowCount === 1;
      });
      if (inserted) return { status: 'inserted' };
      const existing = await client.query<Row>(
        'select * from payments_requests_to_pay where biller_id = $1 and rtp_id = $2',
        [rtp.billerId, rtp.rtpId],
      );
      return { status: 'exists', existing: toRtp(existing.rows[0]!) };
    },
    async getRequestToPay(key) {
      const result = await client.query<Row>(
        'select * from payments_requests_to_pay where biller_id = $1 and rtp_id = $2',
        [key.billerId, key.rtpId],
      );
      return result.rows[0] ? toRtp(result.rows[0]) : undefined;
    },
    async updateRequestToPay(rtp, from, options) {
      const events = eventsOf(options);
      return client.transaction(async (tx) => {
        const result = await tx.query(
          `update payments_requests_to_pay set state = $3, reason = $4, payment_id = $5, payment_reference = $6,
           updated_at = $7
         where biller_id = $1 and rtp_id = $2 and state = $8`,
          [
            rtp.billerId,
            rtp.rtpId,
            rtp.state,
            rtp.reason ?? null,
            rtp.paymentId ?? null,
            rtp.paymentReference ?? null,
            rtp.updatedAt,
            from,
          ],
        );
        if (result.rowCount !== 1) return false;
        await writeAudit(tx, events);
        return true;
      });
    },
    async readAuditOutbox(limit) {
      const result = await client.query<Row>(
        'select id, event from payments_bill_audit_outbox order by id limit $1',
        [limit],
      );
      return result.rows.map((row) => ({
        position: Number(row.id),
        event: JSON.parse(String(row.event)) as AuditEventInput,
      }));
    },
    async acknowledgeAuditOutbox(positions) {
      if (positions.length === 0) return;
      await client.query(
        `delete from payments_bill_audit_outbox
         where id in (select jsonb_array_elements_text($1::jsonb)::bigint)`,
        [JSON.stringify(positions)],
      );
    },
    async auditOutboxBacklog() {
      const result = await client.query<{ count: unknown }>(
        'select count(*)::integer as count from payments_bill_audit_outbox',
      );
      return Number(result.rows[0]?.count ?? 0);
    },
  };
}
