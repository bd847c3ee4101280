import { createHmac, randomBytes, randomInt } from 'node:crypto';
import {
  type ActorContext,
  type AuditSink,
  type Clock,
  ConfigurationError,
  ConflictError,
  callAdapter,
  currencySchema,
  isGovBlocksError,
  type Money,
  parse,
  parseMoney,
  systemClock,
} from '@govblocks/core';
import { z } from 'zod';
import { auditActor } from '../engine/account-mapper.js';
import { PaymentError } from '../errors.js';
import type { PaymentRail } from '../ports.js';

/** Where a voucher is in its life. `expired` is never stored: it is `expiresAt` passed. */
export type VoucherState = 'pre_activated' | 'activated' | 'redeemed' | 'cancelled';
export type VoucherStatus = VoucherState | 'expired';

/** A voucher as stored: the secret voucher number is kept only as a keyed hash. */
export interface Voucher {
  serialNumber: string;
  /** HMAC-SHA256 of the voucher number under the service's secret key (hex). */
  numberHash: string;
  amount: Money;
  group: string;
  state: VoucherState;
  createdAt: string;
  expiresAt: string;
  updatedAt: string;
  /** Redemption: the merchant's payout reference on the rail. */
  railReference?: string;
  version: number;
}

/** A voucher group: a programme's budget out of which vouchers are issued and merchants paid. */
export interface VoucherGroup {
  name: string;
  currency: string;
  /** Budget in minor units: issuing stops (`VOUCHER_GROUP_EXHAUSTED`) when it would be exceeded. */
  budget: number;
  /** Funding account balance for merchant payouts (minor units); default `budget`. */
  funding?: number;
}

/** Storage of vouchers. `memoryVoucherStore()` here; a SQL one is not written yet. */
export interface VoucherStore {
  insert(voucher: Voucher): Promise<void>;
  getBySerial(serialNumber: string): Promise<Voucher | undefined>;
  getByNumberHash(numberHash: string): Promise<Voucher | undefined>;
  /** Replaces if the version is still `expectedVersion`. */
  replace(voucher: Voucher, expectedVersion: number): Promise<boolean>;
  /** Adds `delta` (may be negative) to a group's issued total if it stays within `limit`; false otherwise. */
  reserve(group: string, field: 'issued' | 'paid', delta: number, limit: number): Promise<boolean>;
  /** Counts and sums per group and state (the stock report). */
  stock(): Promise<Array<{ group: string; state: VoucherState; count: number; sum: number }>>;
}

/** A {@link VoucherStore} in memory (tests, demos, `govblocks serve` without a database). */
export function memoryVoucherStore(): VoucherStore {
  const bySerial = new Map<string, Voucher>();
  const byHash = new Map<string, string>();
  const totals = new Map<string, number>();
  return {
    async insert(voucher) {
      if (bySerial.has(voucher.serialNumber) || byHash.has(voucher.numberHash)) {
        throw new ConflictError('[payments/vouchers] voucher exists');
      }
      bySerial.set(voucher.serialNumber, structuredClone(voucher));
      byHash.set(voucher.numberHash, voucher.serialNumber);
    },
    async getBySerial(serial) {
      const found = bySerial.get(serial);
      return found ? structuredClone(found) : undefined;
    },
    async getByNumberHash(hash) {
      const serial = byHash.get(hash);
      return serial ? structuredClone(bySerial.get(serial)) : undefined;
    },
    async replace(voucher, expectedVersion) {
      const current = bySerial.get(voucher.serialNumber);
      if (!current || current.version !== expectedVersion) return false;
      bySerial.set(voucher.serialNumber, structuredClone(voucher));
      return true;
    },
    async reserve(group, field, delta, limit) {
      const key = `${group}\u0000${field}`;
      const next = (totals.get(key) ?? 0) + delta;
      if (next > limit) return false;
      totals.set(key, next);
      return true;
    },
    async stock() {
      const map = new Map<
        string,
        { group: string; state: VoucherState; count: number; sum: number }
      >();
      for (const voucher of bySerial.values()) {
        const key = `${voucher.group}\u0000${voucher.state}`;
        const entry = map.get(key) ?? {
          group: voucher.group,
          state: voucher.state,
          count: 0,
          sum: 0,
        };
        entry.count += 1;
        entry.sum += voucher.amount.amount;
        map.set(key, entry);
      }
      return [...map.values()];
    },
  };
}

/** What `preactivate` returns: the only time the voucher number is ever seen in clear. */
export interface IssuedVoucher {
  voucherNumber: string;
  serialNumber: string;
  expiresAt: string;
  amount: Money;
  group: string;
}

export const preactivateVoucherSchema = z.strictObject({
  /** Decimal string in major units (`"15.21"`), parsed exactly. */
  amount: z.string().regex(/^(0|[1-9]\d{0,17})(\.\d{1,4})?$/, 'a decimal amount such as 15.21'),
  currency: currencySchema,
  group: z.string().min(1).max(64),
  comment: z.string().max(256).optional(),
});
export type PreactivateVoucherInput = z.infer<typeof preactivateVoucherSchema>;

export const redeemVoucherSchema = z.strictObject({
  voucherNumber: z.string().regex(/^[1-9]\d{0,24}$/, 'digits'),
  merchant: z.strictObject({
    name: z.string().min(1).max(128),
    /** The merchant's financial address (account, IBAN…), paid through the merchant rail. */
    financialAddress: z.string().min(1).max(128),
    /** The voucher group whose funding account pays the merchant. */
    group: z.string().min(1).max(64),
  }),
});
export type RedeemVoucherInput = z.infer<typeof redeemVoucherSchema>;

/**
 * Vouchers (GovStack Payments BB voucher management): pre-activation, activation, redemption
 * (paying the merchant through a rail, exactly once per voucher), status, cancellation, and a
 * stock report. Voucher numbers are secrets: stored only as a keyed hash and never logged or
 * audited. Every state change writes an audit event with the serial number only.
 *
 * Error codes: `VALIDATION_FAILED`; `VOUCHER_INVALID` (unknown or unusable voucher);
 * `VOUCHER_ALREADY_USED`; `VOUCHER_EXPIRED`; `VOUCHER_CANCELLED`; `VOUCHER_NOT_ACTIVE`;
 * `VOUCHER_GROUP_UNKNOWN`; `VOUCHER_GROUP_EXHAUSTED`; `VOUCHER_INSUFFICIENT_FUNDS`;
 * `VOUCHER_MERCHANT_REJECTED`.
 */
export interface VoucherService {
  readonly specificationVersion: 'vouchers/v1';
  /** Issues a pre-activated voucher. Audit: `payment.voucher.preactivated`. */
  preactivate(context: ActorContext, input: PreactivateVoucherInput): Promise<IssuedVoucher>;
  /** Activates a pre-activated voucher (idempotent on an active one). Audit: `payment.voucher.activated`. */
  activate(context: ActorContext, serialNumber: string): Promise<Voucher>;
  /** Redeems an active voucher, paying the merchant. Audit: `payment.voucher.redeemed`. */
  redeem(context: ActorContext, input: RedeemVoucherInput): Promise<Voucher>;
  /** The status of a voucher by serial number; `undefined` when it does not exist. Not audited. */
  status(
    context: ActorContext,
    serialNumber: string,
  ): Promise<{ voucher: Voucher; status: VoucherStatus } | undefined>;
  /** Cancels a voucher not yet redeemed. Audit: `payment.voucher.cancelled`. */
  cancel(context: ActorContext, serialNumber: string): Promise<Voucher>;
  /** Count and sum of vouchers per group and status. */
  stockReport(
    context: ActorContext,
  ): Promise<Array<{ group: string; state: VoucherState; count: number; sum: number }>>;
}

export interface VoucherServiceDependencies {
  store: VoucherStore;
  audit: AuditSink;
  /** Secret key of the voucher-number hash (≥ 32 bytes). Keep it stable: it is needed to redeem. */
  secretKey: Uint8Array | string;
  groups: readonly VoucherGroup[];
  /** The rail that pays merchants, and its modality. */
  merchantRail: PaymentRail;
  merchantModality?: 'bank_account' | 'mobile_money' | 'digital_wallet';
  /** How long a voucher is valid after pre-activation (ms). Default 90 days. */
  validityMs?: number;
  clock?: Clock;
}

/** The keyed hash under which a voucher number is stored. */
export function hashVoucherNumber(secretKey: Uint8Array | string, voucherNumber: string): string {
  return createHmac('sha256', secretKey).update(voucherNumber).digest('hex');
}

const serialSchema = z.string().regex(/^[1-9]\d{0,24}$/, 'digits');

/** Creates the voucher engine. */
export function createVoucherService(dependencies: VoucherServiceDependencies): VoucherService {
  const { store, audit, merchantRail } = dependencies;
  const clock = dependencies.clock ?? systemClock;
  const key = dependencies.secretKey;
  if ((typeof key === 'string' ? Buffer.byteLength(key) : key.byteLength) < 32) {
    throw new ConfigurationError('[payments/vouchers] secretKey must have at least 32 bytes');
  }
  const groups = new Map(dependencies.groups.map((group) => [group.name, group]));
  const validityMs = dependencies.validityMs ?? 90 * 24 * 3600 * 1000;
  let serialCounter = 0;

  const error = (
    code: ConstructorParameters<typeof PaymentError>[0] | string,
    message: string,
    status = 409,
  ) =>
    new PaymentError(
      code as ConstructorParameters<typeof PaymentError>[0],
      `[payments/vouchers] ${message}`,
      { status },
    );

  const event = (
    context: ActorContext,
    action: string,
    voucher: Voucher,
    details: Record<string, string | number> = {},
  ) =>
    audit.record({
      block: 'payments',
      action,
      actor: auditActor(context),
      subject: { type: 'voucher', id: voucher.serialNumber },
      outcome: 'success',
      time: clock.now().toISOString(),
      ...(context.requestId ? { requestId: context.requestId } : {}),
      details: {
        group: voucher.group,
        amount: voucher.amount.amount,
        currency: voucher.amount.currency,
        state: voucher.state,
        ...details,
      },
    });

  const statusOf = (voucher: Voucher): VoucherStatus =>
    (voucher.state === 'pre_activated' || voucher.state === 'activated') &&
    new Date(voucher.expiresAt) <= clock.now()
      ? 'expired'
      : voucher.state;

  const change = async (
    serialNumber: string,
    mutate: (voucher: Voucher) => Voucher,
  ): Promise<Voucher> => {
    for (let tries = 0; tries < 10; tries++) {
      const current = await store.getBySerial(serialNumber);
      if (!current) throw error('VOUCHER_INVALID', 'no such voucher', 404);
      const next = {
        ...mutate(current),
        version: current.version + 1,
        updatedAt: clock.now().toISOString(),
      };
      if (next.state === current.state && next.railReference === current.railReference)
        return current;
      if (await store.replace(next, current.version)) return next;
    }
    throw error('VOUCHER_INVALID', 'the voucher keeps changing; try again');
  };

  return {
    specificationVersion: 'vouchers/v1',

    async preactivate(context, input) {
      const parsed = parse(preactivateVoucherSchema, input, '[payments/vouchers] pre-activation');
      const group = groups.get(parsed.group);
      if (!group) throw error('VOUCHER_GROUP_UNKNOWN', 'unknown voucher group', 422);
      if (group.currency !== parsed.currency)
        throw error('VOUCHER_CURRENCY_MISMATCH', `the group pays in ${group.currency}`, 422);
      const amount = parseMoney(parsed.amount, parsed.currency);
      if (amount.amount <= 0)
        throw error('VOUCHER_INVALID_AMOUNT', 'the amount must be positive', 422);
      if (!(await store.reserve(group.name, 'issued', amount.amount, group.budget))) {
        throw error('VOUCHER_GROUP_EXHAUSTED', 'the voucher group is exhausted');
      }
      const now = clock.now();
      // 16-digit secret number (no leading zero); 16-digit serial, time-ordered, unrelated to it.
      const voucherNumber = `${randomInt(1, 10)}${Array.from({ length: 15 }, () => randomInt(0, 10)).join('')}`;
      serialCounter = (serialCounter + 1) % 1000;
      const serialNumber = `${now.getTime()}${String(serialCounter).padStart(3, '0')}`
        .slice(0, 16)
        .padEnd(16, '0');
      const voucher: Voucher = {
        serialNumber,
        numberHash: hashVoucherNumber(key, voucherNumber),
        amount,
        group: group.name,
        state: 'pre_activated',
        createdAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + validityMs).toISOString(),
        updatedAt: now.toISOString(),
        version: 1,
      };
      await store.insert(voucher);
      await event(context, 'payment.voucher.preactivated', voucher);
      return {
        voucherNumber,
        serialNumber,
        expiresAt: voucher.expiresAt,
        amount,
        group: group.name,
      };
    },

    async activate(context, serialNumber) {
      const serial = parse(serialSchema, serialNumber, '[payments/vouchers] serial number');
      const voucher = await change(serial, (current) => {
        const status = statusOf(current);
        if (status === 'expired') throw error('VOUCHER_EXPIRED', 'the voucher has expired');
        if (status === 'redeemed') throw error('VOUCHER_ALREADY_USED', 'the voucher was used');
        if (status === 'cancelled') throw error('VOUCHER_CANCELLED', 'the voucher is cancelled');
        return { ...current, state: 'activated' };
      });
      await event(context, 'payment.voucher.activated', voucher);
      return voucher;
    },

    async redeem(context, input) {
      const parsed = parse(redeemVoucherSchema, input, '[payments/vouchers] redemption');
      const voucher = await store.getByNumberHash(hashVoucherNumber(key, parsed.voucherNumber));
      if (!voucher) throw error('VOUCHER_INVALID', 'invalid voucher number', 404);
      // The merchant and the funding account are checked first (as GovStack's reference mock
      // answers 463 and 462 before looking at the voucher's state).
      if (merchantRail.verifyAccount) {
        const verdict = await callAdapter(`payments/${merchantRail.name}`, 'verifyAccount', () =>
          merchantRail.verifyAccount!({
            modality: dependencies.merchantModality ?? 'bank_account',
            financialAddress: parsed.merchant.financialAddress,
          }),
        );
        if (verdict.status !== 'ok')
          throw error('VOUCHER_MERCHANT_REJECTED', 'the merchant cannot be credited', 422);
      }
      const group = groups.get(parsed.merchant.group);
      if (
        !group ||
        !(await store.reserve(
          group.name,
          'paid',
          voucher.amount.amount,
          group.funding ?? group.budget,
        ))
      ) {
        throw error('VOUCHER_INSUFFICIENT_FUNDS', 'insufficient funds in the funding account', 422);
      }
      const release = () =>
        store.reserve(group.name, 'paid', -voucher.amount.amount, Number.MAX_SAFE_INTEGER);
      const status = statusOf(voucher);
      const refusal =
        status === 'redeemed'
          ? error('VOUCHER_ALREADY_USED', 'the voucher was used')
          : status === 'expired'
            ? error('VOUCHER_EXPIRED', 'the voucher has expired')
            : status === 'cancelled'
              ? error('VOUCHER_CANCELLED', 'the voucher is cancelled')
              : status !== 'activated'
                ? error('VOUCHER_NOT_ACTIVE', 'the voucher is not activated')
                : undefined;
      if (refusal) {
        await release();
        throw refusal;
      }
      // One payout per voucher, ever: the key is derived from the serial number.
      let result: Awaited<ReturnType<PaymentRail['submit']>>;
      try {
        result = await callAdapter(`payments/${merchantRail.name}`, 'submit', () =>
          merchantRail.submit({
            idempotencyKey: `gbv-${voucher.serialNumber}`,
            amount: voucher.amount,
            modality: dependencies.merchantModality ?? 'bank_account',
            financialAddress: parsed.merchant.financialAddress,
          }),
        );
      } catch (cause) {
        // A timeout leaves the payout unknown: keep the funds reserved (the key pays at most once).
        if (!(isGovBlocksError(cause) && cause.code === 'PAYMENT_RAIL_TIMEOUT')) await release();
        throw cause;
      }
      if (result.status === 'failed') {
        await release();
        throw error('VOUCHER_MERCHANT_REJECTED', 'the merchant cannot be credited', 422);
      }
      const redeemed = await change(voucher.serialNumber, (current) => {
        if (current.state !== 'activated')
          throw error('VOUCHER_ALREADY_USED', 'the voucher was used');
        return { ...current, state: 'redeemed', railReference: result.railReference };
      });
      await event(context, 'payment.voucher.redeemed', redeemed, { rail: merchantRail.name });
      return redeemed;
    },

    async status(_context, serialNumber) {
      const serial = parse(serialSchema, serialNumber, '[payments/vouchers] serial number');
      const voucher = await store.getBySerial(serial);
      return voucher ? { voucher, status: statusOf(voucher) } : undefined;
    },

    async cancel(context, serialNumber) {
      const serial = parse(serialSchema, serialNumber, '[payments/vouchers] serial number');
      const voucher = await change(serial, (current) => {
        if (current.state === 'cancelled')
          throw error('VOUCHER_CANCELLED', 'the voucher is already cancelled');
        if (current.state === 'redeemed')
          throw error('VOUCHER_ALREADY_USED', 'the voucher was used');
        return { ...current, state: 'cancelled' };
      });
      await event(context, 'payment.voucher.cancelled', voucher);
      return voucher;
    },

    async stockReport() {
      return store.stock();
    },
  };
}

/** A fresh random secret key, for demos and tests (vouchers die with it). */
export function randomVoucherKey(): Uint8Array {
  return randomBytes(32);
}
