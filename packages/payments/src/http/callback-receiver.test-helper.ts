import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedCallback {
  path: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: tests read fields of the posted JSON
  body: any;
}

/** A loopback HTTP server that records every POST it receives (the other end of `X-Callback-URL`). */
export async function callbackReceiver() {
  const received: ReceivedCallback[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer((request, response) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      text += chunk;
    });
    request.on('end', () => {
      received.push({
        path: request.url ?? '',
        headers: request.headers,
        body: text === '' ? undefined : JSON.parse(text),
      });
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"success"}');
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    /** Resolves with the first callback to `path` (waiting up to `timeoutMs`). */
    async next(path: string, timeoutMs = 5000): Promise<ReceivedCallback> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find((item) => item.path === path);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no callback to ${path} within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
