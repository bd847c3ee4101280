import { ConflictError } from '@govblocks/core';
import type { SqlClient } from '@govblocks/core/sql';
import type { Voucher, VoucherState, VoucherStore } from '../vouchers/voucher-service.js';
import { migratePayments } from './sql-store.js';

type Row = Record<string, unknown>;
const iso = (value: unknown) =>
  (value instanceof Date ? value : new Date(String(value))).toISOString();

function toVoucher(row: Row): Voucher {
  return {
    serialNumber: String(row.serial_number),
    numberHash: String(row.number_hash),
    amount: { amount: Number(row.amount), currency: String(row.currency) },
    group: String(row.voucher_group),
    state: row.state as VoucherState,
    createdAt: iso(row.created_at),
    expiresAt: iso(row.expires_at),
    updatedAt: iso(row.updated_at),
    ...(row.rail_reference === null || row.rail_reference === undefined
      ? {}
      : { railReference: String(row.rail_reference) }),
    version: Number(row.version),
  };
}

/**
 * A {@link VoucherStore} on PostgreSQL (or PGlite). Voucher numbers are only ever stored as the
 * keyed hash the voucher service computes. Runs the payments migrations first.
 *
 * @example
 * const vouchers = createVoucherService({ store: await sqlVoucherStore(db), … });
 */
export async function sqlVoucherStore(client: SqlClient): Promise<VoucherStore> {
  await migratePayments(client);
  return {
    async insert(voucher) {
      const result = await client.query(
        `insert into payments_vouchers (serial_number, number_hash, amount, currency, voucher_group, state, created_at,
           expires_at, updated_at, rail_reference, version)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) on conflict do nothing`,
        [
          voucher.serialNumber,
          voucher.numberHash,
          voucher.amount.amount,
          voucher.amount.currency,
          voucher.group,
          voucher.state,
          voucher.createdAt,
          voucher.expiresAt,
          voucher.updatedAt,
          voucher.railReference ?? null,
          voucher.version,
        ],
      );
      if (result.rowCount !== 1) throw new ConflictError('[payments/sql] voucher exists');
    },
    async getBySerial(serial) {
      const result = await client.query<Row>(
        'select * from payments_vouchers where serial_number = $1',
        [serial],
      );
      return result.rows[0] ? toVoucher(result.rows[0]) : undefined;
    },
    async getByNumberHash(hash) {
      const result = await client.query<Row>(
        'select * from payments_vouchers where number_hash = $1',
        [hash],
      );
      return result.rows[0] ? toVoucher(result.rows[0]) : undefined;
    },
    async replace(voucher, expectedVersion) {
      const result = await client.query(
        `update payments_vouchers set state = $2, updated_at = $3, rail_reference = $4, version = $5
         where serial_number = $1 and version = $6`,
        [
          voucher.serialNumber,
          voucher.state,
          voucher.updatedAt,
          voucher.railReference ?? null,
          voucher.version,
          expectedVersion,
        ],
      );
      return result.rowCount === 1;
    },
    async reserve(group, field, delta, limit) {
      const result = await client.query(
        `insert into payments_voucher_group_totals as t (voucher_group, field, total)
         select $1, $2, $3::bigint where $3::bigint <= $4::bigint
         on conflict (voucher_group, field) do update set total = t.total + excluded.total
           where t.total + excluded.total <= $4::bigint
         returning total`,
        [group, field, delta, limit],
      );
      return result.rows.length === 1;
    },
    async stock() {
      const result = await client.query<{
        voucher_group: string;
        state: VoucherState;
        count: number;
        sum: number;
      }>(
        `select voucher_group, state, count(*)::integer as count, coalesce(sum(amount), 0)::bigint as sum
         from payments_vouchers group by voucher_group, state order by voucher_group, state`,
      );
      return result.rows.map((row) => ({
        group: row.voucher_group,
        state: row.state,
        count: Number(row.count),
        sum: Number(row.sum),
      }));
    },
  };
}
