/**
 * The benchmark harness behind `pnpm bench`. Every figure is measured next to a raw baseline in
 * the same run and reported as a ratio (these machines are noisy; absolute numbers drift,
 * ratios much less).
 *
 * A bench file (`packages/<name>/bench/*.bench.ts`) default-exports a list of comparisons:
 *
 * @example
 * import { defineBench } from '../../../tools/bench/harness.js';
 * export default defineBench({
 *   name: 'money parse',
 *   baseline: { name: 'Number()', fn: () => Number('10.50') },
 *   subject: { name: 'parseMoney', fn: () => parseMoney('10.50', 'USD') },
 *   target: { ratio: 0.5, higherIsBetter: true },
 * });
 */
import { Bench } from 'tinybench';

export interface BenchTask {
  name: string;
  /** One operation. Async functions are awaited. */
  fn: () => unknown;
  /** Operations one call of `fn` performs (e.g. a batch of 1,000 rows). Default 1. */
  operations?: number;
}

export interface Comparison {
  name: string;
  baseline: BenchTask;
  subject: BenchTask;
  /** The goal for subject ops/s ÷ baseline ops/s, printed with the result. */
  target?: { ratio: number };
  setup?: () => Promise<void> | void;
  teardown?: () => Promise<void> | void;
  /** Minimum measuring time per task in ms. Default 1,000. */
  time?: number;
  /** Minimum iterations per task. Default 10. */
  iterations?: number;
}

/** A free-form figure (a latency, a peak RSS) that is not a ratio of two tasks. */
export interface Report {
  name: string;
  run: () => Promise<Array<{ label: string; value: string }>>;
}

export type BenchFile = Array<Comparison | Report>;

export function defineBench(...entries: Array<Comparison | Report>): BenchFile {
  return entries;
}

export interface ComparisonResult {
  name: string;
  baseline: { name: string; opsPerSecond: number };
  subject: { name: string; opsPerSecond: number };
  ratio: number;
  target?: number;
  met?: boolean;
}

/** Runs one comparison: baseline and subject interleaved in the same process and run. */
export async function runComparison(comparison: Comparison): Promise<ComparisonResult> {
  await comparison.setup?.();
  try {
    const bench = new Bench({
      time: comparison.time ?? 1_000,
      iterations: comparison.iterations ?? 10,
    });
    bench.add(comparison.baseline.name, comparison.baseline.fn);
    bench.add(comparison.subject.name, comparison.subject.fn);
    await bench.run();
    const [baseline, subject] = bench.tasks;
    const throughput = (task: (typeof bench.tasks)[number] | undefined, operations = 1) => {
      const result = task?.result as
        | { throughput?: { mean?: number }; error?: unknown }
        | undefined;
      if (!result || result.error)
        throw new Error(`benchmark task '${task?.name}' failed: ${String(result?.error)}`);
      return (result.throughput?.mean ?? 0) * operations;
    };
    const baselineOps = throughput(baseline, comparison.baseline.operations);
    const subjectOps = throughput(subject, comparison.subject.operations);
    const ratio = subjectOps / baselineOps;
    const target = comparison.target?.ratio;
    return {
      name: comparison.name,
      baseline: { name: comparison.baseline.name, opsPerSecond: baselineOps },
      subject: { name: comparison.subject.name, opsPerSecond: subjectOps },
      ratio,
      ...(target === undefined ? {} : { target, met: ratio >= target }),
    };
  } finally {
    await comparison.teardown?.();
  }
}

export function formatOps(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

export function formatComparison(result: ComparisonResult): string {
  const verdict =
    result.target === undefined
      ? ''
      : `  target ≥ ${result.target} ${result.met ? 'met' : 'NOT met'}`;
  return [
    `${result.name}`,
    `  baseline ${result.baseline.name}: ${formatOps(result.baseline.opsPerSecond)} ops/s`,
    `  subject  ${result.subject.name}: ${formatOps(result.subject.opsPerSecond)} ops/s`,
    `  ratio ${result.ratio.toFixed(3)}${verdict}`,
  ].join('\n');
}
