import { type Clock, ConfigurationError, systemClock } from '@govblocks/core';
import { ChannelError } from '../errors.js';
import type { Channel } from '../ports.js';

export interface CircuitBreakerOptions {
  /** Consecutive temporary failures that open a member's circuit. Default 5. */
  failureThreshold?: number;
  /** How long an open circuit rests before one trial request (half-open). Default 30 s. */
  resetAfterMs?: number;
}

export interface FailoverChannelOptions {
  /** Default `failover-<kind>`. */
  name?: string;
  /** Members of one kind, in priority order. */
  channels: readonly Channel[];
  breaker?: CircuitBreakerOptions;
  clock?: Clock;
}

/** A failover channel, with the state of each member's circuit (for health pages and tests). */
export interface FailoverChannel extends Channel {
  circuits(): Array<{ name: string; state: 'closed' | 'open' | 'half-open'; failures: number }>;
}

/**
 * Sends through the first healthy member of a list, in priority order, with a circuit breaker
 * per member: after `failureThreshold` consecutive temporary failures a member is skipped for
 * `resetAfterMs`, then tried once (half-open) and restored on success.
 *
 * A temporary failure moves on to the next member; a permanent refusal is final (another
 * provider would refuse the same address). Every member receives the message's idempotency
 * key. When a member's outcome is unknown (a `ChannelError` with `extensions.maybeAccepted`,
 * e.g. a timeout after the request was sent) the message does not fail over: it stays pinned to
 * that member, whose deduplication by idempotency key makes the engine's retry safe, so the
 * second provider never duplicates a send the first one accepted. The receipt names the member that accepted the message. When every member failed or is
 * open, a retryable `ChannelError` is thrown (code `CIRCUIT_OPEN` when all were open) and the
 * engine retries later.
 *
 * @example
 * const sms = failoverChannel({ channels: [httpSmsChannel(primary), httpSmsChannel(backup)] });
 */
export function failoverChannel(options: FailoverChannelOptions): FailoverChannel {
  const first = options.channels[0];
  if (!first)
    throw new ConfigurationError('[messaging] failoverChannel needs at least one channel');
  const kind = first.kind;
  if (options.channels.some((channel) => channel.kind !== kind)) {
    throw new ConfigurationError('[messaging] failoverChannel members must all be of one kind');
  }
  const name = options.name ?? `failover-${kind}`;
  const clock = options.clock ?? systemClock;
  const threshold = options.breaker?.failureThreshold ?? 5;
  const resetAfterMs = options.breaker?.resetAfterMs ?? 30_000;
  const state = options.channels.map((channel) => ({
    channel,
    failures: 0,
    openedAt: null as number | null,
  }));
  // Messages whose outcome at a member is unknown (a timeout after the request went out) stay
  // with that member: only it can recognise the idempotency key. Bounded, oldest dropped first.
  const sticky = new Map<string, number>();
  const stickyLimit = 10_000;

  const circuitOf = (entry: (typeof state)[number]): 'closed' | 'open' | 'half-open' => {
    if (entry.openedAt === null) return 'closed';
    return clock.now().getTime() - entry.openedAt >= resetAfterMs ? 'half-open' : 'open';
  };

  return {
    specificationVersion: 'messaging-channel/v1',
    name,
    kind,
    circuits: () =>
      state.map((entry) => ({
        name: entry.channel.name,
        state: circuitOf(entry),
        failures: entry.failures,
      })),
    async send(message, sendOptions) {
      let lastError: unknown;
      let tried = 0;
      const throttledWaits: number[] = [];
      const pinned = sticky.get(message.idempotencyKey);
      const order = pinned === undefined ? state : [state[pinned] as (typeof state)[number]];
      for (const entry of order) {
        const circuit = circuitOf(entry);
        if (circuit === 'open' && pinned === undefined) continue;
        tried += 1;
        try {
          const receipt = await entry.channel.send(message, sendOptions);
          entry.failures = 0;
          entry.openedAt = null;
          sticky.delete(message.idempotencyKey);
          return {
            providerMessageId: receipt.providerMessageId,
            channel: receipt.channel ?? entry.channel.name,
          };
        } catch (error) {
          if (ChannelError.is(error) && !error.retryable) {
            sticky.delete(message.idempotencyKey);
            throw error;
          }
          lastError = error;
          // A member over its quota is not unhealthy: try the next one, keep its circuit as is.
          if (ChannelError.is(error) && error.extensions.throttled === true) {
            throttledWaits.push(Number(error.extensions.retryAfterMs) || 1_000);
            continue;
          }
          if (ChannelError.is(error) && error.extensions.maybeAccepted === true) {
            // Do not fail over: the member may have accepted it. The engine's retry comes back here.
            sticky.delete(message.idempotencyKey);
            sticky.set(message.idempotencyKey, state.indexOf(entry));
            if (sticky.size > stickyLimit) sticky.delete(sticky.keys().next().value as string);
            entry.failures += 1;
            throw new ChannelError(
              name,
              `outcome unknown at ${entry.channel.name}; will retry there`,
              { retryable: true, cause: error },
            );
          }
          entry.failures += 1;
          // A failed half-open trial re-opens at once; a closed circuit opens at the threshold.
          if (circuit === 'half-open' || entry.failures >= threshold)
            entry.openedAt = clock.now().getTime();
        }
      }
      if (tried > 0 && throttledWaits.length === tried) {
        // Every member tried was over its quota: hold the message back, without an attempt.
        throw new ChannelError(name, 'every provider is at its rate limit', {
          retryable: true,
          extensions: { throttled: true, retryAfterMs: Math.min(...throttledWaits) },
        });
      }
      if (tried === 0)
        throw new ChannelError(name, 'every provider circuit is open', {
          retryable: true,
          code: 'CIRCUIT_OPEN',
        });
      throw new ChannelError(name, `all ${tried} provider(s) failed`, {
        retryable: true,
        cause: lastError,
      });
    },
    async close() {
      await Promise.all(options.channels.map((channel) => channel.close?.()));
    },
  };
}
