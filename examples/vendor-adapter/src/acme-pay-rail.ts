import {
  type PaymentRail,
  type RailStatus,
  type RailSubmitResult,
  RailTimeoutError,
  RailUnavailableError,
} from '@govblocks/payments';

export interface AcmePayRailOptions {
  baseUrl: string;
  apiKey: string;
  /** Name in `createPaymentService({ rails })`. Default `acmepay`. */
  name?: string;
  /** Per-request timeout in ms. Default 5,000. */
  timeoutMs?: number;
}

interface AcmeTransfer {
  id: string;
  status: 'completed' | 'rejected' | 'processing';
  reason?: string;
}

/**
 * AcmePay mobile money as a govblocks `PaymentRail`. The govblocks idempotency key goes to
 * AcmePay's `Idempotency-Key` header, which AcmePay honours, so a resubmission never pays twice.
 *
 * @example
 * const payments = createPaymentService({ store, audit, rails: { acmepay: acmePayRail({ baseUrl, apiKey }) } });
 */
export function acmePayRail(options: AcmePayRailOptions): PaymentRail {
  const name = options.name ?? 'acmepay';
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function call(method: 'GET' | 'POST', path: string, key: string, body?: unknown) {
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl}${path}`, {
        method,
        headers: {
          'x-api-key': options.apiKey,
          'idempotency-key': key,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      // Connection refused: nothing reached AcmePay. Anything else (a timeout, a reset after
      // sending): the outcome is unknown, and the engine will inquire before retrying.
      const code = (error as { cause?: { code?: string } }).cause?.code;
      if (code === 'ECONNREFUSED') throw new RailUnavailableError(name, { cause: error });
      throw new RailTimeoutError(name, { cause: error });
    }
    if (response.status === 503 || response.status === 429) throw new RailUnavailableError(name);
    if (response.status >= 500) throw new RailTimeoutError(name);
    return { status: response.status, body: (await response.json()) as AcmeTransfer };
  }

  return {
    specificationVersion: 'payment-rail/v1',
    name,
    capabilities: { callbacks: false, modalities: ['mobile_money'] },

    async submit(transfer): Promise<RailSubmitResult> {
      const { body } = await call('POST', '/v1/transfers', transfer.idempotencyKey, {
        amount: transfer.amount.amount,
        currency: transfer.amount.currency,
        msisdn: transfer.financialAddress,
        narration: transfer.narration,
      });
      if (body.status === 'completed') return { status: 'paid', railReference: body.id };
      if (body.status === 'processing') return { status: 'accepted', railReference: body.id };
      return { status: 'failed', reason: body.reason ?? 'REJECTED', railReference: body.id };
    },

    async inquire(idempotencyKey): Promise<RailStatus> {
      const { status, body } = await call(
        'GET',
        `/v1/transfers/${encodeURIComponent(idempotencyKey)}`,
        idempotencyKey,
      );
      if (status === 404) return { status: 'not_found' };
      if (body.status === 'completed') return { status: 'paid', railReference: body.id };
      if (body.status === 'processing') return { status: 'pending', railReference: body.id };
      return { status: 'failed', reason: body.reason ?? 'REJECTED', railReference: body.id };
    },
  };
}
