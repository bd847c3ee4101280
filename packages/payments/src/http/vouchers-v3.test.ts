import { memoryAuditSink } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryPaymentStore } from '../engine/memory-store.js';
import { createPaymentService } from '../engine/payment-service.js';
import { simulatorRail } from '../rails/simulator.js';
import {
  createVoucherService,
  memoryVoucherStore,
  randomVoucherKey,
} from '../vouchers/voucher-service.js';
import { callbackReceiver } from './callback-receiver.test-helper.js';
import { createCallbackSender } from './callbacks.js';
import { paymentsHttpApp } from './legacy-app.js';
import { voucherStatusCodes } from './vouchers-v3.js';

describe('voucher v3 routes', () => {
  let server: RunningServer;
  let receiver: Awaited<ReturnType<typeof callbackReceiver>>;
  const rail = simulatorRail({ name: 'simulator' });
  const callbacks = createCallbackSender();
  const audit = memoryAuditSink();

  beforeAll(async () => {
    receiver = await callbackReceiver();
    const vouchers = createVoucherService({
      store: memoryVoucherStore(),
      audit,
      secretKey: randomVoucherKey(),
      groups: [{ name: 'FOOD', currency: 'USD', budget: 1_000_00 }],
      merchantRail: rail,
    });
    const app = paymentsHttpApp({
      service: createPaymentService({
        store: memoryPaymentStore(),
        rails: { simulator: rail },
        audit,
      }),
      vouchers,
      railByModality: { mobile_money: 'simulator' },
      v3: {
        callbacks,
        merchantOf: async (agentId) =>
          agentId === 'AGENT-1'
            ? { name: 'Corner shop', financialAddress: 'TZ00SHOP0001', group: 'FOOD' }
            : undefined,
      },
    });
    server = await startServer(app, { port: 0 });
  });
  afterAll(async () => {
    await callbacks.drain();
    await server.close();
    await receiver.close();
    rail.close();
  });

  const call = async (method: string, path: string, body?: unknown, headers = {}) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      // biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers
      body: (await response.json()) as any,
    };
  };

  it('creates, activates, redeems, cancels and reports vouchers, posting results to callbacks', async () => {
    const created = await call(
      'POST',
      '/vouchers',
      {
        requestID: 'REQ-V-1',
        batchID: 'VB-1',
        voucherInstructions: [
          { instructionID: 'VI-1', groupCode: 'FOOD', currency: 'USD', amount: 15.5 },
          { instructionID: 'VI-2', groupCode: 'FOOD', currency: 'USD', amount: '20.00' },
          { instructionID: 'VI-3', groupCode: 'NOPE', currency: 'USD', amount: 1 },
        ],
      },
      { 'X-Callback-URL': receiver.url('/voucher-details-return') },
    );
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ ResponseCode: '01', RequestID: 'REQ-V-1' });
    expect(created.body.failedCases).toEqual([
      { instructionID: 'VI-3', failureReason: 'VOUCHER_GROUP_UNKNOWN' },
    ]);
    const [first, second] = created.body.voucherInstructions;
    expect(first).toMatchObject({ instructionID: 'VI-1', amount: 15.5, currency: 'USD' });
    const details = await receiver.next('/voucher-details-return');
    expect(details.body).toMatchObject({ requestID: 'REQ-V-1', batchID: 'VB-1' });
    expect(details.body.voucherInstructions).toEqual(created.body.voucherInstructions);

    const status = async (serial: string) =>
      (await call('GET', `/vouchers/${serial}?fields=status`)).body;
    expect(await status(first.serialNumber)).toEqual({
      status: voucherStatusCodes.pre_activated,
      serialNumber: first.serialNumber,
      value: 15.5,
    });

    const activated = await call(
      'PUT',
      '/vouchers?command=activate',
      {
        RequestID: 'REQ-V-2',
        VoucherInstructions: [{ serialNumber: first.serialNumber }, { serialNumber: '999999' }],
      },
      { 'X-Callback-URL': receiver.url('/activation') },
    );
    expect(activated.body).toMatchObject({ ResponseCode: '01', RequestID: 'REQ-V-2' });
    const activation = await receiver.next('/activation');
    expect(activation.body).toMatchObject({ numberFailedCases: 1 });
    expect(activation.body.failedCases[0].serialNumber).toBe('999999');
    expect((await status(first.serialNumber)).status).toBe(voucherStatusCodes.activated);

    const redemption = {
      requestID: 'REQ-V-3',
      voucherSerialNumber: first.serialNumber,
      agentID: 'AGENT-1',
      voucherSecretNumber: first.voucherNumber,
    };
    const redeemed = await call('POST', '/vouchers?command=redeem', redemption);
    expect(redeemed.body).toMatchObject({
      status: 1,
      serialNumber: first.serialNumber,
      value: 15.5,
    });
    // The published file names the redemption command `cancel`: with a secret number it redeems.
    const twice = await call('POST', '/vouchers?command=cancel', redemption);
    expect(twice.body).toMatchObject({ status: 0, message: 'VOUCHER_ALREADY_USED' });
    expect((await status(first.serialNumber)).status).toBe(voucherStatusCodes.redeemed);
    const unknownAgent = await call('POST', '/vouchers?command=redeem', {
      ...redemption,
      agentID: 'AGENT-9',
    });
    expect([unknownAgent.status, unknownAgent.type]).toEqual([400, 'application/problem+json']);

    const cancelled = await call(
      'POST',
      '/vouchers?command=cancel',
      { requestID: 'REQ-V-4', voucherInstructions: [{ serialNumber: second.serialNumber }] },
      { 'X-Callback-URL': receiver.url('/vouchers/cancellation/confirmation') },
    );
    expect(cancelled.body).toMatchObject({ responseCode: '00', requestID: 'REQ-V-4' });
    expect((await receiver.next('/vouchers/cancellation/confirmation')).body).toMatchObject({
      numberFailedCases: 0,
    });
    expect((await status(second.serialNumber)).status).toBe(voucherStatusCodes.cancelled);
    const again = await call('POST', '/vouchers?command=cancel', {
      requestID: 'REQ-V-5',
      voucherInstructions: [{ serialNumber: second.serialNumber }],
    });
    expect(again.body.failedCases[0].failureReason).toBe('VOUCHER_CANCELLED');
    expect((await status('123456789')).status).toBe(voucherStatusCodes.not_existing);
    // Voucher numbers never reach the audit trail.
    const trail = JSON.stringify(audit.events);
    expect(trail).toContain(first.serialNumber);
    expect(trail).not.toContain(first.voucherNumber);
  });

  it('answers bad requests with problem+json and a bad serial with status 9', async () => {
    const bad = await call('POST', '/vouchers', { requestID: 'R', voucherInstructions: [] });
    expect([bad.status, bad.type, bad.body.code]).toEqual([
      400,
      'application/problem+json',
      'VALIDATION_FAILED',
    ]);
    const serial = await call('GET', '/vouchers/abc?fields=status');
    expect([serial.status, serial.body.status]).toEqual([400, 9]);
  });
});
