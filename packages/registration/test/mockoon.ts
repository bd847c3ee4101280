import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningMock {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a GovStack reference mock with `@mockoon/cli@4.1.0` on a free loopback port. Resolves
 * to `undefined` (with the reason in `onSkip`) when it cannot start — no network for npx, say.
 */
export async function startMockoon(
  dataFile: string,
  onSkip: (reason: string) => void,
  timeoutMs = 90_000,
): Promise<RunningMock | undefined> {
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
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
  } catch (error) {
    onSkip(`cannot spawn npx: ${String(error)}`);
    return undefined;
  }
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    output += String(chunk);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    try {
      // The process group: npx, npm exec and the mockoon server it started.
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (output.includes('Server started')) return { url: `http://127.0.0.1:${port}`, stop };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  onSkip(`the mock did not start within ${timeoutMs} ms: ${output.slice(-300)}`);
  return undefined;
}
