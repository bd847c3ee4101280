import { ConfigurationError, type Money } from '@govblocks/core';
import { RailTimeoutError, RailUnavailableError } from '../errors.js';
import type {
  PaymentRail,
  RailCallback,
  RailStatus,
  RailSubmitResult,
  RailTransfer,
} from '../ports.js';
import type { PaymentModality } from '../schemas.js';

/** One transfer the simulator applied (or refused), keyed by idempotency key. */
export interface SimulatorLedgerEntry {
  idempotencyKey: string;
  reference: string;
  amount: Money;
  financialAddress: string;
  /** The final outcome. */
  status: 'paid' | 'failed';
  reason?: string;
  /** Until this time (ms since epoch) the rail reports the transfer as pending. */
  visibleAt: number;
}

/**
 * The simulator's own books. `record` is insert-if-absent: the first entry for a key wins and
 * is returned to every later caller, which is what makes the rail idempotent. Keep it in the
 * same database as the engine (`sqlSimulatorLedger`) to check exactly-once across crashes.
 */
export interface SimulatorLedger {
  record(entry: SimulatorLedgerEntry): Promise<SimulatorLedgerEntry>;
  get(idempotencyKey: string): Promise<SimulatorLedgerEntry | undefined>;
  /** Every entry (tests and reconciliation). */
  entries(): Promise<SimulatorLedgerEntry[]>;
}

/** A {@link SimulatorLedger} in memory. */
export function memorySimulatorLedger(): SimulatorLedger {
  const entries = new Map<string, SimulatorLedgerEntry>();
  return {
    async record(entry) {
      const existing = entries.get(entry.idempotencyKey);
      if (existing) return { ...existing };
      entries.set(entry.idempotencyKey, { ...entry });
      return { ...entry };
    },
    async get(key) {
      const found = entries.get(key);
      return found ? { ...found } : undefined;
    },
    async entries() {
      return [...entries.values()].map((entry) => ({ ...entry }));
    },
  };
}

export interface SimulatorRailOptions {
  /** Default `simulator`. */
  name?: string;
  /** Latency of every call in ms: a number or `[min, max]`. Default 0. */
  latencyMs?: number | readonly [number, number];
  /** Share of submissions refused with a reason (`SIMULATED_FAILURE`). Default 0. */
  failureRate?: number;
  /** Share of submissions answered with a timeout although the transfer goes through, late. Default 0. */
  timeoutRate?: number;
  /** Share of submissions answered with a timeout and never applied. Default 0. */
  lostRate?: number;
  /** Share of submissions refused as unavailable (nothing applied). Default 0. */
  unavailableRate?: number;
  /** Share of submissions answered `accepted`, the outcome following by callback. Default 0. */
  asyncRate?: number;
  /** How long a late or asynchronous transfer stays pending (ms). Default 20. */
  settleMs?: number;
  /** Share of callbacks delivered twice. Default 0. */
  duplicateCallbackRate?: number;
  /** Share of callbacks delivered before the submit answer (out of order). Default 0. */
  earlyCallbackRate?: number;
  /** Books of the simulator. Default: in memory. */
  ledger?: SimulatorLedger;
  /** Seed of the random generator, for reproducible runs. */
  seed?: number;
  /** Milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
  /** Financial addresses that cannot be credited: `verifyAccount` rejects them and payments to them fail (`ACCOUNT_REJECTED`). */
  rejectAddresses?: readonly string[];
  /** Modalities it accepts. Default all. */
  modalities?: readonly PaymentModality[];
}

/** mulberry32: a small seeded generator, good enough for fault injection. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (milliseconds: number) =>
  milliseconds > 0
    ? new Promise<void>((resolve) => setTimeout(resolve, milliseconds))
    : Promise.resolve();

/** A simulator rail with its ledger and a `close()` that stops pending callback timers. */
export interface SimulatorRail extends PaymentRail {
  readonly ledger: SimulatorLedger;
  /** Stops timers of callbacks not yet delivered. */
  close(): void;
}

/**
 * A payment rail for development and tests, and the adversary the engine must beat:
 * configurable latency, failures, timeouts that succeed late, lost requests, unavailability,
 * asynchronous outcomes with duplicate and out-of-order callbacks. Idempotent by key, like a
 * real rail must be; its ledger shows what was really paid.
 *
 * @example
 * const rail = simulatorRail({ timeoutRate: 0.05, duplicateCallbackRate: 0.1, seed: 42 });
 */
export function simulatorRail(options: SimulatorRailOptions = {}): SimulatorRail {
  const name = options.name ?? 'simulator';
  const rates = ['failureRate', 'timeoutRate', 'lostRate', 'unavailableRate', 'asyncRate'] as const;
  let total = 0;
  for (const key of rates) {
    const rate = options[key] ?? 0;
    if (!(rate >= 0 && rate <= 1))
      throw new ConfigurationError(`[payments/simulator] ${key} must be between 0 and 1`);
    total += rate;
  }
  if (total > 1)
    throw new ConfigurationError('[payments/simulator] the rates add up to more than 1');
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  const now = options.now ?? Date.now;
  const ledger = options.ledger ?? memorySimulatorLedger();
  const settleMs = options.settleMs ?? 20;
  const listeners = new Set<(callback: RailCallback) => void>();
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;
  const rejected = new Set(options.rejectAddresses ?? []);

  const latency = () => {
    const value = options.latencyMs ?? 0;
    if (typeof value === 'number') return value;
    return value[0] + random() * (value[1] - value[0]);
  };

  const emit = (callback: RailCallback) => {
    for (const listener of listeners) listener(callback);
  };
  const later = (milliseconds: number, fn: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, milliseconds);
    timer.unref?.();
    timers.add(timer);
  };
  const callbackOf = (entry: SimulatorLedgerEntry): RailCallback => ({
    idempotencyKey: entry.idempotencyKey,
    status: entry.status,
    railReference: entry.reference,
    ...(entry.reason ? { reason: entry.reason } : {}),
  });
  const scheduleCallbacks = (entry: SimulatorLedgerEntry) => {
    if (listeners.size === 0) return;
    const delay = Math.max(0, entry.visibleAt - now());
    later(delay, () => emit(callbackOf(entry)));
    if (random() < (options.duplicateCallbackRate ?? 0))
      later(delay + 1 + random() * 10, () => emit(callbackOf(entry)));
  };

  const answerFor = (entry: SimulatorLedgerEntry): RailSubmitResult => {
    if (entry.visibleAt > now()) return { status: 'accepted', railReference: entry.reference };
    return entry.status === 'paid'
      ? { status: 'paid', railReference: entry.reference }
      : { status: 'failed', reason: entry.reason ?? 'FAILED', railReference: entry.reference };
  };

  return {
    specificationVersion: 'payment-rail/v1',
    name,
    capabilities: {
      callbacks: true,
      modalities: options.modalities ?? [
        'bank_account',
        'mobile_money',
        'voucher',
        'digital_wallet',
        'proxy',
      ],
    },
    ledger,
    async submit(transfer: RailTransfer) {
      await sleep(latency());
      const existing = await ledger.get(transfer.idempotencyKey);
      if (existing) return answerFor(existing);
      const draw = random();
      let edge = 0;
      const hit = (rate: number | undefined) => {
        edge += rate ?? 0;
        return draw < edge;
      };
      const base = {
        idempotencyKey: transfer.idempotencyKey,
        reference: `SIM-${now().toString(36)}-${(counter++).toString(36)}`,
        amount: { amount: transfer.amount.amount, currency: transfer.amount.currency },
        financialAddress: transfer.financialAddress,
      };
      if (rejected.has(transfer.financialAddress)) {
        const entry = await ledger.record({
          ...base,
          status: 'failed',
          reason: 'ACCOUNT_REJECTED',
          visibleAt: now(),
        });
        return answerFor(entry);
      }
      if (hit(options.unavailableRate)) throw new RailUnavailableError(name);
      if (hit(options.lostRate)) throw new RailTimeoutError(name);
      if (hit(options.failureRate)) {
        const entry = await ledger.record({
          ...base,
          status: 'failed',
          reason: 'SIMULATED_FAILURE',
          visibleAt: now(),
        });
        return answerFor(entry);
      }
      if (hit(options.timeoutRate)) {
        const entry = await ledger.record({ ...base, status: 'paid', visibleAt: now() + settleMs });
        scheduleCallbacks(entry);
        throw new RailTimeoutError(name);
      }
      if (hit(options.asyncRate)) {
        const entry = await ledger.record({ ...base, status: 'paid', visibleAt: now() + settleMs });
        if (random() < (options.earlyCallbackRate ?? 0)) {
          // Out of order: the outcome overtakes the submit answer.
          const final = { ...entry, visibleAt: now() };
          emit(callbackOf(final));
        }
        scheduleCallbacks(entry);
        return answerFor(entry);
      }
      const entry = await ledger.record({ ...base, status: 'paid', visibleAt: now() });
      if (random() < (options.earlyCallbackRate ?? 0)) emit(callbackOf(entry));
      if (random() < (options.duplicateCallbackRate ?? 0)) scheduleCallbacks(entry);
      return answerFor(entry);
    },
    async inquire(idempotencyKey): Promise<RailStatus> {
      await sleep(latency());
      const entry = await ledger.get(idempotencyKey);
      if (!entry) return { status: 'not_found' };
      if (entry.visibleAt > now()) return { status: 'pending', railReference: entry.reference };
      return entry.status === 'paid'
        ? { status: 'paid', railReference: entry.reference }
        : { status: 'failed', reason: entry.reason ?? 'FAILED', railReference: entry.reference };
    },
    async verifyAccount(account) {
      await sleep(latency());
      return rejected.has(account.financialAddress)
        ? { status: 'rejected', reason: 'ACCOUNT_REJECTED' }
        : { status: 'ok' };
    },
    onCallback(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
