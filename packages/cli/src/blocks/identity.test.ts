import { describe, expect, it } from 'vitest';
import type { CommandIo } from '../block-module.js';
import { run } from '../run.js';
import { identityBlock } from './identity.js';

function capture(): CommandIo & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out: (text: string) => {
      io.stdout += text;
    },
    err: (text: string) => {
      io.stderr += text;
    },
  };
  return io;
}

describe('govblocks identity', () => {
  it('refuses bad dev-idp options with exit code 2', async () => {
    const io = capture();
    expect(await run(['identity', 'dev-idp', '--port', 'x'], io, [identityBlock])).toBe(2);
    expect(await run(['identity', 'dev-idp', '--userinfo', 'xml'], io, [identityBlock])).toBe(2);
    expect(io.stderr).toContain('--userinfo');
  });

  it('serves the dev IdP with eSignet paths (govblocks serve identity) and warns loudly', async () => {
    const io = capture();
    const server = await identityBlock.serve?.({
      port: 0,
      host: '127.0.0.1',
      seed: false,
      flags: {},
      io,
    });
    try {
      const metadata = (await (
        await fetch(`${server?.url}/.well-known/openid-configuration`)
      ).json()) as Record<string, unknown>;
      expect(metadata.token_endpoint).toBe(`${server?.url}/oauth/token`);
      expect(io.stderr).toContain('DEVELOPMENT ONLY');
    } finally {
      await server?.close();
    }
  });
});
