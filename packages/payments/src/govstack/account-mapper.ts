import { type ActorContext, parse } from '@govblocks/core';
import { createHttpClient, type HttpClient, type HttpClientOptions } from '@govblocks/core/client';
import { z } from 'zod';
import type { AccountMapper } from '../ports.js';
import {
  type AccountLookup,
  beneficiaryInputSchema,
  beneficiaryUpdateSchema,
  type PaymentModality,
} from '../schemas.js';

export interface GovStackAccountMapperOptions {
  /** Base URL of a GovStack Payments BB (the G2P ID account mapper API). */
  baseUrl: string;
  /** Sent as `X-Registering-Institution-ID` (≤ 20 characters). */
  registeringInstitutionId: string;
  /** Sent as `X-Callback-URL` (the API requires it; results are read from the answers). */
  callbackUrl?: string;
  /**
   * The local rail that pays each modality: the remote mapper knows modalities, not our rails.
   * Beneficiaries registered through this mapper must use these rails.
   */
  railByModality: Partial<Record<PaymentModality, string>>;
  /** Credentials of the acting person or system for register and update calls (e.g. a bearer token). */
  headersFor?: (context: ActorContext) => Record<string, string> | undefined;
  /** Passed to `createHttpClient` (timeouts, retries, a dispatcher in tests…). */
  http?: Omit<HttpClientOptions, 'baseUrl' | 'name'>;
}

const codeOf: Record<PaymentModality, string> = {
  bank_account: '00',
  mobile_money: '01',
  voucher: '02',
  digital_wallet: '03',
  proxy: '04',
};
const modalityOf = Object.fromEntries(
  Object.entries(codeOf).map(([modality, code]) => [code, modality]),
) as Record<string, PaymentModality>;

// Lenient: only the fields we read.
const ackSchema = z
  .object({
    beneficiaries: z
      .array(z.object({ payeeIdentity: z.string(), status: z.string() }).passthrough())
      .optional(),
  })
  .passthrough();
const lookupSchema = z
  .object({
    paymentModalityList: z
      .array(
        z
          .object({
            payeeIdentity: z.string(),
            paymentModality: z.string().optional(),
            financialAddress: z.string().optional(),
            bankingInstitutionCode: z.string().optional(),
          })
          .passthrough(),
      )
      .optional(),
  })
  .passthrough();

let requestCounter = 0;
/** A 12-character request id, as the G2P API wants. */
const requestId = () =>
  `GB${Date.now().toString(36).slice(-6)}${(requestCounter++ % 1296).toString(36).padStart(2, '0')}`
    .slice(0, 12)
    .padEnd(12, '0');

/**
 * An {@link AccountMapper} over a remote GovStack Payments BB's ID account mapper (the current
 * G2P API: `POST|PUT /identityAccountMapper/beneficiary`, `PUT /beneficiary`). Plug it into
 * `createPaymentService({ accountMapper })` to pay through the engine against a national mapper.
 * Remote errors become typed errors (`VALIDATION_FAILED`, `UNAVAILABLE`, `TIMEOUT`, …).
 *
 * @example
 * const accountMapper = govstackAccountMapper({ baseUrl, registeringInstitutionId: 'MIN-SOCIAL', railByModality: { mobile_money: 'mpesa' } });
 */
export function govstackAccountMapper(
  options: GovStackAccountMapperOptions,
): AccountMapper & { close(): Promise<void> } {
  const client: HttpClient = createHttpClient({
    ...options.http,
    baseUrl: options.baseUrl,
    name: 'payments/govstack-account-mapper',
  });
  const headers = {
    'X-Registering-Institution-ID': options.registeringInstitutionId,
    'X-Callback-URL': options.callbackUrl ?? 'http://127.0.0.1/unused',
  };
  const railOf = (modality: PaymentModality) => options.railByModality[modality];
  const chunks = <T>(items: readonly T[], size: number) =>
    Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
      items.slice(index * size, index * size + size),
    );

  return {
    specificationVersion: 'account-mapper/v1',
    async register(context, beneficiaries) {
      const inputs = parse(
        z.array(beneficiaryInputSchema).max(10_000),
        beneficiaries,
        '[payments/govstack] beneficiaries',
      );
      const outcomes = new Map<string, 'registered' | 'already_registered'>();
      for (const chunk of chunks(inputs, 1000)) {
        const answer = await client.request({
          method: 'POST',
          path: '/identityAccountMapper/beneficiary',
          headers: { ...headers, ...options.headersFor?.(context) },
          schema: ackSchema,
          body: {
            RequestID: requestId(),
            Beneficiaries: chunk.map((item) => ({
              payeeIdentity: item.functionalId,
              ...(item.modality ? { PaymentModality: codeOf[item.modality] } : {}),
              ...(item.financialAddress ? { FinancialAddress: item.financialAddress } : {}),
              ...(item.institution ? { bankingInstitutionCode: item.institution } : {}),
            })),
          },
        });
        for (const item of answer.beneficiaries ?? []) {
          outcomes.set(
            item.payeeIdentity,
            item.status === '1' ? 'already_registered' : 'registered',
          );
        }
      }
      return inputs.map((input) => ({
        functionalId: input.functionalId,
        outcome: outcomes.get(input.functionalId) ?? 'registered',
      }));
    },
    async update(context, updates) {
      const inputs = parse(
        z.array(beneficiaryUpdateSchema).max(10_000),
        updates,
        '[payments/govstack] beneficiary updates',
      );
      const outcomes = new Map<string, 'updated' | 'not_found'>();
      for (const chunk of chunks(inputs, 1000)) {
        const answer = await client.request({
          method: 'PUT',
          path: '/identityAccountMapper/beneficiary',
          headers: { ...headers, ...options.headersFor?.(context) },
          schema: ackSchema,
          body: {
            requestID: requestId(),
            beneficiaries: chunk.map((item) => ({
              payeeIdentity: item.functionalId,
              ...(item.modality ? { paymentModality: codeOf[item.modality] } : {}),
              ...(item.financialAddress ? { financialAddress: item.financialAddress } : {}),
              ...(item.institution ? { bankingInstitutionCode: item.institution } : {}),
            })),
          },
        });
        for (const item of answer.beneficiaries ?? [])
          outcomes.set(item.payeeIdentity, item.status === '0' ? 'updated' : 'not_found');
      }
      return inputs.map((input) => ({
        functionalId: input.functionalId,
        outcome: outcomes.get(input.functionalId) ?? 'updated',
      }));
    },
    async lookup(functionalIds) {
      const found = new Map<string, AccountLookup>();
      for (const chunk of chunks(functionalIds, 1000)) {
        const answer = await client.request({
          method: 'PUT',
          path: '/beneficiary',
          headers,
          schema: lookupSchema,
          body: { requestId: requestId(), payeePartyIds: chunk },
        });
        for (const item of answer.paymentModalityList ?? []) {
          const modality = item.paymentModality ? modalityOf[item.paymentModality] : undefined;
          const rail = modality ? railOf(modality) : undefined;
          if (!modality || !rail || !item.financialAddress) continue;
          found.set(item.payeeIdentity, {
            functionalId: item.payeeIdentity,
            found: true,
            rail,
            modality,
            financialAddress: item.financialAddress,
            ...(item.bankingInstitutionCode ? { institution: item.bankingInstitutionCode } : {}),
          });
        }
      }
      return functionalIds.map(
        (functionalId) => found.get(functionalId) ?? { functionalId, found: false as const },
      );
    },
    close: () => client.close(),
  };
}
