import { isGovBlocksError } from '@govblocks/core';
import { type HttpContext, type HttpEnv, sendJson } from '@govblocks/core/http';
import type { Hono } from 'hono';
import type { PaymentService } from '../ports.js';
import type { AccountLookup, PaymentModality } from '../schemas.js';

const modalityByCode: Record<string, PaymentModality> = {
  '00': 'bank_account',
  '01': 'mobile_money',
  '02': 'voucher',
  '03': 'digital_wallet',
  '04': 'proxy',
};
const codeByModality = Object.fromEntries(
  Object.entries(modalityByCode).map(([code, modality]) => [modality, code]),
);

async function jsonBody(c: HttpContext): Promise<Record<string, unknown> | undefined> {
  try {
    const value: unknown = JSON.parse(await c.req.text());
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const text = (value: unknown, max: number) =>
  typeof value === 'string' && value.length > 0 && value.length <= max;

/**
 * The current (v3) ID account mapper routes of the G2P API, answered synchronously:
 * `POST|PUT /identityAccountMapper/beneficiary` (register, update) and `GET /beneficiary`,
 * `PUT /beneficiary` (single and bulk account lookup). The `X-Callback-URL` header is accepted;
 * results are not posted to it (the answer carries them where the spec allows).
 */
export function mountAccountMapperV3(
  app: Hono<HttpEnv>,
  service: PaymentService,
  options: {
    railByModality: Partial<Record<PaymentModality, string>>;
    actor: (c: HttpContext, fallback?: string) => import('@govblocks/core').ActorContext;
  },
): void {
  const listOf = (lookups: AccountLookup[]) =>
    lookups.flatMap((lookup) =>
      lookup.found
        ? [
            {
              payeeIdentity: lookup.functionalId,
              paymentModality: codeByModality[lookup.modality],
              financialAddress: lookup.financialAddress,
              ...(lookup.institution ? { bankingInstitutionCode: lookup.institution } : {}),
            },
          ]
        : [],
    );
  const refuse = (c: HttpContext, requestId: unknown, description: string) =>
    sendJson(
      c,
      {
        ResponseCode: '01',
        ResponseDescription: description,
        ...(typeof requestId === 'string' ? { RequestID: requestId } : {}),
      },
      400,
    );

  app.post('/identityAccountMapper/beneficiary', async (c) => {
    const body = await jsonBody(c);
    const requestId = body?.RequestID ?? body?.requestID;
    const list = body?.Beneficiaries ?? body?.beneficiaries;
    if (
      !body ||
      !text(requestId, 12) ||
      !Array.isArray(list) ||
      list.length === 0 ||
      list.length > 10_000
    ) {
      return refuse(c, requestId, 'Invalid request');
    }
    const beneficiaries = [];
    for (const entry of list as Array<Record<string, unknown>>) {
      const code = entry?.PaymentModality ?? entry?.paymentModality;
      const modality = code === undefined ? undefined : modalityByCode[String(code)];
      const functionalId = entry?.payeeIdentity ?? entry?.PayeeIdentity;
      const address = entry?.FinancialAddress ?? entry?.financialAddress;
      const rail = modality ? options.railByModality[modality] : undefined;
      if (!text(functionalId, 20) || (code !== undefined && !modality))
        return refuse(c, requestId, 'Invalid beneficiary');
      // An address needs a modality served by a rail; without one the beneficiary waits for it.
      if (address !== undefined && (!text(address, 30) || !modality || !rail))
        return refuse(c, requestId, 'Invalid beneficiary');
      const institution = entry?.bankingInstitutionCode;
      beneficiaries.push({
        functionalId: functionalId as string,
        ...(modality ? { modality } : {}),
        ...(address !== undefined ? { financialAddress: address as string, rail } : {}),
        ...(text(institution, 11) ? { institution: institution as string } : {}),
      });
    }
    try {
      const results = await service.registerBeneficiaries(
        options.actor(c, c.req.header('X-Registering-Institution-ID')),
        beneficiaries,
      );
      return sendJson(c, {
        responseCode: '00',
        responseDescription: 'Request successfully received',
        requestID: requestId,
        beneficiaries: results.map((result) => ({
          payeeIdentity: result.functionalId,
          status: result.outcome === 'registered' ? '0' : '1',
        })),
      });
    } catch (error) {
      if (isGovBlocksError(error) && error.status < 500)
        return refuse(c, requestId, 'Invalid request');
      throw error;
    }
  });

  app.put('/identityAccountMapper/beneficiary', async (c) => {
    const body = await jsonBody(c);
    const requestId = body?.requestID ?? body?.RequestID;
    const list = body?.beneficiaries ?? body?.Beneficiaries;
    if (
      !body ||
      !text(requestId, 12) ||
      !Array.isArray(list) ||
      list.length === 0 ||
      list.length > 10_000
    ) {
      return refuse(c, requestId, 'Invalid request');
    }
    const updates = [];
    for (const entry of list as Array<Record<string, unknown>>) {
      const functionalId = entry?.payeeIdentity;
      if (!text(functionalId, 20)) return refuse(c, requestId, 'Invalid beneficiary');
      const code = entry?.paymentModality;
      const modality = code === undefined ? undefined : modalityByCode[String(code)];
      if (code !== undefined && !modality) return refuse(c, requestId, 'Invalid beneficiary');
      const rail = modality ? options.railByModality[modality] : undefined;
      updates.push({
        functionalId: functionalId as string,
        ...(modality ? { modality } : {}),
        ...(rail ? { rail } : {}),
        ...(text(entry?.financialAddress, 30)
          ? { financialAddress: entry.financialAddress as string }
          : {}),
        ...(text(entry?.bankingInstitutionCode, 11)
          ? { institution: entry.bankingInstitutionCode as string }
          : {}),
      });
    }
    try {
      const results = await service.updateBeneficiaries(
        options.actor(c, c.req.header('X-Registering-Institution-ID')),
        updates,
      );
      return sendJson(c, {
        responseCode: '00',
        responseDescription: 'Beneficiary update successfully received',
        requestID: requestId,
        beneficiaries: results.map((result) => ({
          payeeIdentity: result.functionalId,
          status: result.outcome === 'updated' ? '0' : '1',
        })),
      });
    } catch (error) {
      if (isGovBlocksError(error) && error.status < 500)
        return refuse(c, requestId, 'Invalid request');
      throw error;
    }
  });

  app.get('/beneficiary', async (c) => {
    const payeeIdentity = c.req.query('payeeIdentity');
    const requestId = c.req.query('requestId');
    if (!text(payeeIdentity, 20) || !text(requestId, 12))
      return refuse(c, requestId, 'Invalid request');
    const lookup = await service.lookupAccount(options.actor(c), payeeIdentity as string);
    return sendJson(c, { requestId, paymentModalityList: listOf([lookup]) });
  });

  app.put('/beneficiary', async (c) => {
    const body = await jsonBody(c);
    const ids = body?.payeePartyIds;
    if (
      !body ||
      !text(body.requestId, 12) ||
      !Array.isArray(ids) ||
      ids.length > 10_000 ||
      !ids.every((id) => text(id, 20))
    ) {
      return refuse(c, body?.requestId, 'Invalid request');
    }
    const lookups = await service.lookupAccounts(options.actor(c), ids as string[]);
    return sendJson(c, { requestId: body.requestId, paymentModalityList: listOf(lookups) });
  });
}
