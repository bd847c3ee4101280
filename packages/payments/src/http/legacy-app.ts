import {
  type ActorContext,
  formatMoney,
  isCurrency,
  isGovBlocksError,
  parseMoney,
} from '@govblocks/core';
import {
  type AuthOptions,
  createHttpApp,
  type HttpContext,
  type HttpEnv,
  type HttpLogger,
  sendJson,
} from '@govblocks/core/http';
import type { Hono } from 'hono';
import type { PaymentService } from '../ports.js';
import type { PaymentModality } from '../schemas.js';
import type { VoucherService } from '../vouchers/voucher-service.js';
import { mountAccountMapperV3 } from './account-mapper-v3.js';
import { createCallbackSender } from './callbacks.js';
import { type G2pV3Options, mountG2pV3 } from './g2p-v3.js';
import { mountVouchersV3, type VouchersV3Options } from './vouchers-v3.js';

export interface PaymentsHttpOptions {
  service: PaymentService;
  vouchers?: VoucherService;
  /**
   * Building blocks allowed to call the voucher API (the `Gov_Stack_BB` field). Others get 460.
   * Default: `Gov_Stack_BB` and the GovStack block names (`bb-digital-registries`, …).
   */
  buildingBlocks?: readonly string[];
  /** Which rail pays each G2P `PaymentModality` (`00` bank account … `04` proxy). Required for beneficiary registration. */
  railByModality: Partial<Record<PaymentModality, string>>;
  /** Authentication; leave out only in development (then every caller is an anonymous service). */
  auth?: AuthOptions;
  bodyLimitBytes?: number;
  logger?: HttpLogger;
  /**
   * The current (v3) G2P bulk routes (`mountG2pV3`) and, with `vouchers`, the v3 voucher routes
   * (`mountVouchersV3`); `false` leaves them out. Default: mounted.
   */
  v3?: (G2pV3Options & VouchersV3Options) | false;
}

const defaultBuildingBlocks = [
  'Gov_Stack_BB',
  'bb-digital-registries',
  'bb-registration',
  'bb-payments',
  'bb-messaging',
  'bb-consent',
  'bb-identity',
  'bb-information-mediator',
  'bb-workflow',
];

const modalities: Record<string, PaymentModality> = {
  '00': 'bank_account',
  '01': 'mobile_money',
  '02': 'voucher',
  '03': 'digital_wallet',
  '04': 'proxy',
};

const digits = /^[1-9]\d{0,18}$/;
const exactly = (value: unknown, length: number) =>
  typeof value === 'string' && value.length === length;
const present = (value: unknown) => value !== undefined && value !== null;

/** Reads a JSON object body; `undefined` when empty or not an object. */
async function body(c: HttpContext): Promise<Record<string, unknown> | undefined> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const message = (c: HttpContext, status: number, text: string) =>
  sendJson(c, { message: text }, status);

/**
 * The GovStack Payments BB HTTP binding of the legacy routes that GovStack's published API tests
 * check, with their status codes (452–464):
 *
 * - `POST /register-beneficiary`, `POST /update-beneficiary-details` (ID → account mapper)
 * - `POST /bulk-payment` (creates a batch awaiting maker-checker approval)
 * - `POST /prepayment-validation`
 * - `POST /vouchers/voucher_preactivation`, `PATCH /vouchers/voucher_activation`,
 *   `POST /vouchers/voucher_redemption`, `GET|PATCH /vouchers/voucherstatuscheck/{serial}`
 *
 * and the current (v3) account mapper routes: `POST|PUT /identityAccountMapper/beneficiary`,
 * `GET /beneficiary?payeeIdentity=…&requestId=…`, `PUT /beneficiary` (bulk lookup), and the v3
 * G2P bulk and voucher routes (`mountG2pV3`, `mountVouchersV3`; option `v3`).
 *
 * Answers are `application/json; charset=utf-8` in the legacy shapes (`{ message }` for errors,
 * `{ ResponseCode, ResponseDescription, RequestID }` for G2P). Voucher numbers are never logged.
 *
 * @example
 * const app = paymentsHttpApp({ service, vouchers, railByModality: { mobile_money: 'mpesa' }, auth });
 * await startServer(app, { port: 3333 });
 */
export function paymentsHttpApp(options: PaymentsHttpOptions): Hono<HttpEnv> {
  const { service, vouchers } = options;
  const buildingBlocks = new Set(options.buildingBlocks ?? defaultBuildingBlocks);
  const app = createHttpApp({
    name: 'payments',
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });

  const actor = (c: HttpContext, fallbackId?: string): ActorContext => {
    const authenticated = c.get('actor');
    const base: ActorContext = authenticated ?? {
      actor: {
        type: 'service',
        id: (c.get('informationMediatorClient') ?? fallbackId ?? 'anonymous').slice(0, 256),
        roles: [],
      },
    };
    return { ...base, requestId: c.get('requestId'), correlationId: c.get('correlationId') };
  };

  const unexpected = (c: HttpContext, error: unknown) => {
    if (isGovBlocksError(error) && error.status === 503)
      return message(c, 503, 'Service unavailable');
    if (isGovBlocksError(error) && error.code === 'PAYMENT_RAIL_TIMEOUT')
      return message(c, 599, 'Network connection timeout error');
    options.logger?.error('unexpected error', {
      name: error instanceof Error ? error.name : typeof error,
    });
    return message(c, 500, 'Internal server error');
  };

  mountAccountMapperV3(app, service, { railByModality: options.railByModality, actor });
  if (options.v3 !== false) {
    const allow = options.v3?.allowCallbackUrl;
    const callbacks =
      options.v3?.callbacks ??
      createCallbackSender({
        ...(allow ? { allow } : {}),
        ...(options.logger ? { logger: options.logger } : {}),
      });
    mountG2pV3(app, service, {
      ...options.v3,
      callbacks,
      actor,
      ...(options.logger ? { logger: options.logger } : {}),
    });
    if (vouchers) {
      mountVouchersV3(app, vouchers, {
        ...(options.v3?.merchantOf ? { merchantOf: options.v3.merchantOf } : {}),
        ...(allow ? { allowCallbackUrl: allow } : {}),
        callbacks,
        actor,
      });
    }
  }

  // ───────────── G2P: account mapper ─────────────

  const g2pAck = (
    c: HttpContext,
    status: number,
    requestId: unknown,
    ok: boolean,
    description: string,
    extra = {},
  ) =>
    sendJson(
      c,
      {
        ResponseCode: ok ? '00' : '01',
        ResponseDescription: description,
        ...(typeof requestId === 'string' ? { RequestID: requestId } : {}),
        ...extra,
      },
      status,
    );

  const beneficiaryRoute = (mode: 'register' | 'update') => async (c: HttpContext) => {
    const input = await body(c);
    const notAcknowledged = 'Request not acknowledged by Pay-BB';
    const list = input?.Beneficiaries;
    if (
      !input ||
      !exactly(input.RequestID, 12) ||
      !exactly(input.SourceBBID, 12) ||
      !Array.isArray(list) ||
      list.length === 0 ||
      list.length > 10_000
    ) {
      return g2pAck(c, 400, input?.RequestID, false, notAcknowledged);
    }
    const items: Array<{
      functionalId: string;
      modality?: PaymentModality;
      financialAddress?: string;
    }> = [];
    for (const entry of list as unknown[]) {
      const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
        string,
        unknown
      >;
      const functionalId = item.PayeeFunctionalID ?? item.payeeIdentity;
      if (!exactly(functionalId, 20))
        return g2pAck(c, 400, input.RequestID, false, notAcknowledged);
      const modality =
        item.PaymentModality === undefined ? undefined : modalities[String(item.PaymentModality)];
      if (item.PaymentModality !== undefined && !modality)
        return g2pAck(c, 400, input.RequestID, false, notAcknowledged);
      const address = item.FinancialAddress;
      if (
        address !== undefined &&
        (typeof address !== 'string' || address.length === 0 || address.length > 64)
      ) {
        return g2pAck(c, 400, input.RequestID, false, notAcknowledged);
      }
      items.push({
        functionalId: functionalId as string,
        ...(modality ? { modality } : {}),
        ...(typeof address === 'string' ? { financialAddress: address } : {}),
      });
    }
    const context = actor(c, input.SourceBBID as string);
    try {
      if (mode === 'register') {
        // PaymentModality and FinancialAddress are optional in the G2P API: a beneficiary may be
        // registered before its account is known (it is not payable until updated).
        const beneficiaries = items.map((item) => {
          if (item.financialAddress === undefined) {
            return {
              functionalId: item.functionalId,
              ...(item.modality ? { modality: item.modality } : {}),
            };
          }
          const modality = item.modality ?? 'bank_account';
          const rail = options.railByModality[modality];
          if (!rail) throw Object.assign(new Error('no rail'), { noRail: true });
          return {
            functionalId: item.functionalId,
            modality,
            financialAddress: item.financialAddress,
            rail,
          };
        });
        await service.registerBeneficiaries(context, beneficiaries);
      } else {
        await service.updateBeneficiaries(
          context,
          items.map((item) => {
            const rail = item.modality ? options.railByModality[item.modality] : undefined;
            return { ...item, ...(rail ? { rail } : {}) };
          }),
        );
      }
    } catch (error) {
      if (
        (error as { noRail?: boolean }).noRail ||
        (isGovBlocksError(error) && error.status < 500)
      ) {
        return g2pAck(c, 400, input.RequestID, false, notAcknowledged);
      }
      return unexpected(c, error);
    }
    return g2pAck(c, 200, input.RequestID, true, 'Request successfully acknowledged by Pay-BB');
  };

  app.post('/register-beneficiary', beneficiaryRoute('register'));
  app.post('/update-beneficiary-details', beneficiaryRoute('update'));

  // ───────────── G2P: bulk payment and validation ─────────────

  /** Checks the G2P envelope like the reference mock does; the instruction rows are validated by the engine. */
  const creditInstructions = (input: Record<string, unknown> | undefined) => {
    if (
      !input ||
      !exactly(input.RequestID, 12) ||
      !exactly(input.SourceBBID, 12) ||
      !exactly(input.BatchID, 12)
    )
      return undefined;
    const list = input.CreditInstructions;
    if (!Array.isArray(list) || list.length === 0 || list.length > 100_000) return undefined;
    const first = (list[0] ?? {}) as Record<string, unknown>;
    if (
      !exactly(first.InstructionID, 16) ||
      !exactly(first.PayeeFunctionalID, 20) ||
      !exactly(first.Currency, 3)
    )
      return undefined;
    if (
      !present(first.Amount) ||
      !/^[-+]?[0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?$/.test(String(first.Amount))
    )
      return undefined;
    return (list as unknown[]).map((entry) => {
      const item = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
        string,
        unknown
      >;
      return {
        instructionId: item.InstructionID,
        payeeFunctionalId: item.PayeeFunctionalID,
        amount:
          typeof item.Amount === 'number' || typeof item.Amount === 'string'
            ? String(item.Amount)
            : item.Amount,
        currency: item.Currency,
        ...(typeof item.Narration === 'string' && item.Narration !== ''
          ? { narration: item.Narration }
          : {}),
      };
    });
  };

  app.post('/bulk-payment', async (c) => {
    const input = await body(c);
    const rows = creditInstructions(input);
    if (!input || !rows) return g2pAck(c, 400, input?.RequestID, false, 'Request not acknowledged');
    const currency = String((rows[0] as { currency: unknown }).currency);
    if (!isCurrency(currency))
      return g2pAck(c, 400, input.RequestID, false, 'Request not acknowledged: unknown currency');
    // The API carries no control totals: they are the request's own count and sum.
    let sum = 0;
    for (const row of rows) {
      if (row.currency !== currency || typeof row.amount !== 'string') continue;
      try {
        const amount = parseMoney(row.amount, currency).amount;
        if (amount > 0) sum += amount;
      } catch {
        // an invalid amount is held by the engine with a reason
      }
    }
    try {
      await service.createBatch(
        actor(c, input.SourceBBID as string),
        {
          batchId: input.BatchID as string,
          currency,
          format: 'json',
          control: { count: rows.length, sum },
        },
        rows,
      );
    } catch (error) {
      if (isGovBlocksError(error) && error.code === 'CONFLICT') {
        return g2pAck(
          c,
          400,
          input.RequestID,
          false,
          'Request not acknowledged: BatchID already used',
        );
      }
      if (isGovBlocksError(error) && error.status < 500)
        return g2pAck(c, 400, input.RequestID, false, 'Request not acknowledged');
      return unexpected(c, error);
    }
    return g2pAck(c, 200, input.RequestID, true, 'Request successfully acknowledged');
  });

  app.post('/prepayment-validation', async (c) => {
    const input = await body(c);
    const rows = creditInstructions(input);
    if (!input || !rows) return g2pAck(c, 200, input?.RequestID, false, 'Invalid request');
    const currency = String((rows[0] as { currency: unknown }).currency);
    try {
      const report = await service.validatePayments(
        actor(c, input.SourceBBID as string),
        isCurrency(currency) ? currency : 'XXX',
        rows,
      );
      const failed = report.filter((row) => !row.valid);
      return g2pAck(
        c,
        200,
        input.RequestID,
        failed.length === 0,
        failed.length === 0
          ? 'All instructions are valid'
          : `${failed.length} of ${report.length} instructions failed validation`,
        {
          NumberFailedCases: failed.length,
          FailedAccounts: failed.map((row) => ({
            InstructionID: row.instructionId ?? `row ${row.rowNumber}`,
            FailureReason: row.reason,
          })),
        },
      );
    } catch (error) {
      if (isGovBlocksError(error) && error.status < 500)
        return g2pAck(c, 200, input.RequestID, false, 'Invalid request');
      return unexpected(c, error);
    }
  });

  // ───────────── Vouchers ─────────────

  if (vouchers) {
    app.post('/vouchers/voucher_preactivation', async (c) => {
      const input = await body(c);
      if (!input) return message(c, 400, 'Invalid request - body can not be empty');
      // As the reference mock: a missing amount is 452, a malformed one a plain 400.
      const amount = input.voucher_amount;
      if (!present(amount)) return message(c, 452, 'Invalid payload, voucher_amount is invalid');
      if (
        typeof amount !== 'string' ||
        !/^(0|[1-9]\d{0,17})(\.\d{0,3}\d)?$/.test(amount) ||
        /^0(\.0+)?$/.test(amount)
      ) {
        return message(c, 400, 'Invalid request - voucher_amount is invalid');
      }
      if (typeof input.voucher_currency !== 'string' || !isCurrency(input.voucher_currency)) {
        return message(c, 453, 'Invalid payload, voucher_currency is invalid');
      }
      if (typeof input.voucher_group !== 'string' || input.voucher_group === '') {
        return message(c, 454, 'Invalid payload, voucher_group is invalid');
      }
      if (typeof input.Gov_Stack_BB !== 'string' || !buildingBlocks.has(input.Gov_Stack_BB)) {
        return message(c, 460, 'Invalid payload, Gov Stack Building Block does not exist');
      }
      try {
        const issued = await vouchers.preactivate(actor(c, input.Gov_Stack_BB), {
          amount,
          currency: input.voucher_currency,
          group: input.voucher_group,
          ...(typeof input.voucher_comment === 'string'
            ? { comment: input.voucher_comment.slice(0, 256) }
            : {}),
        });
        return sendJson(c, {
          voucher_number: issued.voucherNumber,
          voucher_serial_number: issued.serialNumber,
          expiry_date_time: issued.expiresAt,
        });
      } catch (error) {
        const code = isGovBlocksError(error) ? error.code : '';
        if (code === 'VOUCHER_GROUP_UNKNOWN' || code === 'VOUCHER_CURRENCY_MISMATCH') {
          return message(
            c,
            code === 'VOUCHER_GROUP_UNKNOWN' ? 454 : 453,
            `Invalid payload, voucher_${code === 'VOUCHER_GROUP_UNKNOWN' ? 'group' : 'currency'} is invalid`,
          );
        }
        if (code === 'VOUCHER_GROUP_EXHAUSTED') return message(c, 455, 'Voucher group exhausted');
        if (code === 'VALIDATION_FAILED' || code === 'VOUCHER_INVALID_AMOUNT')
          return message(c, 452, 'Invalid payload, voucher_amount is invalid');
        return unexpected(c, error);
      }
    });

    app.patch('/vouchers/voucher_activation', async (c) => {
      const input = await body(c);
      if (!input || !present(input.voucher_serial_number) || !present(input.Gov_Stack_BB))
        return message(c, 400, 'Invalid request');
      if (typeof input.Gov_Stack_BB !== 'string' || !buildingBlocks.has(input.Gov_Stack_BB)) {
        return message(c, 460, 'Gov Stack Building Block does not exist');
      }
      const serial = String(input.voucher_serial_number);
      if (!digits.test(serial)) return message(c, 456, 'Invalid voucher serial number');
      try {
        await vouchers.activate(actor(c, input.Gov_Stack_BB), serial);
        return sendJson(c, { result_status: 'Successfully activated voucher' });
      } catch (error) {
        if (isGovBlocksError(error) && error.status < 500)
          return message(c, 456, 'Invalid voucher serial number');
        return unexpected(c, error);
      }
    });

    app.post('/vouchers/voucher_redemption', async (c) => {
      const input = await body(c);
      const required = [
        'voucher_number',
        'Gov_Stack_BB',
        'merchant_name',
        'merchant_bank_details',
        'merchant_voucher_group',
        'override',
      ];
      if (!input || required.some((name) => !present(input[name])))
        return message(c, 400, 'Invalid request');
      const number = String(input.voucher_number);
      if (!digits.test(number)) return message(c, 461, 'Invalid voucher number');
      if (typeof input.Gov_Stack_BB !== 'string' || !buildingBlocks.has(input.Gov_Stack_BB)) {
        return message(c, 460, 'GovStack Building Block does not exist');
      }
      try {
        await vouchers.redeem(actor(c, input.Gov_Stack_BB), {
          voucherNumber: number,
          merchant: {
            name: String(input.merchant_name).slice(0, 128),
            financialAddress: String(input.merchant_bank_details).slice(0, 128),
            group: String(input.merchant_voucher_group).slice(0, 64),
          },
        });
        return sendJson(c, { result_status: 'Voucher is successfully redeemed' });
      } catch (error) {
        const code = isGovBlocksError(error) ? error.code : '';
        if (code === 'VOUCHER_INSUFFICIENT_FUNDS')
          return message(c, 462, 'Insufficient funds in funding a/c');
        if (code === 'VOUCHER_MERCHANT_REJECTED') return message(c, 463, 'Cannot credit merchant');
        if (code.startsWith('VOUCHER_') || code === 'VALIDATION_FAILED')
          return message(c, 461, 'Invalid voucher number');
        return unexpected(c, error);
      }
    });

    const legacyStatus: Record<string, string> = {
      pre_activated: 'Pre-Activated',
      activated: 'Activated',
      cancelled: 'Blocked',
    };

    app.get('/vouchers/voucherstatuscheck/:serial', async (c) => {
      const serial = c.req.param('serial');
      if (serial === '{}' || serial.trim() === '') return message(c, 400, 'Invalid request');
      if (!digits.test(serial)) return message(c, 456, 'Invalid voucher number');
      try {
        const found = await vouchers.status(actor(c), serial);
        if (!found) return sendJson(c, { voucher_status: 'Not Existing', voucher_amount: '0' });
        if (found.status === 'redeemed') return message(c, 458, 'Voucher number already used');
        if (found.status === 'expired') return message(c, 459, 'Voucher has expired');
        const { amount } = found.voucher;
        return sendJson(c, {
          voucher_status: legacyStatus[found.status],
          voucher_amount: formatAmount(amount.amount, amount.currency),
        });
      } catch (error) {
        return unexpected(c, error);
      }
    });

    app.patch('/vouchers/voucherstatuscheck/:serial', async (c) => {
      const serial = c.req.param('serial');
      const input = await body(c);
      if (!input || !present(input.voucherserialnumber) || !present(input.Gov_Stack_BB))
        return message(c, 400, 'Invalid request');
      if (String(input.voucherserialnumber) !== serial) return message(c, 400, 'Invalid request');
      if (
        !digits.test(serial) ||
        typeof input.Gov_Stack_BB !== 'string' ||
        !buildingBlocks.has(input.Gov_Stack_BB)
      ) {
        return message(c, 463, 'Invalid voucher');
      }
      try {
        await vouchers.cancel(actor(c, input.Gov_Stack_BB), serial);
        return sendJson(c, { message: 'Voucher cancelled' });
      } catch (error) {
        const code = isGovBlocksError(error) ? error.code : '';
        if (code === 'VOUCHER_CANCELLED') return message(c, 464, 'Already canceled');
        if (code.startsWith('VOUCHER_') || code === 'VALIDATION_FAILED')
          return message(c, 463, 'Invalid voucher');
        return unexpected(c, error);
      }
    });
  }

  return app;
}

/** The legacy API shows amounts as decimal strings, whole ones without decimals (`"50"`). */
function formatAmount(amount: number, currency: string): string {
  return formatMoney({ amount, currency }).replace(/\.0+$/, '');
}
