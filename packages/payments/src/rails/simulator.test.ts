import { money } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { railConformanceSuite } from '../testing/index.js';
import { simulatorRail } from './simulator.js';

railConformanceSuite({
  name: 'simulator',
  create: async () => {
    const rail = simulatorRail({ seed: 1 });
    return { rail, teardown: () => rail.close() };
  },
  transfer: () => ({
    amount: money(1050, 'USD'),
    modality: 'mobile_money',
    financialAddress: '+15550100',
  }),
});

railConformanceSuite({
  name: 'simulator (asynchronous outcomes, duplicate callbacks)',
  create: async () => {
    const rail = simulatorRail({
      seed: 2,
      asyncRate: 1,
      settleMs: 5,
      duplicateCallbackRate: 1,
      latencyMs: [0, 2],
    });
    return { rail, teardown: () => rail.close() };
  },
  transfer: () => ({
    amount: money(1050, 'USD'),
    modality: 'mobile_money',
    financialAddress: '+15550100',
  }),
});

describe('simulator faults', () => {
  const transfer = (key: string) => ({
    idempotencyKey: key,
    amount: money(100, 'USD'),
    modality: 'bank_account' as const,
    financialAddress: 'DE00',
  });

  it('times out but pays late, once', async () => {
    let now = 1_000;
    const rail = simulatorRail({ timeoutRate: 1, settleMs: 50, now: () => now });
    await expect(rail.submit(transfer('k'))).rejects.toMatchObject({
      code: 'PAYMENT_RAIL_TIMEOUT',
    });
    expect((await rail.inquire('k')).status).toBe('pending');
    now += 50;
    expect((await rail.inquire('k')).status).toBe('paid');
    expect((await rail.submit(transfer('k'))).status).toBe('paid');
    expect(await rail.ledger.entries()).toHaveLength(1);
  });

  it('loses requests (timeout, nothing applied) and refuses when unavailable', async () => {
    const lost = simulatorRail({ lostRate: 1 });
    await expect(lost.submit(transfer('a'))).rejects.toMatchObject({
      code: 'PAYMENT_RAIL_TIMEOUT',
    });
    expect(await lost.inquire('a')).toEqual({ status: 'not_found' });
    const down = simulatorRail({ unavailableRate: 1 });
    await expect(down.submit(transfer('b'))).rejects.toMatchObject({
      code: 'PAYMENT_RAIL_UNAVAILABLE',
    });
  });

  it('refuses rates that do not add up', () => {
    expect(() => simulatorRail({ failureRate: 0.7, timeoutRate: 0.7 })).toThrow(/add up/);
  });
});
