import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

// shared/ sits beside the repository (in CI too); PAYMENTS_MOCK_FILE overrides.
const mockCandidates = [
  process.env.PAYMENTS_MOCK_FILE,
  new URL('../../../../../shared/govstack/payments/mock/mockoon-payments.json', import.meta.url)
    .pathname,
  '/work/shared/govstack/payments/mock/mockoon-payments.json',
];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Stops the mock and the server npx started. */
export function stopMock(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

/** Starts the reference Mockoon mock on a free port; a string says why it could not. */
export async function startMock(): Promise<{ url: string; child: ChildProcess } | string> {
  const { existsSync } = await import('node:fs');
  const file = mockCandidates.find((candidate) => candidate !== undefined && existsSync(candidate));
  if (!file)
    return 'the reference mock file (shared/govstack/payments/mock/mockoon-payments.json) was not found';
  const port = await freePort();
  const child = spawn(
    'npx',
    [
      '--yes',
      '@mockoon/cli@4.1.0',
      'start',
      '--daemon-off',
      '--data',
      file,
      '--port',
      String(port),
      '--hostname',
      '127.0.0.1',
    ],
    // Its own process group, so that stopping it also stops the server npx started.
    { stdio: 'ignore', detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return `mockoon exited with code ${child.exitCode}`;
    try {
      await fetch(`${url}/`);
      return { url, child };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  stopMock(child);
  return 'mockoon did not start within 120 s';
}
