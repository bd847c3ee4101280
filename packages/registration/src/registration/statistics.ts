import type { ActorContext } from '@govblocks/core';
import { formatMoney, parse, ValidationError } from '@govblocks/core';
import { z } from 'zod';
import type { RegistrationService } from './ports.js';
import type { Application, Task } from './schemas.js';

export const statisticsFilterSchema = z.strictObject({
  /** Applications created on or after this date (YYYY-MM-DD, UTC). */
  startDate: z.iso.date().optional(),
  /** Applications created on or before this date. */
  endDate: z.iso.date().optional(),
  /** One e-service key. */
  service: z.string().max(128).optional(),
  /** Only decisions/tasks by this operator id. */
  operator: z.string().max(256).optional(),
  /** Only tasks of this role. */
  role: z.string().max(128).optional(),
  /** Counts below this are suppressed (reported as null) so no person can be singled out. Default 5. */
  minimumCount: z.number().int().min(1).max(100).default(5),
  /**
   * Buckets for {@link computeServiceMeasuresByPeriod} (GovStack statistics `timeframe`): UTC
   * days, ISO weeks (Monday first), calendar months or years, by application creation date.
   */
  timeframe: z.enum(['day', 'week', 'month', 'year']).optional(),
});
export type StatisticsFilter = z.input<typeof statisticsFilterSchema>;

/** A count, or null when it is below the suppression threshold. */
export type SuppressedCount = number | null;

/** Service measures of one e-service, ready to publish as open data. */
export interface ServiceMeasures {
  service: string;
  started: SuppressedCount;
  /** Decided (approved + rejected): GovStack's "processed". */
  processed: SuppressedCount;
  approved: SuppressedCount;
  rejected: SuppressedCount;
  /** Sent back for more information at least once. */
  sentBack: SuppressedCount;
  withdrawn: SuppressedCount;
  /** Decided ÷ submitted, 0–1 (null when suppressed). */
  completionRate: number | null;
  /** (withdrawn + never submitted) ÷ started, 0–1. */
  dropOffRate: number | null;
  /** Median hours from first submission to decision. */
  medianHoursToDecision: number | null;
  /** Median hours a task of each step waited from creation to completion. */
  medianHoursPerStep: Record<string, number | null>;
  /** Tasks completed per operator (operator ids; counts suppressed like the rest). */
  operatorWorkload: Record<string, SuppressedCount>;
  satisfaction: { responses: SuppressedCount; averageRating: number | null };
  /**
   * Fees paid through payment steps, per currency: `amount` in minor units (null when fewer
   * than the threshold paid), `payments` how many.
   */
  feesCollected: Array<{ currency: string; amount: number | null; payments: SuppressedCount }>;
  /**
   * Average cost of a completed (decided) transaction, per currency, in minor units rounded to
   * the nearest unit: the processing cost configured on the e-service plus what collecting its
   * fees cost, as recorded at each decision. Null when fewer than the threshold were decided.
   */
  costPerTransaction: Array<{
    currency: string;
    amount: number | null;
    transactions: SuppressedCount;
  }>;
  /** True when some figure was suppressed. */
  suppressed: boolean;
}

/** The measures of one period (`timeframe` bucket). */
export interface PeriodMeasures {
  timeframe: 'day' | 'week' | 'month' | 'year';
  /** First day of the bucket (YYYY-MM-DD), clipped to the filter's `startDate`. */
  startDate: string;
  /** Last day of the bucket, clipped to the filter's `endDate`. */
  endDate: string;
  measures: ServiceMeasures[];
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const value = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return Math.round(value * 100) / 100;
}

const hours = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 3_600_000;

/** Computes {@link ServiceMeasures} per e-service from applications and their tasks. Pure. */
export function computeServiceMeasures(
  applications: readonly Application[],
  tasks: readonly Task[],
  filter: StatisticsFilter = {},
): ServiceMeasures[] {
  const options = parse(statisticsFilterSchema, filter, '[registration] statistics filter');
  const k = options.minimumCount;
  const inRange = (application: Application) => {
    const day = application.createdAt.slice(0, 10);
    return (
      (options.startDate === undefined || day >= options.startDate) &&
      (options.endDate === undefined || day <= options.endDate) &&
      (options.service === undefined || application.serviceKey === options.service)
    );
  };
  const byService = new Map<string, Application[]>();
  for (const application of applications.filter(inRange)) {
    const list = byService.get(application.serviceKey) ?? [];
    list.push(application);
    byService.set(application.serviceKey, list);
  }
  const result: ServiceMeasures[] = [];
  for (const [service, list] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    let suppressed = false;
    const count = (value: number): SuppressedCount => {
      if (value > 0 && value < k) {
        suppressed = true;
        return null;
      }
      return value;
    };
    const decidedBy = (application: Application) => application.history.at(-1)?.actorId;
    const scoped =
      options.operator === undefined
        ? list
        : list.filter((application) => decidedBy(application) === options.operator);
    const submitted = scoped.filter((application) =>
      application.history.some((entry) => entry.action === 'submit'),
    );
    const approved = scoped.filter((application) => application.status === 'approved');
    const rejected = scoped.filter((application) => application.status === 'rejected');
    const withdrawn = scoped.filter((application) => application.status === 'withdrawn');
    const sentBack = scoped.filter((application) =>
      application.history.some((entry) => entry.action === 'request_information'),
    );
    const neverSubmitted = scoped.filter((application) => application.status === 'draft');
    const decided = [...approved, ...rejected];
    const toDecision = decided.flatMap((application) => {
      const first = application.history.find((entry) => entry.action === 'submit');
      return first && application.decision ? [hours(first.at, application.decision.at)] : [];
    });
    const ids = new Set(scoped.map((application) => application.id));
    const relevant = tasks.filter(
      (task) =>
        ids.has(task.applicationId) && (options.role === undefined || task.role === options.role),
    );
    const perStep = new Map<string, number[]>();
    const workload = new Map<string, number>();
    for (const task of relevant) {
      if (task.status !== 'completed' || !task.completedAt) continue;
      const list = perStep.get(task.stepKey) ?? [];
      list.push(hours(task.createdAt, task.completedAt));
      perStep.set(task.stepKey, list);
      if (task.assigneeId) workload.set(task.assigneeId, (workload.get(task.assigneeId) ?? 0) + 1);
    }
    const ratings = scoped.flatMap((application) =>
      application.feedback ? [application.feedback.rating] : [],
    );
    const enough = (n: number) => n >= k;
    const paid = scoped.flatMap((application) =>
      (application.payments ?? []).filter((payment) => payment.status === 'paid'),
    );
    const feesCollected = [...new Set(paid.map((payment) => payment.amount.currency))]
      .sort()
      .map((currency) => {
        const list = paid.filter((payment) => payment.amount.currency === currency);
        return {
          currency,
          amount: enough(list.length)
            ? list.reduce((total, payment) => total + payment.amount.amount, 0)
            : null,
          payments: count(list.length),
        };
      });
    const costs = decided.flatMap((application) => application.transactionCost ?? []);
    const costPerTransaction = [...new Set(costs.map((cost) => cost.currency))]
      .sort()
      .map((currency) => {
        // Every decided application counts, also one that cost nothing in this currency.
        const total = costs
          .filter((cost) => cost.currency === currency)
          .reduce((sum, cost) => sum + cost.amount, 0);
        return {
          currency,
          amount: enough(decided.length) ? Math.round(total / decided.length) : null,
          transactions: count(decided.length),
        };
      });
    result.push({
      service,
      started: count(scoped.length),
      processed: count(decided.length),
      approved: count(approved.length),
      rejected: count(rejected.length),
      sentBack: count(sentBack.length),
      withdrawn: count(withdrawn.length),
      completionRate: enough(submitted.length)
        ? Math.round((decided.length / submitted.length) * 1000) / 1000
        : null,
      dropOffRate: enough(scoped.length)
        ? Math.round(((withdrawn.length + neverSubmitted.length) / scoped.length) * 1000) / 1000
        : null,
      medianHoursToDecision: enough(toDecision.length) ? median(toDecision) : null,
      medianHoursPerStep: Object.fromEntries(
        [...perStep].map(([step, values]) => [step, enough(values.length) ? median(values) : null]),
      ),
      operatorWorkload: Object.fromEntries(
        [...workload].map(([operator, value]) => [operator, count(value)]),
      ),
      satisfaction: {
        responses: count(ratings.length),
        averageRating: enough(ratings.length)
          ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100
          : null,
      },
      feesCollected,
      costPerTransaction,
      suppressed:
        suppressed ||
        [toDecision.length, ratings.length, submitted.length].some((n) => n > 0 && n < k),
    });
  }
  return result;
}

const day = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The first day of the bucket holding `date` (YYYY-MM-DD, UTC). */
function bucketStart(date: string, timeframe: PeriodMeasures['timeframe']): string {
  switch (timeframe) {
    case 'day':
      return date;
    case 'week': {
      const time = Date.parse(`${date}T00:00:00Z`);
      return isoDay(time - ((new Date(time).getUTCDay() + 6) % 7) * day);
    }
    case 'month':
      return `${date.slice(0, 7)}-01`;
    case 'year':
      return `${date.slice(0, 4)}-01-01`;
  }
}

/** The first day of the bucket after the one starting on `start`. */
function nextBucket(start: string, timeframe: PeriodMeasures['timeframe']): string {
  const time = Date.parse(`${start}T00:00:00Z`);
  const date = new Date(time);
  switch (timeframe) {
    case 'day':
      return isoDay(time + day);
    case 'week':
      return isoDay(time + 7 * day);
    case 'month':
      return isoDay(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1));
    case 'year':
      return isoDay(Date.UTC(date.getUTCFullYear() + 1, 0, 1));
  }
}

/** Most buckets one call computes (ten years of days). */
export const maximumStatisticsPeriods = 3_700;

/**
 * {@link computeServiceMeasures} per period: every `timeframe` bucket from `startDate` (or the
 * first application) to `endDate` (or the last), empty ones included, oldest first. Applications
 * fall in the bucket of their creation date (a cohort: their later decisions count there too).
 * Suppression applies within each bucket, so small buckets show more nulls.
 * @throws VALIDATION_FAILED without `timeframe`, or for more than {@link maximumStatisticsPeriods} buckets.
 */
export function computeServiceMeasuresByPeriod(
  applications: readonly Application[],
  tasks: readonly Task[],
  filter: StatisticsFilter,
): PeriodMeasures[] {
  const options = parse(statisticsFilterSchema, filter, '[registration] statistics filter');
  const { timeframe } = options;
  if (!timeframe) {
    throw new ValidationError('[registration] a timeframe is needed for periods', [
      { pointer: '/timeframe', detail: 'day, week, month or year' },
    ]);
  }
  const { startDate: from, endDate: to, ...rest } = options;
  const days = applications
    .map((application) => application.createdAt.slice(0, 10))
    .filter((date) => (from === undefined || date >= from) && (to === undefined || date <= to))
    .sort();
  const first = from ?? days[0];
  // No end date and nothing after the start: the one bucket holding the start.
  const last = to ?? days.at(-1) ?? first;
  if (first === undefined || last === undefined || first > last) return [];
  const groups = new Map<string, Application[]>();
  for (const application of applications) {
    const date = application.createdAt.slice(0, 10);
    if (date < first || date > last) continue;
    const key = bucketStart(date, timeframe);
    const list = groups.get(key) ?? [];
    list.push(application);
    groups.set(key, list);
  }
  const tasksByApplication = new Map<string, Task[]>();
  for (const task of tasks) {
    const list = tasksByApplication.get(task.applicationId) ?? [];
    list.push(task);
    tasksByApplication.set(task.applicationId, list);
  }
  const periods: PeriodMeasures[] = [];
  for (
    let start = bucketStart(first, timeframe);
    start <= last;
    start = nextBucket(start, timeframe)
  ) {
    if (periods.length >= maximumStatisticsPeriods) {
      throw new ValidationError(
        `[registration] more than ${maximumStatisticsPeriods} periods: narrow the dates or widen the timeframe`,
        [{ pointer: '/timeframe', detail: 'too many periods' }],
      );
    }
    const end = isoDay(Date.parse(`${nextBucket(start, timeframe)}T00:00:00Z`) - day);
    const members = groups.get(start) ?? [];
    periods.push({
      timeframe,
      // Dates as text (YYYY-MM-DD sort as days): the later start, the earlier end.
      startDate: [start, first].sort()[1]!,
      endDate: [end, last].sort()[0]!,
      measures:
        members.length === 0
          ? []
          : computeServiceMeasures(
              members,
              members.flatMap((application) => tasksByApplication.get(application.id) ?? []),
              rest,
            ),
    });
  }
  return periods;
}

async function readAll(
  service: RegistrationService,
  context: ActorContext,
  filter: StatisticsFilter,
): Promise<{ applications: Application[]; tasks: Task[] }> {
  const applications: Application[] = [];
  for (let offset = 0; ; offset += 1_000) {
    const page = await service.listApplications(context, {
      ...(filter.service ? { serviceKey: filter.service } : {}),
      limit: 1_000,
      offset,
    });
    applications.push(...page);
    if (page.length < 1_000) break;
  }
  const tasks: Task[] = [];
  for (let offset = 0; ; offset += 1_000) {
    const page = await service.listTasks(context, { limit: 1_000, offset });
    tasks.push(...page);
    if (page.length < 1_000) break;
  }
  return { applications, tasks };
}

/** Like {@link collectServiceMeasures}, per `timeframe` period ({@link computeServiceMeasuresByPeriod}). */
export async function collectServiceMeasuresByPeriod(
  service: RegistrationService,
  context: ActorContext,
  filter: StatisticsFilter,
): Promise<PeriodMeasures[]> {
  parse(statisticsFilterSchema, filter, '[registration] statistics filter');
  const { applications, tasks } = await readAll(service, context, filter);
  return computeServiceMeasuresByPeriod(applications, tasks, filter);
}

/**
 * Reads every application and task the actor may see (page by page) and computes the measures.
 * Use an admin (`registration.admin`) context for agency-wide figures.
 */
export async function collectServiceMeasures(
  service: RegistrationService,
  context: ActorContext,
  filter: StatisticsFilter = {},
): Promise<ServiceMeasures[]> {
  const { applications, tasks } = await readAll(service, context, filter);
  return computeServiceMeasures(applications, tasks, filter);
}

/** The JSON Schema of the open-data export, published beside the data. */
export const serviceMeasuresJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'govblocks registration service measures',
  description: 'Per e-service figures. Counts below the suppression threshold are null.',
  type: 'array',
  items: {
    type: 'object',
    required: [
      'service',
      'started',
      'processed',
      'approved',
      'rejected',
      'sentBack',
      'withdrawn',
      'suppressed',
    ],
    properties: {
      service: { type: 'string' },
      started: { type: ['integer', 'null'] },
      processed: { type: ['integer', 'null'] },
      approved: { type: ['integer', 'null'] },
      rejected: { type: ['integer', 'null'] },
      sentBack: { type: ['integer', 'null'] },
      withdrawn: { type: ['integer', 'null'] },
      completionRate: { type: ['number', 'null'], minimum: 0, maximum: 1 },
      dropOffRate: { type: ['number', 'null'], minimum: 0, maximum: 1 },
      medianHoursToDecision: { type: ['number', 'null'] },
      medianHoursPerStep: { type: 'object', additionalProperties: { type: ['number', 'null'] } },
      operatorWorkload: { type: 'object', additionalProperties: { type: ['integer', 'null'] } },
      satisfaction: {
        type: 'object',
        properties: {
          responses: { type: ['integer', 'null'] },
          averageRating: { type: ['number', 'null'] },
        },
      },
      feesCollected: {
        type: 'array',
        description: 'Fees paid, per currency, in minor units of the currency (ISO 4217).',
        items: {
          type: 'object',
          properties: {
            currency: { type: 'string' },
            amount: { type: ['integer', 'null'] },
            payments: { type: ['integer', 'null'] },
          },
        },
      },
      costPerTransaction: {
        type: 'array',
        description:
          'Average cost of a decided application, per currency, in minor units: processing cost plus fee collection costs.',
        items: {
          type: 'object',
          properties: {
            currency: { type: 'string' },
            amount: { type: ['integer', 'null'] },
            transactions: { type: ['integer', 'null'] },
          },
        },
      },
      suppressed: { type: 'boolean' },
    },
  },
} as const;

const csvColumns = [
  'service',
  'started',
  'processed',
  'approved',
  'rejected',
  'sentBack',
  'withdrawn',
  'completionRate',
  'dropOffRate',
  'medianHoursToDecision',
  'satisfactionResponses',
  'averageRating',
  'feesCollected',
  'costPerTransaction',
  'suppressed',
] as const;

/** `EUR 15.00; USD 2.00` (decimal, for people); empty when every amount is suppressed. */
function moneyCell(values: ReadonlyArray<{ currency: string; amount: number | null }>): string {
  return values
    .flatMap((value) =>
      value.amount === null
        ? []
        : [`${value.currency} ${formatMoney({ amount: value.amount, currency: value.currency })}`],
    )
    .join('; ');
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) || /^[=+\-@]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The measures as CSV (RFC 4180; suppressed figures are empty cells). Per-step and per-operator figures are in the JSON export. */
export function serviceMeasuresCsv(measures: readonly ServiceMeasures[]): string {
  const rows = measures.map((entry) =>
    [
      entry.service,
      entry.started,
      entry.processed,
      entry.approved,
      entry.rejected,
      entry.sentBack,
      entry.withdrawn,
      entry.completionRate,
      entry.dropOffRate,
      entry.medianHoursToDecision,
      entry.satisfaction.responses,
      entry.satisfaction.averageRating,
      moneyCell(entry.feesCollected ?? []),
      moneyCell(entry.costPerTransaction ?? []),
      entry.suppressed,
    ]
      .map(csvCell)
      .join(','),
  );
  return `${[csvColumns.join(','), ...rows].join('\r\n')}\r\n`;
}
