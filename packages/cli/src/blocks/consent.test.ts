import { describe, expect, it } from 'vitest';
import { consentBlock } from './consent.js';

describe('govblocks serve consent', () => {
  it('serves the GovStack API on embedded PGlite with the example fixtures', async () => {
    const output: string[] = [];
    const io = {
      out: (text: string) => output.push(text),
      err: (text: string) => output.push(text),
    };
    const server = await consentBlock.serve?.({
      port: 0,
      host: '127.0.0.1',
      seed: true,
      flags: { 'api-key': 'cli-test-key-0123456789' },
      io,
    });
    if (!server) throw new Error('consent has no serve');
    try {
      const headers = { 'x-api-key': 'cli-test-key-0123456789' };
      const policy = await fetch(`${server.url}/config/policy/1/`, { headers });
      expect(policy.status).toBe(200);
      expect(await policy.json()).toMatchObject({
        policy: { id: '1', name: 'Ministry of Health Privacy Policy' },
      });
      const check = await fetch(
        `${server.url}/service/verification/check/?individualId=1&dataAgreementId=1`,
        { headers },
      );
      expect(await check.json()).toMatchObject({
        allowed: false,
        reason: 'NOT_DECIDED',
        consentRecordId: '1',
      });
      expect((await fetch(`${server.url}/config/policies/`)).status).toBe(401);
      expect(output.join('')).toContain('seeded');
    } finally {
      await server.close();
    }
  });
});
