import { type ActorContext, isGovBlocksError, ValidationError } from '@govblocks/core';
import { type HttpContext, type HttpEnv, sendJson } from '@govblocks/core/http';
import type { Hono } from 'hono';
import { z } from 'zod';
import { NotSupportedError } from '../errors.js';
import type { VoucherService, VoucherStatus } from '../vouchers/voucher-service.js';
import type { CallbackSender } from './callbacks.js';
import { callbackUrlOf, jsonOf, majorUnits, parseOr, wireAmount } from './g2p-v3.js';

/** The merchant (or agent) behind an `agentID`, from the merchant registry. */
export type MerchantDirectory = (
  agentId: string,
) => Promise<{ name: string; financialAddress: string; group: string } | undefined>;

export interface VouchersV3Options {
  /** Resolves the `agentID` of a redemption; without it redemptions answer 501 `PAYMENT_NOT_SUPPORTED`. */
  merchantOf?: MerchantDirectory;
}

/**
 * Voucher status codes of the v3 status answer. The API file leaves the values open ("01 to 06,
 * and 9 for error"); 03 is cancellation as the spec's cancellation section says.
 */
export const voucherStatusCodes: Record<VoucherStatus | 'not_existing', number> = {
  pre_activated: 1,
  activated: 2,
  cancelled: 3,
  redeemed: 4,
  expired: 5,
  not_existing: 6,
};

const id = (max: number) => z.string().min(1).max(max);
const serial = z.union([z.string(), z.number()]).transform(String);
/** Vouchers named by serial number, as activation and cancellation list them. */
const serialInstructions = z
  .array(z.object({ serialNumber: serial }))
  .min(1)
  .max(10_000);

const createSchema = z.object({
  requestID: id(64),
  batchID: id(64).optional(),
  voucherInstructions: z
    .array(
      z.object({
        instructionID: id(64),
        groupCode: id(64),
        currency: z.string().length(3),
        amount: z.union([z.number(), z.string()]),
        payeeFunctionalID: z.string().max(64).optional(),
        narration: z.string().max(256).optional(),
      }),
    )
    .min(1)
    .max(10_000),
});

const activateSchema = z.object({
  RequestID: id(64),
  BatchID: id(64).optional(),
  VoucherInstructions: serialInstructions,
});

const cancelSchema = z.object({
  requestID: id(64),
  batchID: id(64).optional(),
  voucherInstructions: serialInstructions,
});

const redeemSchema = z.object({
  requestID: id(64),
  voucherSerialNumber: serial,
  agentID: id(64),
  voucherSecretNumber: serial,
});

const reasonOf = (error: unknown) =>
  isGovBlocksError(error) && error.status < 500 ? error.code : 'INTERNAL';

/**
 * Mounts the current (v3) voucher routes of the GovStack Payments BB on `app`:
 *
 * - `POST /vouchers` — create (pre-activate) vouchers in bulk; the voucher numbers are in the
 *   answer's `voucherInstructions` (a govblocks extension) and, when `X-Callback-URL` is given,
 *   posted there (Create_Vouchers_Response). Voucher numbers are secrets: never logged.
 * - `PUT /vouchers?command=activate` — activate in bulk (Voucher_Activate_Response to the callback);
 * - `POST /vouchers?command=cancel` — cancel in bulk (Voucher_Cancellation_Response to the callback);
 * - `POST /vouchers?command=redeem` — redeem one voucher at an agent (the published file names the
 *   command `cancel` too: a `cancel` body carrying `voucherSecretNumber` is a redemption);
 * - `GET /vouchers/{serialNumber}?fields=status` — status (codes in {@link voucherStatusCodes}).
 *
 * Bad requests are problem+json; per-voucher failures are in the answer (`failedCases`).
 */
export function mountVouchersV3(
  app: Hono<HttpEnv>,
  vouchers: VoucherService,
  options: VouchersV3Options & {
    actor: (c: HttpContext, fallback?: string) => ActorContext;
    callbacks: CallbackSender;
    allowCallbackUrl?: (url: URL) => boolean;
  },
): void {
  const callbackOf = (c: HttpContext) => callbackUrlOf(c, options.allowCallbackUrl);
  const contextOf = (c: HttpContext) =>
    options.actor(c, c.req.header('X-Registering-Institution-Id'));
  const ack = (c: HttpContext, requestId: string, failed: number, extra: object) =>
    sendJson(c, {
      ResponseCode: failed === 0 ? '00' : '01',
      ResponseDescription:
        failed === 0 ? 'Request successfully processed' : `${failed} instruction(s) failed`,
      RequestID: requestId,
      ...extra,
    });

  app.post('/vouchers', async (c) => {
    const command = c.req.query('command');
    const callbackUrl = callbackOf(c);
    const context = contextOf(c);
    const body = await jsonOf(c);
    if (
      command === 'redeem' ||
      (command === 'cancel' && typeof body === 'object' && body && 'voucherSecretNumber' in body)
    ) {
      const input = parseOr(redeemSchema, body, 'redemption');
      if (!options.merchantOf) {
        throw new NotSupportedError(
          'merchantOf',
          '[payments] redemption needs a merchant directory to resolve agentID',
        );
      }
      const merchant = await options.merchantOf(input.agentID);
      if (!merchant) {
        throw new ValidationError('Unknown agent', [
          { pointer: '/agentID', detail: 'not in the merchant registry' },
        ]);
      }
      const found = await vouchers.status(context, input.voucherSerialNumber);
      try {
        if (!found) throw new Error('unknown serial');
        const redeemed = await vouchers.redeem(context, {
          voucherNumber: input.voucherSecretNumber,
          merchant,
        });
        return sendJson(c, {
          status: 1,
          message: 'Voucher redeemed',
          serialNumber: redeemed.serialNumber,
          value: majorUnits(redeemed.amount.amount, redeemed.amount.currency),
          timestamp: redeemed.updatedAt,
          transactionId: (redeemed.railReference ?? '').slice(0, 12),
        });
      } catch (error) {
        return sendJson(c, {
          status: 0,
          message: found ? reasonOf(error).slice(0, 20) : 'VOUCHER_INVALID',
          serialNumber: input.voucherSerialNumber,
          value: 0,
          timestamp: new Date().toISOString(),
        });
      }
    }
    if (command === 'cancel') {
      const input = parseOr(cancelSchema, body, 'cancellation');
      const failedCases: Array<{ serialNumber: string; failureReason: string }> = [];
      for (const { serialNumber } of input.voucherInstructions) {
        try {
          await vouchers.cancel(context, serialNumber);
        } catch (error) {
          failedCases.push({ serialNumber, failureReason: reasonOf(error) });
        }
      }
      const result = {
        requestID: input.requestID,
        registerRequestID: input.requestID,
        numberFailedCases: failedCases.length,
        failedCases,
      };
      if (callbackUrl) options.callbacks.send(callbackUrl, input.requestID, result);
      return sendJson(c, {
        responseCode: failedCases.length === 0 ? '00' : '01',
        responseDescription:
          failedCases.length === 0
            ? 'Vouchers cancelled'
            : `${failedCases.length} voucher(s) not cancelled`,
        requestID: input.requestID,
        failedCases,
      });
    }
    if (command !== undefined) {
      throw new ValidationError('Unknown command', [
        { pointer: '/command', detail: 'none (create), cancel or redeem' },
      ]);
    }
    const input = parseOr(createSchema, body, 'voucher creation');
    const issued = [];
    const failedCases: Array<{ instructionID: string; failureReason: string }> = [];
    for (const item of input.voucherInstructions) {
      try {
        const voucher = await vouchers.preactivate(context, {
          amount: String(wireAmount(item.amount)),
          currency: item.currency,
          group: item.groupCode,
          ...(item.narration ? { comment: item.narration } : {}),
        });
        issued.push({
          instructionID: item.instructionID,
          serialNumber: voucher.serialNumber,
          voucherNumber: voucher.voucherNumber,
          currency: voucher.amount.currency,
          amount: majorUnits(voucher.amount.amount, voucher.amount.currency),
          expiryDate: voucher.expiresAt,
          ...(item.narration ? { narration: item.narration } : {}),
        });
      } catch (error) {
        failedCases.push({ instructionID: item.instructionID, failureReason: reasonOf(error) });
      }
    }
    if (callbackUrl && issued.length > 0) {
      options.callbacks.send(callbackUrl, input.requestID, {
        requestID: input.requestID,
        ...(input.batchID ? { batchID: input.batchID } : {}),
        voucherInstructions: issued,
      });
    }
    return ack(c, input.requestID, failedCases.length, {
      voucherInstructions: issued,
      failedCases,
    });
  });

  app.put('/vouchers', async (c) => {
    if (c.req.query('command') !== 'activate') {
      throw new ValidationError('Unknown command', [{ pointer: '/command', detail: 'activate' }]);
    }
    const callbackUrl = callbackOf(c);
    const context = contextOf(c);
    const input = parseOr(activateSchema, await jsonOf(c), 'activation');
    const failedCases: Array<{ serialNumber: string; failureReason: string }> = [];
    for (const { serialNumber } of input.VoucherInstructions) {
      try {
        await vouchers.activate(context, serialNumber);
      } catch (error) {
        failedCases.push({ serialNumber, failureReason: reasonOf(error) });
      }
    }
    if (callbackUrl) {
      options.callbacks.send(callbackUrl, input.RequestID, {
        requestID: input.RequestID,
        registerRequestID: input.RequestID,
        numberFailedCases: failedCases.length,
        failedCases,
      });
    }
    return ack(c, input.RequestID, failedCases.length, { failedCases });
  });

  app.get('/vouchers/:serialNumber', async (c) => {
    const serialNumber = c.req.param('serialNumber');
    if (!/^[1-9]\d{0,19}$/.test(serialNumber)) {
      return sendJson(
        c,
        { status: 9, message: 'Invalid voucher serial number', serialNumber, value: 0 },
        400,
      );
    }
    const found = await vouchers.status(contextOf(c), serialNumber);
    if (!found)
      return sendJson(c, { status: voucherStatusCodes.not_existing, serialNumber, value: 0 });
    const { amount } = found.voucher;
    return sendJson(c, {
      status: voucherStatusCodes[found.status],
      serialNumber,
      value: majorUnits(amount.amount, amount.currency),
    });
  });
}
