import type { Clock } from '@govblocks/core';
import { systemClock } from '@govblocks/core';
import {
  hashVoucherNumber,
  type Voucher,
  type VoucherGroup,
  type VoucherStore,
} from '../vouchers/voucher-service.js';

/**
 * Voucher groups matching the data of GovStack's published payments API tests: `string` (the
 * pre-activation test's group), `Payment Voucher`, and `insufficient funds` (a group whose
 * funding account is empty, for the 462 case).
 */
export const govstackTestGroups: readonly VoucherGroup[] = [
  { name: 'string', currency: 'AED', budget: 1_000_000_000 },
  { name: 'Payment Voucher', currency: 'USD', budget: 1_000_000_000 },
  { name: 'insufficient funds', currency: 'USD', budget: 1_000_000_000, funding: 0 },
];

/** The merchant bank GovStack's tests use for "cannot credit merchant" (463). */
export const govstackRejectedMerchantAccounts: readonly string[] = ['Omega Holding Company'];

/**
 * Loads the vouchers that GovStack's published tests expect to exist (`govblocks serve payments
 * --seed`): pre-activated serials 5550–5560, activated 60000–60001, used 6001, expired 6002,
 * and an activated voucher with number 96767543 for redemption. For development only.
 */
export async function seedGovStackVouchers(
  store: VoucherStore,
  secretKey: Uint8Array | string,
  clock: Clock = systemClock,
): Promise<void> {
  const now = clock.now();
  const later = new Date(now.getTime() + 365 * 24 * 3600 * 1000).toISOString();
  const voucher = (
    serialNumber: string,
    state: Voucher['state'],
    options: { expiresAt?: string; number?: string } = {},
  ): Voucher => ({
    serialNumber,
    numberHash: hashVoucherNumber(
      secretKey,
      options.number ?? `9${serialNumber.padStart(15, '0')}`,
    ),
    amount: { amount: 5000, currency: 'USD' },
    group: 'Payment Voucher',
    state,
    createdAt: now.toISOString(),
    expiresAt: options.expiresAt ?? later,
    updatedAt: now.toISOString(),
    version: 1,
  });
  const vouchers: Voucher[] = [];
  for (let serial = 5550; serial <= 5560; serial++)
    vouchers.push(voucher(String(serial), 'pre_activated'));
  vouchers.push(voucher('60000', 'activated'), voucher('60001', 'activated'));
  vouchers.push(voucher('6001', 'redeemed'));
  vouchers.push(
    voucher('6002', 'activated', { expiresAt: new Date(now.getTime() - 1000).toISOString() }),
  );
  vouchers.push(voucher('7000', 'activated', { number: '96767543' }));
  for (const item of vouchers) {
    if (!(await store.getBySerial(item.serialNumber))) await store.insert(item);
  }
}
