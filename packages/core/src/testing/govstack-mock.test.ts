import { describe, expect, it } from 'vitest';
import { freePort, govstackFile, startGovStackMock } from './govstack-mock.js';

describe('GovStack reference mock launcher', () => {
  it('finds spec files beside the repository and says undefined for missing ones', () => {
    const file = govstackFile('messaging/mock/mockoon-messaging.json');
    expect(file === undefined || file.endsWith('messaging/mock/mockoon-messaging.json')).toBe(true);
    expect(govstackFile('no-such-block/mock.json')).toBeUndefined();
  });

  it('reports a reason instead of throwing when the mock cannot start', async () => {
    const missing = await startGovStackMock('payments', {
      dataFile: '/nonexistent/mock.json',
      timeoutMs: 5_000,
    });
    expect(missing.mock).toBeUndefined();
    expect(missing.skip).toMatch(/Mockoon CLI/);
  }, 30_000);

  it.skipIf(!govstackFile('messaging/mock/mockoon-messaging.json'))(
    'starts the published mock on loopback and stops it',
    async () => {
      const started = await startGovStackMock('messaging');
      if (!started.mock) return expect.fail(started.skip);
      try {
        const response = await fetch(`${started.mock.url}/status/email`);
        expect(response.status).toBeLessThan(500);
      } finally {
        await started.mock.stop();
      }
      await expect(fetch(`${started.mock.url}/status/email`)).rejects.toThrow();
    },
    150_000,
  );

  it('gives distinct free ports', async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
  });
});
