import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMoney,
  allocateMoney,
  currencyExponent,
  formatMoney,
  formatMoneyLocale,
  money,
  parseMoney,
  sumMoney,
} from './money.js';

const currencies = ['USD', 'EUR', 'JPY', 'KWD', 'CLF', 'XOF', 'BHD', 'KES'];

describe('Money', () => {
  it('knows each currency exponent', () => {
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
    expect(currencyExponent('CLF')).toBe(4);
    expect(() => currencyExponent('XXX')).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() => currencyExponent('usd')).toThrow();
  });

  it('parses decimal strings exactly', () => {
    expect(parseMoney('10.50', 'USD')).toEqual({ amount: 1050, currency: 'USD' });
    expect(parseMoney('10.5', 'USD')).toEqual({ amount: 1050, currency: 'USD' });
    expect(parseMoney('0.07', 'USD')).toEqual({ amount: 7, currency: 'USD' });
    expect(parseMoney('-3', 'EUR')).toEqual({ amount: -300, currency: 'EUR' });
    expect(parseMoney('1000', 'JPY')).toEqual({ amount: 1000, currency: 'JPY' });
    expect(parseMoney('1.234', 'KWD')).toEqual({ amount: 1234, currency: 'KWD' });
    expect(parseMoney('-0.00', 'USD').amount).toBe(0);
    // 0.1 + 0.2 style float traps do not exist here.
    expect(parseMoney('0.29', 'USD').amount).toBe(29);
  });

  it('refuses what is not an exact amount', () => {
    for (const text of [
      '',
      '1.',
      '.5',
      '1,5',
      '1e3',
      'abc',
      '1.005',
      '--1',
      ' 1 2',
      'NaN',
      'Infinity',
    ]) {
      expect(() => parseMoney(text, 'USD'), text).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }),
      );
    }
    expect(() => parseMoney('1.5', 'JPY')).toThrow(/decimal places/);
    expect(() => parseMoney('99999999999999999', 'USD')).toThrow(/too large/);
  });

  it('formats with exactly the currency decimals', () => {
    expect(formatMoney(money(1050, 'USD'))).toBe('10.50');
    expect(formatMoney(money(-5, 'USD'))).toBe('-0.05');
    expect(formatMoney(money(1000, 'JPY'))).toBe('1000');
    expect(formatMoney(money(1, 'CLF'))).toBe('0.0001');
    expect(formatMoneyLocale(money(123456, 'USD'), 'en-US')).toBe('$1,234.56');
  });

  it('round-trips parse ∘ format for every safe amount (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom(...currencies),
        (amount, currency) => {
          const value = money(amount, currency);
          expect(parseMoney(formatMoney(value), currency)).toEqual(value);
        },
      ),
    );
  });

  it('parses any well-formed decimal to the same value as integer arithmetic (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.constantFrom(...currencies),
        fc.boolean(),
        (units, currency, negative) => {
          const exponent = currencyExponent(currency);
          const digits = units.toString().padStart(exponent + 1, '0');
          const text = exponent
            ? `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`
            : digits;
          const parsed = parseMoney(`${negative ? '-' : ''}${text}`, currency);
          expect(parsed.amount).toBe(Number(negative ? -units : units) || 0);
        },
      ),
    );
  });

  it('adds without drift and refuses mixed currencies', () => {
    const cents = Array.from({ length: 10 }, () => money(10, 'USD'));
    expect(sumMoney(cents, 'USD')).toEqual({ amount: 100, currency: 'USD' });
    expect(() => addMoney(money(1, 'USD'), money(1, 'EUR'))).toThrow(/Cannot combine/);
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD'))).toThrow(
      /safe integer/,
    );
    expect(() => money(1.5, 'USD')).toThrow();
  });

  it('allocates without creating or losing a minor unit (property)', () => {
    expect(allocateMoney(money(100, 'USD'), [1, 1, 1]).map((part) => part.amount)).toEqual([
      34, 33, 33,
    ]);
    fc.assert(
      fc.property(
        fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
        fc
          .array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 20 })
          .filter((ratios) => ratios.some((ratio) => ratio > 0)),
        (amount, ratios) => {
          const parts = allocateMoney(money(amount, 'USD'), ratios);
          expect(parts.reduce((sum, part) => sum + part.amount, 0)).toBe(amount);
          ratios.forEach((ratio, index) => {
            if (ratio === 0) expect(parts[index]!.amount).toBe(0);
          });
        },
      ),
    );
  });
});
