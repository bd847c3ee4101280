import { type ActorContext, memoryAuditSink, money } from '@govblocks/core';
import { type RunningServer, startServer } from '@govblocks/core/http';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryPaymentStore } from '../engine/memory-store.js';
import { createPaymentService } from '../engine/payment-service.js';
import { railConformanceSuite } from '../testing/index.js';
import { mojaloopRail } from './mojaloop-rail.js';

/**
 * A fake of the Mojaloop SDK scheme adapter's outbound transfers API (the published request and
 * response shapes), keeping its own books. `to.idValue` steers it: `UNKNOWN-PARTY` fails party
 * lookup (3204); `SLOW` completes the transfer but answers after the client gave up.
 */
function fakeSchemeAdapter(options: { stepwise: boolean; slowMs: number }) {
  const transfers = new Map<
    string,
    { currentState: string; amount: string; currency: string; completions: number }
  >();
  const app = new Hono();
  const state = (transferId: string) => {
    const transfer = transfers.get(transferId)!;
    return {
      transferId,
      currentState: transfer.currentState,
      amount: transfer.amount,
      currency: transfer.currency,
    };
  };
  const complete = (transferId: string) => {
    const transfer = transfers.get(transferId)!;
    if (transfer.currentState !== 'COMPLETED') {
      transfer.currentState = 'COMPLETED';
      transfer.completions += 1;
    }
  };
  app.post('/transfers', async (c) => {
    const body = (await c.req.json()) as {
      transferId?: string;
      homeTransactionId?: string;
      to?: { idType?: string; idValue?: string };
      amount?: string;
      currency?: string;
      amountType?: string;
    };
    if (
      !body.transferId ||
      !body.homeTransactionId ||
      !body.to?.idValue ||
      !/^\d+(\.\d+)?$/.test(body.amount ?? '') ||
      body.amountType !== 'SEND'
    ) {
      return c.json({ statusCode: '3100', message: 'Generic validation error' }, 400);
    }
    if (transfers.has(body.transferId)) return c.json(state(body.transferId));
    if (body.to.idValue === 'UNKNOWN-PARTY') {
      return c.json(
        {
          statusCode: '500',
          message: 'Party not found',
          transferState: {
            transferId: body.transferId,
            currentState: 'ERROR_OCCURRED',
            lastError: {
              httpStatusCode: 404,
              mojaloopError: {
                errorInformation: { errorCode: '3204', errorDescription: 'Party not found' },
              },
            },
          },
        },
        500,
      );
    }
    transfers.set(body.transferId, {
      currentState: 'WAITING_FOR_PARTY_ACCEPTANCE',
      amount: body.amount!,
      currency: body.currency!,
      completions: 0,
    });
    if (body.to.idValue === 'SLOW') {
      complete(body.transferId);
      await new Promise((resolve) => setTimeout(resolve, options.slowMs));
      return c.json(state(body.transferId));
    }
    if (!options.stepwise) complete(body.transferId);
    return c.json(state(body.transferId));
  });
  app.put('/transfers/:id', async (c) => {
    const transfer = transfers.get(c.req.param('id'));
    if (!transfer) return c.json({ statusCode: '3208', message: 'Transfer not found' }, 404);
    const body = (await c.req.json()) as { acceptParty?: boolean; acceptQuote?: boolean };
    if (body.acceptParty && transfer.currentState === 'WAITING_FOR_PARTY_ACCEPTANCE')
      transfer.currentState = 'WAITING_FOR_QUOTE_ACCEPTANCE';
    else if (body.acceptQuote && transfer.currentState === 'WAITING_FOR_QUOTE_ACCEPTANCE')
      complete(c.req.param('id'));
    return c.json(state(c.req.param('id')));
  });
  app.get('/transfers/:id', (c) => {
    if (!transfers.has(c.req.param('id')))
      return c.json({ statusCode: '3208', message: 'Transfer not found' }, 404);
    return c.json(state(c.req.param('id')));
  });
  return { app, transfers };
}

describe('mojaloop rail against a fake scheme adapter', () => {
  let server: RunningServer;
  let fake: ReturnType<typeof fakeSchemeAdapter>;
  beforeAll(async () => {
    fake = fakeSchemeAdapter({ stepwise: true, slowMs: 300 });
    server = await startServer(fake.app, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
  });
  const rail = (timeoutMs = 2000) =>
    mojaloopRail({
      baseUrl: server.url,
      from: { idType: 'ACCOUNT_ID', idValue: 'programme-1' },
      timeoutMs,
      http: { retries: 0 },
    });

  railConformanceSuite({
    name: 'mojaloop (fake scheme adapter, party and quote accepted step by step)',
    create: async () => {
      const created = rail();
      return { rail: created, teardown: () => created.close() };
    },
    transfer: () => ({
      amount: money(1050, 'USD'),
      modality: 'mobile_money',
      financialAddress: '+255700000001',
    }),
  });

  it('fails definitively when the party is not found', async () => {
    const created = rail();
    const result = await created.submit({
      idempotencyKey: 'k-unknown',
      amount: money(100, 'USD'),
      modality: 'mobile_money',
      financialAddress: 'UNKNOWN-PARTY',
    });
    expect(result).toMatchObject({ status: 'failed', reason: 'MOJALOOP_3204' });
    await created.close();
  });

  it('turns a slow answer into an unknown outcome that an inquiry resolves, paying once', async () => {
    const created = rail(100);
    const transfer = {
      idempotencyKey: 'k-slow',
      amount: money(100, 'USD'),
      modality: 'mobile_money' as const,
      financialAddress: 'SLOW',
    };
    await expect(created.submit(transfer)).rejects.toMatchObject({ code: 'PAYMENT_RAIL_TIMEOUT' });
    expect((await created.inquire('k-slow')).status).toBe('paid');
    expect((await created.submit(transfer)).status).toBe('paid');
    const completions = [...fake.transfers.values()].filter(
      (entry) => entry.completions > 0 && entry.amount === '1.00',
    );
    expect(completions.every((entry) => entry.completions === 1)).toBe(true);
    await created.close();
  });

  it('disburses a batch through the engine', async () => {
    const mojaloop = rail(150);
    const service = createPaymentService({
      store: memoryPaymentStore(),
      rails: { mojaloop },
      audit: memoryAuditSink(),
    });
    const maker: ActorContext = { actor: { type: 'operator', id: 'm', roles: [] } };
    const addresses = ['+255700000101', 'UNKNOWN-PARTY', 'SLOW', '+255700000104'];
    await service.registerBeneficiaries(
      maker,
      addresses.map((financialAddress, index) => ({
        functionalId: `ML${index}`,
        modality: 'mobile_money' as const,
        financialAddress,
        rail: 'mojaloop',
      })),
    );
    const rows = addresses.map((_, index) => ({
      instructionId: `MLI${index}`,
      payeeFunctionalId: `ML${index}`,
      amount: '2.00',
      currency: 'USD',
    }));
    const batch = await service.createBatch(
      maker,
      { currency: 'USD', format: 'json', control: { count: 4, sum: 800 } },
      rows,
    );
    await service.approveBatch({ actor: { type: 'operator', id: 'c1', roles: [] } }, batch.batchId);
    await service.approveBatch({ actor: { type: 'operator', id: 'c2', roles: [] } }, batch.batchId);
    const result = await service.processBatch(maker, batch.batchId, { pollIntervalMs: 50 });
    expect(result.batchState).toBe('completed');
    expect(result.byState.paid.count).toBe(3);
    expect(result.byState.failed.count).toBe(1);
    expect((await service.getInstruction(maker, batch.batchId, 'MLI1')).failureReason).toBe(
      'MOJALOOP_3204',
    );
    await mojaloop.close();
  });
});
