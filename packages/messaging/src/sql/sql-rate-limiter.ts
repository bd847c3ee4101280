import { type MigrationSet, migrate, type SqlClient } from '@govblocks/core/sql';
import { checkRateLimits, type RateLimiter, rateWindow } from '../rate-limit.js';
import { messagingMigrations } from './migrations.js';

/**
 * A {@link RateLimiter} kept in PostgreSQL (or PGlite), shared by every worker and process on
 * the same database. One transaction counts a send in each window with
 * `INSERT … ON CONFLICT DO UPDATE … WHERE count < limit`, so concurrent workers never let more
 * through than a quota allows; ended windows are pruned as it goes.
 *
 * @example
 * const limiter = await sqlRateLimiter(client);
 */
export async function sqlRateLimiter(
  client: SqlClient,
  options: { migrate?: boolean } = {},
): Promise<RateLimiter> {
  if (options.migrate ?? true) await migrate(client, messagingMigrations as MigrationSet);
  let calls = 0;
  return {
    async take(key, limits, now) {
      checkRateLimits(limits);
      calls += 1;
      if (calls % 1_000 === 0) {
        await client.query('delete from messaging_rate_windows where window_end < $1', [now]);
      }
      const blocked = { wait: 0 };
      try {
        await client.transaction(async (tx) => {
          for (const { limit, windowMs } of limits) {
            const { start, end } = rateWindow(now, windowMs);
            const counted = await tx.query(
              `insert into messaging_rate_windows (key, window_ms, window_start, window_end, count)
               values ($1, $2, $3, $4, 1)
               on conflict (key, window_ms, window_start)
               do update set count = messaging_rate_windows.count + 1
               where messaging_rate_windows.count < $5
               returning count`,
              [key, windowMs, new Date(start), new Date(end), limit],
            );
            // A full window: look at the others too, so the answer is the longest wait.
            if (counted.rowCount === 0) blocked.wait = Math.max(blocked.wait, end - now.getTime());
          }
          if (blocked.wait > 0) throw blocked; // roll back the windows counted
        });
      } catch (error) {
        if (error === blocked) return { allowed: false, retryAfterMs: blocked.wait };
        throw error;
      }
      return { allowed: true };
    },
  };
}
