import { z } from 'zod';
import { ValidationError } from './errors.js';

/**
 * Money as an integer number of minor units (cents, fils, yen…) with an ISO 4217 currency.
 * Never a float: `{ amount: 1050, currency: 'USD' }` is USD 10.50. Amounts are JavaScript safe
 * integers (|amount| ≤ 2^53 − 1), checked on every operation.
 */
export interface Money {
  /** Minor units, a safe integer (may be negative for refunds and reversals). */
  readonly amount: number;
  /** ISO 4217 alphabetic code, upper case. */
  readonly currency: string;
}

// Active ISO 4217 codes (list of 2025), grouped by minor-unit exponent. Precious metals and
// testing codes (XAU, XTS, XXX…) have no minor unit and are deliberately not accepted.
const exponent0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const exponent3 = 'BHD IQD JOD KWD LYD OMR TND';
const exponent4 = 'CLF UYW';
const exponent2 =
  'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN ' +
  'BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP ' +
  'GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT ' +
  'LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN ' +
  'NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE ' +
  'SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES ' +
  'WST XCD XCG YER ZAR ZMW ZWG';

const exponents = new Map<string, number>();
for (const [list, exponent] of [
  [exponent0, 0],
  [exponent2, 2],
  [exponent3, 3],
  [exponent4, 4],
] as const) {
  for (const code of list.split(' ')) exponents.set(code, exponent);
}

/** True for an active ISO 4217 currency code. */
export function isCurrency(code: string): boolean {
  return exponents.has(code);
}

/** The number of decimal places of a currency's minor unit (USD 2, JPY 0, KWD 3, CLF 4). */
export function currencyExponent(currency: string): number {
  const exponent = exponents.get(currency);
  if (exponent === undefined) {
    throw new ValidationError(`Unknown ISO 4217 currency '${currency}'`, [
      { pointer: '/currency', detail: 'not an ISO 4217 currency code', code: 'invalid_currency' },
    ]);
  }
  return exponent;
}

/** Zod schema of an ISO 4217 currency code. */
export const currencySchema = z
  .string()
  .refine(isCurrency, { message: 'not an ISO 4217 currency code' });

/** Zod schema of {@link Money}. */
export const moneySchema = z.strictObject({
  amount: z
    .number()
    .int()
    .refine(Number.isSafeInteger, { message: 'amount is not a safe integer' }),
  currency: currencySchema,
});

function checkAmount(amount: number, what: string): number {
  if (!Number.isSafeInteger(amount)) {
    throw new ValidationError(`${what}: amount ${amount} is not a safe integer of minor units`, [
      {
        pointer: '/amount',
        detail: 'must be a safe integer of minor units',
        code: 'invalid_amount',
      },
    ]);
  }
  return amount;
}

/** Creates a {@link Money} from minor units, validating both parts. */
export function money(amount: number, currency: string): Money {
  currencyExponent(currency);
  return Object.freeze({ amount: checkAmount(amount, 'money'), currency });
}

const decimalPattern = /^([+-])?(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string (`'10.50'`, `'-3'`, `'1234.5'`) into minor units of `currency`,
 * exactly: no floating point is involved. More decimals than the currency has are refused,
 * not rounded (`'10.505'` USD is an error), since silently rounding money is a bug.
 *
 * @example
 * parseMoney('10.50', 'USD'); // { amount: 1050, currency: 'USD' }
 * parseMoney('1000', 'JPY');  // { amount: 1000, currency: 'JPY' }
 */
export function parseMoney(text: string, currency: string): Money {
  const exponent = currencyExponent(currency);
  const match = decimalPattern.exec(text.trim());
  if (!match) {
    throw new ValidationError(`'${text}' is not a decimal amount`, [
      { pointer: '/amount', detail: 'not a decimal amount', code: 'invalid_amount' },
    ]);
  }
  const [, sign, whole = '0', fraction = ''] = match;
  if (fraction.length > exponent) {
    throw new ValidationError(`${currency} has ${exponent} decimal places; '${text}' has more`, [
      {
        pointer: '/amount',
        detail: `at most ${exponent} decimal places`,
        code: 'too_many_decimals',
      },
    ]);
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  const amount = Number(digits);
  if (!Number.isSafeInteger(amount)) {
    throw new ValidationError(`'${text}' is too large`, [
      { pointer: '/amount', detail: 'too large', code: 'invalid_amount' },
    ]);
  }
  return money(sign === '-' && amount !== 0 ? -amount : amount, currency);
}

/**
 * Formats money as a plain decimal string with exactly the currency's decimal places
 * (`{ amount: 1050, currency: 'USD' }` → `'10.50'`). The inverse of {@link parseMoney}.
 */
export function formatMoney(value: Money): string {
  const exponent = currencyExponent(value.currency);
  const negative = value.amount < 0;
  const digits = Math.abs(checkAmount(value.amount, 'formatMoney'))
    .toString()
    .padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/**
 * Formats money for people with `Intl.NumberFormat` (e.g. `'$10.50'`, `'10,50 €'`). The exact
 * decimal string is handed to Intl, so no float rounding happens on the way.
 */
export function formatMoneyLocale(value: Money, locale?: string | string[]): string {
  const exponent = currencyExponent(value.currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: value.currency,
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  });
  // Intl.NumberFormat accepts exact decimal strings (ES2023 Intl.NumberFormat v3).
  return format.format(formatMoney(value) as unknown as number);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) {
    throw new ValidationError(`Cannot combine ${a.currency} with ${b.currency}`, [
      { pointer: '/currency', detail: 'currencies differ', code: 'currency_mismatch' },
    ]);
  }
}

/** a + b, same currency, overflow-checked. */
export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(checkAmount(a.amount + b.amount, 'addMoney'), a.currency);
}

/** a − b, same currency, overflow-checked. */
export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(checkAmount(a.amount - b.amount, 'subtractMoney'), a.currency);
}

/** Sum of many amounts of one currency; `currency` names it when the list may be empty. */
export function sumMoney(values: Iterable<Money>, currency: string): Money {
  let total = money(0, currency);
  for (const value of values) total = addMoney(total, value);
  return total;
}

/** Negative, zero or positive as a is less than, equal to or greater than b. */
export function compareMoney(a: Money, b: Money): number {
  sameCurrency(a, b);
  return Math.sign(a.amount - b.amount);
}

/**
 * Splits `value` into parts proportional to integer `ratios` without creating or losing a
 * minor unit: the remainder goes one unit at a time to the first parts.
 *
 * @example
 * allocateMoney(money(100, 'USD'), [1, 1, 1]); // 34, 33, 33 cents
 */
export function allocateMoney(value: Money, ratios: readonly number[]): Money[] {
  if (ratios.length === 0 || ratios.some((ratio) => !Number.isSafeInteger(ratio) || ratio < 0)) {
    throw new ValidationError('ratios must be non-negative integers', []);
  }
  const total = ratios.reduce((sum, ratio) => sum + ratio, 0);
  if (total === 0) throw new ValidationError('ratios must not all be zero', []);
  const amount = BigInt(value.amount);
  const parts = ratios.map((ratio) => (amount * BigInt(ratio)) / BigInt(total));
  let remainder = amount - parts.reduce((sum, part) => sum + part, 0n);
  const step = remainder < 0n ? -1n : 1n;
  for (let index = 0; remainder !== 0n; index = (index + 1) % parts.length) {
    if (ratios[index] === 0) continue;
    parts[index] = parts[index]! + step;
    remainder -= step;
  }
  return parts.map((part) => money(Number(part), value.currency));
}
