import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

/** Anything with a web-standard `fetch` handler: a Hono app, or `{ fetch }`. */
export interface FetchApp {
  fetch: (request: Request, ...rest: never[]) => Response | Promise<Response>;
}

export interface StartServerOptions {
  /** Default 0: any free port (read it from `url`). */
  port?: number;
  /** Default `127.0.0.1`. Use `0.0.0.0` to listen on every interface. */
  host?: string;
  /** How long `close()` waits for requests in flight before cutting connections. Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Signals that trigger `close()` (e.g. `['SIGTERM', 'SIGINT']`). Default none. */
  closeOnSignals?: NodeJS.Signals[];
}

export interface RunningServer {
  /** `http://host:port`. */
  url: string;
  port: number;
  /** Requests being served now. */
  readonly inFlight: number;
  /**
   * Graceful shutdown: stops accepting connections, lets requests in flight finish (up to
   * `shutdownTimeoutMs`), then closes every connection. Safe to call more than once.
   */
  close(): Promise<void>;
}

/**
 * Serves `app` on Node's HTTP server (through @hono/node-server).
 *
 * @example
 * const server = await startServer(app, { port: 8080, host: '0.0.0.0', closeOnSignals: ['SIGTERM'] });
 * console.log(`listening on ${server.url}`);
 */
export async function startServer(
  app: FetchApp,
  options: StartServerOptions = {},
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  let inFlight = 0;
  const server = createAdaptorServer({
    fetch: async (request: Request) => {
      inFlight++;
      try {
        return await app.fetch(request);
      } finally {
        inFlight--;
      }
    },
  }) as Server;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  let closing: Promise<void> | undefined;
  const signals = options.closeOnSignals ?? [];
  const onSignal = () => {
    void close();
  };
  for (const signal of signals) process.once(signal, onSignal);

  function close(): Promise<void> {
    closing ??= (async () => {
      for (const signal of signals) process.off(signal, onSignal);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // server.close() stops accepting; connections end as they fall idle (their requests done),
      // and whatever is still open at the deadline is cut.
      const deadline = Date.now() + shutdownTimeoutMs;
      server.closeIdleConnections();
      const sweeper = setInterval(() => {
        server.closeIdleConnections();
        if (Date.now() >= deadline) server.closeAllConnections();
      }, 20);
      try {
        await stopped;
      } finally {
        clearInterval(sweeper);
      }
    })();
    return closing;
  }

  return {
    url: `http://${urlHost}:${port}`,
    port,
    get inFlight() {
      return inFlight;
    },
    close,
  };
}
