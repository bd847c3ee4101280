import { type ActorContext, isGovBlocksError, manualClock, memoryAuditSink } from '@govblocks/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { simulatorRail } from '../rails/simulator.js';
import {
  createVoucherService,
  randomVoucherKey,
  type VoucherStore,
} from '../vouchers/voucher-service.js';

export interface VoucherStoreConformanceOptions {
  name: string;
  /** A fresh, empty store per test. */
  create: () => Promise<VoucherStore>;
}

const operator: ActorContext = { actor: { type: 'operator', id: 'op', roles: [] } };

const code = async (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error) => (isGovBlocksError(error) ? error.code : String(error)),
  );

/**
 * The voucher conformance suite: the voucher service over your {@link VoucherStore} must issue,
 * activate, redeem once, expire, cancel, keep group budgets and never record voucher numbers.
 *
 * @example
 * voucherStoreConformanceSuite({ name: 'memory', create: async () => memoryVoucherStore() });
 */
export function voucherStoreConformanceSuite(options: VoucherStoreConformanceOptions): void {
  describe(`VoucherStore conformance: ${options.name}`, () => {
    let setup: Awaited<ReturnType<typeof build>>;
    const build = async () => {
      const clock = manualClock('2025-01-01T00:00:00Z');
      const audit = memoryAuditSink();
      const rail = simulatorRail({ name: 'bank', rejectAddresses: ['CLOSED-1'] });
      const store = await options.create();
      const service = createVoucherService({
        store,
        audit,
        secretKey: randomVoucherKey(),
        groups: [
          { name: 'food', currency: 'USD', budget: 10_000 },
          { name: 'empty', currency: 'USD', budget: 10_000, funding: 0 },
        ],
        merchantRail: rail,
        validityMs: 60_000,
        clock,
      });
      return { clock, audit, rail, service };
    };
    beforeEach(async () => {
      setup = await build();
    });

    it('issues, activates, redeems once, and never records the secret number', async () => {
      const { service, audit, rail } = setup;
      const issued = await service.preactivate(operator, {
        amount: '15.21',
        currency: 'USD',
        group: 'food',
      });
      expect(issued.voucherNumber).toMatch(/^[1-9]\d{15}$/);
      expect(issued.serialNumber).toMatch(/^[1-9]\d{15}$/);
      expect((await service.status(operator, issued.serialNumber))?.status).toBe('pre_activated');
      const merchant = { name: 'Shop', financialAddress: 'ACC-1', group: 'food' };
      expect(
        await code(service.redeem(operator, { voucherNumber: issued.voucherNumber, merchant })),
      ).toBe('VOUCHER_NOT_ACTIVE');
      await service.activate(operator, issued.serialNumber);
      const redeemed = await service.redeem(operator, {
        voucherNumber: issued.voucherNumber,
        merchant,
      });
      expect(redeemed.state).toBe('redeemed');
      expect(
        await code(service.redeem(operator, { voucherNumber: issued.voucherNumber, merchant })),
      ).toBe('VOUCHER_ALREADY_USED');
      expect((await rail.ledger.entries()).filter((entry) => entry.status === 'paid')).toHaveLength(
        1,
      );
      expect(JSON.stringify(audit.events)).not.toContain(issued.voucherNumber);
      expect(audit.events.map((event) => event.action)).toEqual([
        'payment.voucher.preactivated',
        'payment.voucher.activated',
        'payment.voucher.redeemed',
      ]);
      expect(await service.stockReport(operator)).toEqual([
        { group: 'food', state: 'redeemed', count: 1, sum: 1521 },
      ]);
    });

    it('refuses unknown numbers, expired and cancelled vouchers', async () => {
      const { service, clock } = setup;
      const merchant = { name: 'Shop', financialAddress: 'ACC-1', group: 'food' };
      expect(
        await code(service.redeem(operator, { voucherNumber: '1234567890123456', merchant })),
      ).toBe('VOUCHER_INVALID');
      const a = await service.preactivate(operator, {
        amount: '1',
        currency: 'USD',
        group: 'food',
      });
      await service.cancel(operator, a.serialNumber);
      expect(await code(service.cancel(operator, a.serialNumber))).toBe('VOUCHER_CANCELLED');
      expect(await code(service.activate(operator, a.serialNumber))).toBe('VOUCHER_CANCELLED');
      const b = await service.preactivate(operator, {
        amount: '1',
        currency: 'USD',
        group: 'food',
      });
      clock.advance(61_000);
      expect((await service.status(operator, b.serialNumber))?.status).toBe('expired');
      expect(await code(service.activate(operator, b.serialNumber))).toBe('VOUCHER_EXPIRED');
      expect(await service.status(operator, '999')).toBeUndefined();
    });

    it('enforces group budgets, funding and merchant checks', async () => {
      const { service } = setup;
      expect(
        await code(service.preactivate(operator, { amount: '1', currency: 'USD', group: 'nope' })),
      ).toBe('VOUCHER_GROUP_UNKNOWN');
      expect(
        await code(
          service.preactivate(operator, { amount: '101', currency: 'USD', group: 'food' }),
        ),
      ).toBe('VOUCHER_GROUP_EXHAUSTED');
      expect(
        await code(service.preactivate(operator, { amount: '1', currency: 'EUR', group: 'food' })),
      ).toBe('VOUCHER_CURRENCY_MISMATCH');
      const issued = await service.preactivate(operator, {
        amount: '5',
        currency: 'USD',
        group: 'food',
      });
      await service.activate(operator, issued.serialNumber);
      const redeem = (financialAddress: string, group: string) =>
        code(
          service.redeem(operator, {
            voucherNumber: issued.voucherNumber,
            merchant: { name: 'M', financialAddress, group },
          }),
        );
      expect(await redeem('CLOSED-1', 'food')).toBe('VOUCHER_MERCHANT_REJECTED');
      expect(await redeem('ACC-1', 'empty')).toBe('VOUCHER_INSUFFICIENT_FUNDS');
      expect(await redeem('ACC-1', 'food')).toBe('resolved');
      // Budget: 100.00 minus what was issued (5.00) remains; 95.01 does not fit.
      expect(
        await code(
          service.preactivate(operator, { amount: '95.01', currency: 'USD', group: 'food' }),
        ),
      ).toBe('VOUCHER_GROUP_EXHAUSTED');
      expect(
        await code(
          service.preactivate(operator, { amount: '95.00', currency: 'USD', group: 'food' }),
        ),
      ).toBe('resolved');
    });
  });
}
