import {
  type AuditEventInput,
  type AuditSink,
  manualClock,
  memoryAuditSink,
  UnavailableError,
} from '@govblocks/core';
import { openTestDatabase, type TestDatabase, testDatabaseKinds } from '@govblocks/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlBillPaymentStore } from '../sql/sql-bill-store.js';
import { createBillPaymentService } from './bill-service.js';
import { memoryBiller, memoryBillPaymentStore } from './memory.js';
import type { BillPaymentStore, StoredBillPayment } from './ports.js';

const fi = { actor: { type: 'service' as const, id: 'fi', roles: [] }, requestId: 'r-1' };

const event = (action: string, eventId: string): AuditEventInput => ({
  block: 'payments',
  action,
  actor: { type: 'service', id: 'fi' },
  outcome: 'success',
  details: { eventId },
});

const payment = (id: string, key: string, amount: number): StoredBillPayment => ({
  paymentId: id,
  billId: 'B1',
  billerId: 'X',
  amount: { amount, currency: 'USD' },
  method: 'transfer',
  paymentReference: 'R',
  state: 'recorded',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  idempotencyScope: 's',
  idempotencyKey: key,
  requestHash: 'h',
});

const rtp = (state: 'created' | 'accepted') => ({
  billerId: 'X',
  rtpId: 'RTP-1',
  billId: 'B1',
  payer: { alias: { type: '01' as const, id: '+255700000001' } },
  amount: { amount: 100, currency: 'USD' },
  state,
  expiresAt: '2030-01-01T00:00:00.000Z',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  requestHash: 'h',
});

const ids = (entries: Array<{ event: AuditEventInput }>) =>
  entries.map((entry) => entry.event.details?.eventId);

/** An audit sink that can be switched off (throws `UNAVAILABLE`), keeping what it received. */
function switchableSink() {
  const sink = memoryAuditSink();
  let down = false;
  return {
    events: sink.events,
    set down(value: boolean) {
      down = value;
    },
    async record(input: AuditEventInput) {
      if (down) throw new UnavailableError('[test] audit sink down');
      await sink.record(input);
    },
  };
}

const kinds = ['memory' as const, ...testDatabaseKinds()];

describe.each(kinds)('bill audit outbox on %s', (kind) => {
  let db: TestDatabase | undefined;
  let migrated = false;
  const freshStore = async (): Promise<BillPaymentStore> => {
    if (kind === 'memory') return memoryBillPaymentStore();
    if (migrated) {
      await db!.client.execute(
        'truncate payments_bill_inquiries, payments_bill_totals, payments_bill_payments, payments_requests_to_pay, payments_bill_audit_outbox',
      );
    } else {
      await db!.resetSchema();
      migrated = true;
    }
    return sqlBillPaymentStore(db!.client);
  };
  beforeAll(async () => {
    if (kind !== 'memory') db = await openTestDatabase(kind);
  });
  afterAll(async () => {
    await db?.close();
  });

  const engine = async (audit: AuditSink, store?: BillPaymentStore) => {
    const biller = memoryBiller({
      billerId: 'WATER',
      billerName: 'City Water',
      billPrefix: 'WTR-',
    });
    biller.addBill({
      billId: 'WTR-1',
      payerId: 'NATIONAL-ID-123',
      currency: 'USD',
      amountDue: 1000,
      status: 'open',
    });
    biller.addBill({ billId: 'WTR-2', currency: 'USD', amountDue: 500, status: 'open' });
    const used = store ?? (await freshStore());
    const clock = manualClock(new Date('2026-03-01T00:00:00.000Z'));
    return {
      store: used,
      biller,
      clock,
      service: createBillPaymentService({ store: used, billers: [biller], audit, clock }),
    };
  };

  it('writes the audit events of a write with it, and only when the write took effect', async () => {
    const store = await freshStore();
    await store.insertInquiry(
      {
        inquiryId: 'I1',
        billId: 'B1',
        billerId: 'X',
        currency: 'USD',
        outstanding: 1000,
        inquiredAt: '2026-01-01T00:00:00.000Z',
      },
      { audit: [event('payment.bill.inquired', 'e1')] },
    );
    await expect(
      store.insertInquiry(
        {
          inquiryId: 'I1',
          billId: 'B1',
          billerId: 'X',
          currency: 'USD',
          outstanding: 1,
          inquiredAt: '2026-01-01T00:00:00.000Z',
        },
        { audit: [event('payment.bill.inquired', 'lost-1')] },
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const paid = [event('payment.bill.paid', 'e2')];
    expect(await store.recordPayment(payment('p1', 'k1', 600), 1000, { audit: paid })).toEqual({
      status: 'recorded',
    });
    // A repeat and an overpayment write nothing, so no event either.
    const lost = { audit: [event('payment.bill.paid', 'lost-2')] };
    expect((await store.recordPayment(payment('p1', 'k1', 600), 1000, lost)).status).toBe(
      'duplicate',
    );
    expect((await store.recordPayment(payment('p2', 'k2', 500), 1000, lost)).status).toBe(
      'exceeds',
    );
    const confirmed = { ...payment('p1', 'k1', 600), state: 'confirmed' as const };
    expect(
      await store.updatePayment(confirmed, 'recorded', {
        audit: [event('payment.bill.confirmed', 'e3')],
      }),
    ).toBe(true);
    expect(
      await store.updatePayment(confirmed, 'recorded', {
        audit: [event('payment.bill.confirmed', 'lost-3')],
      }),
    ).toBe(false);
    expect(
      await store.insertRequestToPay(rtp('created'), {
        audit: [event('payment.rtp.created', 'e4')],
      }),
    ).toEqual({ status: 'inserted' });
    expect(
      (
        await store.insertRequestToPay(rtp('created'), {
          audit: [event('payment.rtp.created', 'lost-4')],
        })
      ).status,
    ).toBe('exists');
    expect(
      await store.updateRequestToPay(rtp('accepted'), 'created', {
        audit: [event('payment.rtp.accepted', 'e5'), event('payment.rtp.noted', 'e6')],
      }),
    ).toBe(true);
    expect(
      await store.updateRequestToPay(rtp('accepted'), 'created', {
        audit: [event('payment.rtp.accepted', 'lost-5')],
      }),
    ).toBe(false);

    // Oldest first, as written.
    expect(await store.auditOutboxBacklog()).toBe(6);
    const entries = await store.readAuditOutbox(10);
    expect(ids(entries)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5', 'e6']);
    expect(entries[1]!.event).toEqual(paid[0]);
    expect(ids(await store.readAuditOutbox(2))).toEqual(['e1', 'e2']);
    const positions = entries.map((entry) => entry.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // Acknowledging removes exactly those events (twice is harmless).
    await store.acknowledgeAuditOutbox([positions[0]!, positions[2]!]);
    await store.acknowledgeAuditOutbox([positions[0]!, positions[2]!]);
    expect(ids(await store.readAuditOutbox(10))).toEqual(['e2', 'e4', 'e5', 'e6']);
    await store.acknowledgeAuditOutbox([]);
    await store.acknowledgeAuditOutbox(positions);
    expect(await store.readAuditOutbox(10)).toEqual([]);
    expect(await store.auditOutboxBacklog()).toBe(0);
  });

  it('writes neither the change nor its audit event when the event cannot be stored', async () => {
    const store = await freshStore();
    // A bigint cannot be serialised: the write fails as a whole.
    const broken = {
      audit: [{ ...event('payment.bill.paid', 'x'), details: { n: 1n as unknown as number } }],
    };
    await expect(store.recordPayment(payment('p1', 'k1', 600), 1000, broken)).rejects.toThrow();
    expect(await store.getPayment('p1')).toBeUndefined();
    expect(await store.paidTotal('X', 'B1')).toBe(0);
    await expect(store.insertRequestToPay(rtp('created'), broken)).rejects.toThrow();
    expect(await store.getRequestToPay(rtp('created'))).toBeUndefined();
    expect(await store.auditOutboxBacklog()).toBe(0);
  });

  it.skipIf(kind === 'memory')(
    'rolls the change back when its audit event cannot be written to the outbox table',
    async () => {
      const store = await freshStore();
      await store.recordPayment(payment('p0', 'k0', 100), 1000);
      await db!.client.execute(
        'alter table payments_bill_audit_outbox add constraint refuse_all check (id < 0)',
      );
      try {
        await expect(
          store.recordPayment(payment('p1', 'k1', 600), 1000, {
            audit: [event('payment.bill.paid', 'e1')],
          }),
        ).rejects.toThrow();
        await expect(
          store.updatePayment({ ...payment('p0', 'k0', 100), state: 'rejected' }, 'recorded', {
            audit: [event('payment.bill.rejected', 'e2')],
          }),
        ).rejects.toThrow();
        await expect(
          store.insertRequestToPay(rtp('created'), { audit: [event('payment.rtp.created', 'e3')] }),
        ).rejects.toThrow();
        // The service, too: the inquiry is not recorded and nothing reaches the sink.
        const sink = memoryAuditSink();
        const { service } = await engine(sink, store);
        await expect(service.inquireBill(fi, { billId: 'WTR-1' })).rejects.toThrow();
        expect(sink.events).toEqual([]);
      } finally {
        await db!.client.execute(
          'alter table payments_bill_audit_outbox drop constraint refuse_all',
        );
      }
      expect(await store.getPayment('p1')).toBeUndefined();
      expect((await store.getPayment('p0'))?.state).toBe('recorded');
      expect(await store.paidTotal('X', 'B1')).toBe(100);
      expect(await store.getRequestToPay(rtp('created'))).toBeUndefined();
      const inquiries = await db!.client.query<{ n: number }>(
        'select count(*)::integer as n from payments_bill_inquiries',
      );
      expect(Number(inquiries.rows[0]!.n)).toBe(0);
      expect(await store.readAuditOutbox(10)).toEqual([]);
    },
  );

  it('fails a payment whose store write fails without any audit event', async () => {
    const inner = await freshStore();
    const store: BillPaymentStore = {
      ...inner,
      recordPayment: async () => {
        throw new Error('disk full (simulated)');
      },
    };
    const sink = memoryAuditSink();
    const { service } = await engine(sink, store);
    await expect(
      service.payBill(fi, { idempotencyKey: 'k1', billId: 'WTR-1', paymentReference: 'R' }),
    ).rejects.toThrow('disk full');
    expect(await inner.listPayments('recorded', 10)).toEqual([]);
    expect(await inner.paidTotal('WATER', 'WTR-1')).toBe(0);
    expect(sink.events).toEqual([]);
    expect(await inner.auditOutboxBacklog()).toBe(0);
  });

  it('keeps the audit events of committed changes while the sink is down, and forwards them later', async () => {
    const sink = switchableSink();
    const { service, store } = await engine(sink);
    sink.down = true;
    // Fail closed: the caller is told — but the payment and its events are committed.
    await expect(service.inquireBill(fi, { billId: 'WTR-1' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    await expect(
      service.payBill(fi, { idempotencyKey: 'k1', billId: 'WTR-1', paymentReference: 'R' }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(
      service.requestToPay(fi, {
        billerId: 'WATER',
        rtpId: '77',
        billId: 'WTR-2',
        payer: {
          alias: { type: '01', id: '+255700000009' },
          fi: { bic: 'B', financialAddress: 'ACC-SECRET-9' },
        },
      }),
    ).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(sink.events).toEqual([]);
    const [confirmed] = await store.listPayments('confirmed', 10);
    expect(confirmed?.billId).toBe('WTR-1');
    expect(await store.auditOutboxBacklog()).toBe(4);
    await expect(service.flushAudit()).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(await store.auditOutboxBacklog()).toBe(4);

    // Back up: the next call forwards what waited, oldest first, then its own event.
    sink.down = false;
    const replay = await service.payBill(fi, {
      idempotencyKey: 'k1',
      billId: 'WTR-1',
      paymentReference: 'R',
    });
    expect(replay.paymentId).toBe(confirmed!.paymentId);
    expect(sink.events.map((forwarded) => forwarded.action)).toEqual([
      'payment.bill.inquired',
      'payment.bill.paid',
      'payment.bill.confirmed',
      'payment.rtp.created',
    ]);
    expect(sink.events[2]!.details).toMatchObject({ paymentId: confirmed!.paymentId });
    const eventIds = sink.events.map((forwarded) => forwarded.details?.eventId);
    expect(new Set(eventIds).size).toBe(4);
    for (const id of eventIds) expect(typeof id).toBe('string');
    expect(await store.auditOutboxBacklog()).toBe(0);
    expect(await service.flushAudit()).toBe(0);

    await service.respondToRequestToPay(fi, { billerId: 'WATER', rtpId: '77', decision: 'accept' });
    expect(sink.events.at(-1)!.action).toBe('payment.rtp.accepted');
    // No payer identifier reached an audit event (the sink or the outbox).
    const text = JSON.stringify(sink.events);
    for (const secret of ['NATIONAL-ID-123', '+255700000009', 'ACC-SECRET-9'])
      expect(text).not.toContain(secret);
  });

  it('forwards at least once, with the same eventId, when the sink fails after keeping an event', async () => {
    const sink = memoryAuditSink();
    let failNext = 0;
    const flaky: AuditSink = {
      async record(input) {
        await sink.record(input);
        if (failNext > 0) {
          failNext--;
          throw new UnavailableError('[test] lost the acknowledgement');
        }
      },
    };
    const { service, store } = await engine(flaky);
    failNext = 1;
    await expect(service.inquireBill(fi, { billId: 'WTR-1' })).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    expect(await store.auditOutboxBacklog()).toBe(1);
    expect(await service.flushAudit()).toBe(1);
    expect(sink.events).toHaveLength(2);
    expect(sink.events[0]).toEqual(sink.events[1]);
    expect(await store.auditOutboxBacklog()).toBe(0);
  });

  it.skipIf(kind === 'memory')(
    'forwards outside the store transaction: a sink writing to the same database works',
    async () => {
      await db!.client.execute('create table if not exists test_bill_audit (body text not null)');
      await db!.client.execute('truncate test_bill_audit');
      const sameDatabase: AuditSink = {
        async record(input) {
          await db!.client.query('insert into test_bill_audit (body) values ($1)', [
            JSON.stringify(input),
          ]);
        },
      };
      const { service } = await engine(sameDatabase);
      const inquiry = await service.inquireBill(fi, { billId: 'WTR-1' });
      await service.payBill(fi, {
        idempotencyKey: 'k1',
        billId: 'WTR-1',
        inquiryId: inquiry.inquiryId,
        paymentReference: 'R',
      });
      const rows = await db!.client.query<{ body: string }>('select body from test_bill_audit');
      expect(
        rows.rows.map((row) => (JSON.parse(row.body) as AuditEventInput).action).sort(),
      ).toEqual(['payment.bill.confirmed', 'payment.bill.inquired', 'payment.bill.paid']);
    },
  );
});
