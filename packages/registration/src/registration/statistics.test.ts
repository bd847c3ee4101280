import { describe, expect, it } from 'vitest';
import type { Application } from './schemas.js';
import {
  computeServiceMeasures,
  computeServiceMeasuresByPeriod,
  serviceMeasuresCsv,
  serviceMeasuresJsonSchema,
} from './statistics.js';

function application(
  index: number,
  overrides: Partial<Application> & { createdAt?: string } = {},
): Application {
  const createdAt = overrides.createdAt ?? '2025-01-01T10:00:00.000Z';
  return {
    id: `a${index}`,
    serviceId: 's',
    serviceKey: 'permit',
    serviceVersion: 1,
    eFormId: 'f',
    applicantId: `p${index}`,
    status: 'approved',
    formData: {},
    documents: [],
    currentStep: 0,
    history: [
      { action: 'create', to: 'draft', at: createdAt, actorId: 'p' },
      { action: 'submit', from: 'draft', to: 'submitted', at: createdAt, actorId: 'p' },
    ],
    decision: { decision: 'approved', reason: 'ok', at: createdAt },
    createdAt,
    updatedAt: createdAt,
    revision: 3,
    ...overrides,
  };
}

const paid = (amount: number) => ({
  billId: 'b',
  stepKey: 'pay',
  amount: { amount, currency: 'EUR' },
  lines: [],
  status: 'paid' as const,
  requestedAt: '2025-01-01T10:00:00.000Z',
});

describe('cost per transaction', () => {
  it('reports fees collected and the average cost of a decided application, per currency', () => {
    const applications = [
      ...Array.from({ length: 5 }, (_, index) =>
        application(index, {
          payments: [paid(1_500)],
          transactionCost: [{ amount: 235, currency: 'EUR' }],
        }),
      ),
      // Decided without paying anything: counts as a transaction that cost nothing in EUR.
      application(5),
      // Not decided: its payment counts as collected, its cost not (yet).
      application(6, {
        status: 'in_review',
        payments: [paid(1_500)],
        transactionCost: [{ amount: 999, currency: 'EUR' }],
      }),
    ];
    const [measures] = computeServiceMeasures(applications, []);
    expect(measures?.feesCollected).toEqual([{ currency: 'EUR', amount: 9_000, payments: 6 }]);
    expect(measures?.costPerTransaction).toEqual([
      { currency: 'EUR', amount: Math.round(1_175 / 6), transactions: 6 },
    ]);
    const csv = serviceMeasuresCsv([measures!]);
    expect(csv.split('\r\n')[0]).toContain('feesCollected,costPerTransaction');
    expect(csv.split('\r\n')[1]).toContain(',EUR 90.00,EUR 1.96,');
    expect(Object.keys(serviceMeasuresJsonSchema.items.properties)).toContain('costPerTransaction');
  });

  it('suppresses costs and fees of few applications', () => {
    const applications = Array.from({ length: 3 }, (_, index) =>
      application(index, {
        payments: [paid(1_500)],
        transactionCost: [{ amount: 235, currency: 'EUR' }],
      }),
    );
    const [measures] = computeServiceMeasures(applications, []);
    expect(measures?.feesCollected).toEqual([{ currency: 'EUR', amount: null, payments: null }]);
    expect(measures?.costPerTransaction).toEqual([
      { currency: 'EUR', amount: null, transactions: null },
    ]);
    expect(measures?.suppressed).toBe(true);
    expect(serviceMeasuresCsv([measures!]).split('\r\n')[1]).toContain(',,,true');
  });
});

describe('statistics by period', () => {
  const applications = [
    ...Array.from({ length: 5 }, (_, index) =>
      application(index, { createdAt: '2025-01-01T10:00:00.000Z' }),
    ),
    ...Array.from({ length: 6 }, (_, index) =>
      application(10 + index, { createdAt: '2025-01-03T23:59:59.000Z' }),
    ),
    application(20, { createdAt: '2025-02-10T00:00:00.000Z' }),
  ];

  it('buckets by day, empty days included, clipped to the dates asked for', () => {
    const days = computeServiceMeasuresByPeriod(applications, [], {
      timeframe: 'day',
      startDate: '2025-01-01',
      endDate: '2025-01-03',
    });
    expect(days.map((period) => [period.startDate, period.endDate])).toEqual([
      ['2025-01-01', '2025-01-01'],
      ['2025-01-02', '2025-01-02'],
      ['2025-01-03', '2025-01-03'],
    ]);
    expect(days.map((period) => period.measures[0]?.processed ?? 0)).toEqual([5, 0, 6]);
  });

  it('buckets by ISO week (Monday first), month and year', () => {
    const weeks = computeServiceMeasuresByPeriod(applications, [], { timeframe: 'week' });
    // 2025-01-01 is a Wednesday: its week began on Monday 2024-12-30 (clipped to the first day).
    expect(weeks[0]).toMatchObject({ startDate: '2025-01-01', endDate: '2025-01-05' });
    expect(weeks[1]).toMatchObject({ startDate: '2025-01-06', endDate: '2025-01-12' });
    expect(weeks.at(-1)).toMatchObject({ startDate: '2025-02-10', endDate: '2025-02-10' });
    expect(weeks[0]?.measures[0]?.processed).toBe(11);
    expect(weeks.at(-1)?.measures[0]?.processed).toBeNull();
    const months = computeServiceMeasuresByPeriod(applications, [], { timeframe: 'month' });
    expect(months.map((period) => [period.startDate, period.endDate])).toEqual([
      ['2025-01-01', '2025-01-31'],
      ['2025-02-01', '2025-02-10'],
    ]);
    const years = computeServiceMeasuresByPeriod(applications, [], {
      timeframe: 'year',
      startDate: '2024-06-01',
      endDate: '2025-12-31',
    });
    expect(years.map((period) => [period.startDate, period.endDate])).toEqual([
      ['2024-06-01', '2024-12-31'],
      ['2025-01-01', '2025-12-31'],
    ]);
    expect(years[1]?.measures[0]?.started).toBe(12);
  });

  it('refuses a missing timeframe and too many periods', () => {
    expect(() => computeServiceMeasuresByPeriod(applications, [], {})).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(() =>
      computeServiceMeasuresByPeriod(applications, [], {
        timeframe: 'day',
        startDate: '2000-01-01',
        endDate: '2025-01-01',
      }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    expect(computeServiceMeasuresByPeriod([], [], { timeframe: 'month' })).toEqual([]);
  });
});
