import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { memoryIdempotencyStore } from '../idempotency.js';
import { createHttpApp } from './app.js';
import { respondIdempotently } from './idempotency.js';
import { readJson } from './json.js';

function setup(required = false) {
  const store = memoryIdempotencyStore();
  const app = createHttpApp({
    logger: { warn: () => {}, error: () => {} },
    auth: {
      apiKeys: {
        keys: [
          { key: 'client-a'.repeat(3), id: 'a' },
          { key: 'client-b'.repeat(3), id: 'b' },
        ],
      },
    },
  });
  let runs = 0;
  let gate: Promise<void> | undefined;
  app.post('/payments', async (c) => {
    const input = await readJson(c, z.object({ amount: z.number().int() }));
    return respondIdempotently(c, {
      store,
      scope: 'payments.create',
      request: input,
      required,
      run: async () => {
        runs++;
        await gate;
        if (input.amount < 0) throw new Error('rail refused');
        return {
          status: 201,
          body: { id: `p-${runs}`, amount: input.amount },
          headers: { location: `/payments/p-${runs}` },
        };
      },
    });
  });
  const post = (body: unknown, key?: string, apiKey = 'client-a') =>
    app.request('/payments', {
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        'content-type': 'application/json',
        'X-API-Key': apiKey.repeat(3),
        ...(key ? { 'Idempotency-Key': key } : {}),
      },
    });
  return {
    post,
    runs: () => runs,
    hold: () => {
      let open!: () => void;
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

describe('respondIdempotently', () => {
  it('runs once and replays status, body and headers for the same key and request', async () => {
    const { post, runs } = setup();
    const first = await post({ amount: 5 }, 'key-1');
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const second = await post({ amount: 5 }, 'key-1');
    expect(second.status).toBe(201);
    expect(second.headers.get('location')).toBe('/payments/p-1');
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await second.json()).toEqual(await first.json());
    expect(runs()).toBe(1);
  });

  it('answers 422 for the same key with a different request', async () => {
    const { post } = setup();
    await post({ amount: 5 }, 'key-1');
    const response = await post({ amount: 6 }, 'key-1');
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_MISMATCH' });
  });

  it('answers 409 with Retry-After while the first request is in flight', async () => {
    const { post, hold } = setup();
    const release = hold();
    const first = post({ amount: 5 }, 'key-1');
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = await post({ amount: 5 }, 'key-1');
    expect(second.status).toBe(409);
    expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await second.json()).toMatchObject({ code: 'IDEMPOTENCY_IN_FLIGHT' });
    release();
    expect((await first).status).toBe(201);
  });

  it('releases the key when the command fails, so a retry runs', async () => {
    const { post, runs } = setup();
    expect((await post({ amount: -1 }, 'key-1')).status).toBe(500);
    expect((await post({ amount: -1 }, 'key-1')).status).toBe(500);
    expect(runs()).toBe(2);
  });

  it('keeps keys apart per caller and runs key-less requests every time', async () => {
    const { post, runs } = setup();
    await post({ amount: 5 }, 'shared', 'client-a');
    const other = await post({ amount: 5 }, 'shared', 'client-b');
    expect(other.headers.get('idempotent-replayed')).toBeNull();
    await post({ amount: 5 });
    await post({ amount: 5 });
    expect(runs()).toBe(4);
  });

  it('refuses a missing key when required, and a malformed key', async () => {
    const { post } = setup(true);
    expect(await (await post({ amount: 5 })).json()).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
    });
    expect((await post({ amount: 5 }, 'x'.repeat(300))).status).toBe(400);
  });
});
