import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** GovStack's reference mock (Mockoon CLI 4.1.0) on a free loopback port. */
export interface ReferenceMock {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the reference mock with `npx --yes @mockoon/cli@4.1.0`. Resolves undefined (with the
 * reason) when it cannot start within `timeoutMs` — e.g. no registry access — so tests can skip.
 */
export async function startReferenceMock(
  dataFile: string,
  timeoutMs = 90_000,
): Promise<{ mock?: ReferenceMock; reason?: string }> {
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn(
      'npx',
      [
        '--yes',
        '@mockoon/cli@4.1.0',
        'start',
        '--daemon-off',
        '--data',
        dataFile,
        '--port',
        String(port),
        '--hostname',
        '127.0.0.1',
      ],
      {
        detached: true,
        stdio: 'ignore',
      },
    );
  } catch (error) {
    return { reason: `cannot spawn npx: ${String(error)}` };
  }
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  child.once('error', () => {
    exited = true;
  });
  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGTERM'); // the process group we started: npx, sh and the mock
    } catch {
      // already gone
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !exited) {
    try {
      await fetch(`${url}/status/email`, { signal: AbortSignal.timeout(1_000) });
      return { mock: { url, stop } };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  await stop();
  return {
    reason: exited
      ? 'the Mockoon CLI exited (no registry access?)'
      : `the Mockoon CLI did not answer within ${timeoutMs} ms`,
  };
}
