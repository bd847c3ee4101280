import { describe, expect, it } from 'vitest';
import { createHttpApp } from './app.js';
import { sendJson } from './json.js';
import { startServer } from './server.js';

describe('startServer', () => {
  it('serves on a real socket and shuts down gracefully, finishing requests in flight', async () => {
    const app = createHttpApp();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived!: () => void;
    const arrival = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    app.get('/slow', async (c) => {
      arrived();
      await gate;
      return sendJson(c, { done: true });
    });
    const server = await startServer(app, { port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const health = await fetch(`${server.url}/health`);
    expect(health.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await health.json()).toEqual({ status: 'ok' });

    const slow = fetch(`${server.url}/slow`).then((response) => response.json());
    await arrival;
    expect(server.inFlight).toBe(1);
    const closed = server.close();
    // New connections are refused while the slow request is still being served.
    await expect(
      fetch(`${server.url}/health`, { headers: { connection: 'close' } }),
    ).rejects.toThrow();
    release();
    expect(await slow).toEqual({ done: true });
    await closed;
    await server.close();
  });

  it('cuts requests that overrun the shutdown timeout', async () => {
    const app = createHttpApp();
    app.get('/hang', () => new Promise<Response>(() => {}));
    const server = await startServer(app, { shutdownTimeoutMs: 100 });
    const hanging = fetch(`${server.url}/hang`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await hanging).toBeInstanceOf(Error);
  });

  it('closes on a configured signal', async () => {
    const server = await startServer(createHttpApp(), { closeOnSignals: ['SIGUSR2'] });
    const before = process.listenerCount('SIGUSR2');
    // Emitting (not sending) the signal reaches only the listeners: nothing else is disturbed.
    process.emit('SIGUSR2', 'SIGUSR2');
    await server.close();
    expect(process.listenerCount('SIGUSR2')).toBe(before - 1);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const first = await startServer(createHttpApp());
    await expect(startServer(createHttpApp(), { port: first.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
    await first.close();
  });
});
