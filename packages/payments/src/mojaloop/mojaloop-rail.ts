import { createHash } from 'node:crypto';
import { ConfigurationError, formatMoney, isGovBlocksError } from '@govblocks/core';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '@govblocks/core/client';
import { z } from 'zod';
import { RailTimeoutError } from '../errors.js';
import type { PaymentRail, RailStatus, RailSubmitResult, RailTransfer } from '../ports.js';
import type { PaymentModality } from '../schemas.js';

export interface MojaloopRailOptions {
  /** Default `mojaloop`. */
  name?: string;
  /** The Mojaloop SDK scheme adapter's outbound API, e.g. `http://sdk-outbound:4001`. */
  baseUrl: string;
  /** The paying party (the programme's account at this DFSP). */
  from: { idType: string; idValue: string; displayName?: string };
  /** Mojaloop party id type per modality. Default: mobile money → `MSISDN`, others → `ACCOUNT_ID`. */
  idTypeByModality?: Partial<Record<PaymentModality, string>>;
  /** Accept the party and the quote automatically when the adapter waits for it. Default true. */
  autoAccept?: boolean;
  /** One attempt's time in ms. Default 30,000. A transfer that takes longer is `unknown` and inquired. */
  timeoutMs?: number;
  /** Passed to `createHttpClient` (headers, a dispatcher in tests…). */
  http?: Omit<HttpClientOptions, 'baseUrl' | 'name' | 'timeoutMs'>;
}

/** A UUID (version 8, RFC 9562 custom) derived from the idempotency key: the same key, the same transfer. */
export function transferIdFor(idempotencyKey: string): string {
  const hex = createHash('sha256')
    .update(`govblocks-mojaloop\u0000${idempotencyKey}`)
    .digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

// Lenient schemas of the responses: only the fields we read.
const errorInformationSchema = z
  .object({ errorCode: z.string().optional(), errorDescription: z.string().optional() })
  .passthrough();
const transferStateSchema = z
  .object({
    transferId: z.string().optional(),
    currentState: z.string().optional(),
    lastError: z
      .object({
        mojaloopError: z
          .object({ errorInformation: errorInformationSchema.optional() })
          .passthrough()
          .optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
type TransferState = z.infer<typeof transferStateSchema>;
const errorBodySchema = z.object({ transferState: transferStateSchema.optional() }).passthrough();

/**
 * A rail over the Mojaloop SDK scheme adapter's outbound API (`POST /transfers` does party
 * lookup, quote and transfer; `PUT /transfers/{id}` accepts the party and the quote;
 * `GET /transfers/{id}` reads a transfer's state).
 *
 * Idempotency: every submission of an instruction carries the same `transferId`, derived from
 * its idempotency key (and the key as `homeTransactionId`), and inquiries read that transfer.
 * This needs a scheme adapter — or a proxy in front of it — that honours a caller-supplied
 * `transferId` and answers a repeated one with the existing transfer; check yours with
 * `railConformanceSuite`. A Mojaloop error in the 3xxx–5xxx ranges (party, quote, payee or
 * payer errors) is a definitive failure; anything else without an answer is an unknown outcome.
 *
 * @example
 * const rail = mojaloopRail({ baseUrl: 'http://sdk:4001', from: { idType: 'ACCOUNT_ID', idValue: 'programme-1' } });
 */
export function mojaloopRail(
  options: MojaloopRailOptions,
): PaymentRail & { close(): Promise<void> } {
  const name = options.name ?? 'mojaloop';
  if (!options.baseUrl) throw new ConfigurationError('[payments/mojaloop] baseUrl is required');
  const client: HttpClient = createHttpClient({
    ...options.http,
    baseUrl: options.baseUrl,
    name: `payments/${name}`,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const idTypeOf = (modality: PaymentModality) =>
    options.idTypeByModality?.[modality] ?? (modality === 'mobile_money' ? 'MSISDN' : 'ACCOUNT_ID');

  const failureOf = (state: TransferState | undefined): string | undefined => {
    const code = state?.lastError?.mojaloopError?.errorInformation?.errorCode;
    return code && /^[345]\d{3}$/.test(code) ? `MOJALOOP_${code}` : undefined;
  };

  const toResult = (state: TransferState, transferId: string): RailSubmitResult => {
    if (state.currentState === 'COMPLETED') return { status: 'paid', railReference: transferId };
    if (state.currentState === 'ERROR_OCCURRED') {
      const reason = failureOf(state);
      if (reason) return { status: 'failed', reason, railReference: transferId };
      throw new RailTimeoutError(name);
    }
    return { status: 'accepted', railReference: transferId };
  };

  /** Sends; a definite Mojaloop failure comes back as a state, anything else unknown is a timeout. */
  const call = async (
    method: 'POST' | 'PUT',
    path: string,
    body: unknown,
  ): Promise<TransferState> => {
    try {
      const response = await client.send({
        method,
        path,
        body,
        schema: transferStateSchema,
        acceptStatus: [400, 404, 500],
        retry: method === 'PUT',
      });
      if (response.status === 200) return response.data;
      const parsed = errorBodySchema.safeParse(response.data);
      const state = parsed.success ? parsed.data.transferState : undefined;
      if (state && failureOf(state)) return { ...state, currentState: 'ERROR_OCCURRED' };
      if (response.status === 400)
        return {
          currentState: 'ERROR_OCCURRED',
          lastError: { mojaloopError: { errorInformation: { errorCode: '3100' } } },
        };
      throw new RailTimeoutError(name);
    } catch (error) {
      if (isGovBlocksError(error) && error.code === 'PAYMENT_RAIL_TIMEOUT') throw error;
      // Timeouts, resets, 5xx without a state: the transfer may or may not exist.
      throw new RailTimeoutError(name, { cause: error });
    }
  };

  return {
    specificationVersion: 'payment-rail/v1',
    name,
    capabilities: {
      callbacks: false,
      modalities: ['mobile_money', 'bank_account', 'digital_wallet', 'proxy'],
    },
    async submit(transfer: RailTransfer) {
      const transferId = transferIdFor(transfer.idempotencyKey);
      let state = await call('POST', '/transfers', {
        homeTransactionId: transfer.idempotencyKey,
        transferId,
        from: options.from,
        to: { idType: idTypeOf(transfer.modality), idValue: transfer.financialAddress },
        amountType: 'SEND',
        currency: transfer.amount.currency,
        amount: formatMoney(transfer.amount),
        transactionType: 'TRANSFER',
        ...(transfer.narration ? { note: transfer.narration.slice(0, 128) } : {}),
      });
      if (options.autoAccept !== false) {
        if (state.currentState === 'WAITING_FOR_PARTY_ACCEPTANCE') {
          state = await call('PUT', `/transfers/${transferId}`, { acceptParty: true });
        }
        if (state.currentState === 'WAITING_FOR_QUOTE_ACCEPTANCE') {
          state = await call('PUT', `/transfers/${transferId}`, { acceptQuote: true });
        }
      }
      return toResult(state, transferId);
    },
    async inquire(idempotencyKey): Promise<RailStatus> {
      const transferId = transferIdFor(idempotencyKey);
      const response = await client.send({
        method: 'GET',
        path: `/transfers/${transferId}`,
        schema: transferStateSchema,
        acceptStatus: [404],
      });
      if (response.status === 404) return { status: 'not_found' };
      const state = response.data;
      if (state.currentState === 'COMPLETED') return { status: 'paid', railReference: transferId };
      if (state.currentState === 'ERROR_OCCURRED') {
        const reason = failureOf(state);
        return reason
          ? { status: 'failed', reason, railReference: transferId }
          : { status: 'pending', railReference: transferId };
      }
      return { status: 'pending', railReference: transferId };
    },
    close: () => client.close(),
  };
}
