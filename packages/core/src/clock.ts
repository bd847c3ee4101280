/**
 * The clock every engine reads time from. Inject a {@link manualClock} in tests so that time is
 * deterministic; production code uses {@link systemClock}.
 */
export interface Clock {
  /** Current time. */
  now(): Date;
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock you move by hand, for tests. */
export interface ManualClock extends Clock {
  /** Moves the clock forward by `milliseconds`. */
  advance(milliseconds: number): void;
  /** Sets the clock to `time`. */
  set(time: Date | string | number): void;
}

/** Creates a {@link ManualClock} starting at `start` (default 2025-01-01T00:00:00Z). */
export function manualClock(
  start: Date | string | number = '2025-01-01T00:00:00.000Z',
): ManualClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    advance(milliseconds) {
      current += milliseconds;
    },
    set(time) {
      current = new Date(time).getTime();
    },
  };
}
