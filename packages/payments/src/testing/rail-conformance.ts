import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PaymentRail, RailTransfer } from '../ports.js';

export interface RailConformanceOptions {
  /** Shown in the describe block. */
  name: string;
  /** A fresh rail per test (no faults injected: the kit checks the contract, not resilience). */
  create: () => Promise<{ rail: PaymentRail; teardown?: () => Promise<void> | void }>;
  /** A transfer your rail accepts; the kit replaces the idempotency key. */
  transfer: () => Omit<RailTransfer, 'idempotencyKey'>;
  /** How long to wait for an `accepted` transfer to become final (ms). Default 2,000. */
  settleTimeoutMs?: number;
}

/**
 * The `PaymentRail` conformance suite. A bank or mobile-money vendor runs it in its own tests:
 *
 * @example
 * railConformanceSuite({
 *   name: 'my rail',
 *   create: async () => ({ rail: myRail({ baseUrl }) }),
 *   transfer: () => ({ amount: money(100, 'USD'), modality: 'mobile_money', financialAddress: '+15550100' }),
 * });
 */
export function railConformanceSuite(options: RailConformanceOptions): void {
  describe(`PaymentRail conformance: ${options.name}`, () => {
    let rail: PaymentRail;
    let teardown: (() => Promise<void> | void) | undefined;
    beforeEach(async () => {
      const created = await options.create();
      rail = created.rail;
      teardown = created.teardown;
    });
    afterEach(async () => {
      await teardown?.();
    });
    const transfer = (): RailTransfer => ({
      ...options.transfer(),
      idempotencyKey: `conf-${randomUUID()}`,
    });
    const settle = async (key: string) => {
      const deadline = Date.now() + (options.settleTimeoutMs ?? 2000);
      for (;;) {
        const status = await rail.inquire(key);
        if (status.status !== 'pending' || Date.now() > deadline) return status;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    it('declares payment-rail/v1, a name and capabilities', () => {
      expect(rail.specificationVersion).toBe('payment-rail/v1');
      expect(rail.name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
      expect(Array.isArray(rail.capabilities.modalities)).toBe(true);
      if (rail.capabilities.callbacks) expect(typeof rail.onCallback).toBe('function');
    });

    it('answers not_found for a key it never saw', async () => {
      expect(await rail.inquire(`conf-unknown-${randomUUID()}`)).toEqual({ status: 'not_found' });
    });

    it('pays a transfer and reports it by inquiry under the same reference', async () => {
      const request = transfer();
      const result = await rail.submit(request);
      expect(['paid', 'accepted']).toContain(result.status);
      const status = await settle(request.idempotencyKey);
      expect(status.status).toBe('paid');
      if (status.status === 'paid' && result.status !== 'failed')
        expect(status.railReference).toBe(result.railReference);
    });

    it('applies a key once: a resubmission answers the first transfer', async () => {
      const request = transfer();
      const first = await rail.submit(request);
      const second = await rail.submit(request);
      expect(first.status).not.toBe('failed');
      expect(second.status).not.toBe('failed');
      if (first.status !== 'failed' && second.status !== 'failed')
        expect(second.railReference).toBe(first.railReference);
    });

    it('applies a key once under concurrent submissions', async () => {
      const request = transfer();
      const results = await Promise.all(Array.from({ length: 5 }, () => rail.submit(request)));
      const references = new Set(
        results.map((result) => ('railReference' in result ? result.railReference : undefined)),
      );
      expect(references.size).toBe(1);
    });

    it('keeps distinct keys distinct', async () => {
      const a = transfer();
      const b = transfer();
      const [first, second] = await Promise.all([rail.submit(a), rail.submit(b)]);
      if (first.status !== 'failed' && second.status !== 'failed')
        expect(first.railReference).not.toBe(second.railReference);
    });

    it('delivers a final callback for an accepted transfer, when it has callbacks', async () => {
      if (!rail.capabilities.callbacks || !rail.onCallback) return;
      const seen: string[] = [];
      const unsubscribe = rail.onCallback((callback) =>
        seen.push(`${callback.idempotencyKey}:${callback.status}`),
      );
      try {
        const request = transfer();
        const result = await rail.submit(request);
        if (result.status !== 'accepted') return;
        await settle(request.idempotencyKey);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(seen).toContain(`${request.idempotencyKey}:paid`);
      } finally {
        unsubscribe();
      }
    });
  });
}
