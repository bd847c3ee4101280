import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

/** The blocks GovStack publishes a reference Mockoon mock for, with the mock's file name. */
const mockFiles = {
  identity: 'identity/mock/mockoon-identity.json',
  messaging: 'messaging/mock/mockoon-messaging.json',
  payments: 'payments/mock/mockoon-payments.json',
  registration: 'registration/mock/mockoon-registration.json',
  registries: 'registries/mock/mockoon-digitalregistries.json',
} as const;

export type GovStackMockBlock = keyof typeof mockFiles;

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Finds a file of the GovStack specification folder (`shared/govstack/`), which sits beside the
 * repository. Looks in `$GOVSTACK_DIR`, then in every `shared/govstack` beside a parent of the
 * working directory, then at `/work/shared/govstack`. Undefined when none holds the file.
 */
export function govstackFile(relativePath: string): string | undefined {
  const roots: string[] = [];
  if (process.env.GOVSTACK_DIR) roots.push(process.env.GOVSTACK_DIR);
  for (let dir = resolve(process.cwd()); ; dir = dirname(dir)) {
    roots.push(join(dir, 'shared', 'govstack'));
    if (dirname(dir) === dir) break;
  }
  roots.push('/work/shared/govstack');
  return roots.map((root) => join(root, relativePath)).find((file) => existsSync(file));
}

/** A running GovStack reference mock. */
export interface GovStackMock {
  /** Base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  stop(): Promise<void>;
}

export interface StartGovStackMockOptions {
  /** How long to wait for the mock to answer (npx may download the CLI first). Default 120 s. */
  readonly timeoutMs?: number;
  /** Use this data file instead of the block's published one. */
  readonly dataFile?: string;
}

/**
 * Starts GovStack's reference mock for a block with `npx @mockoon/cli@4.1.0` (the version
 * GovStack's published API tests use) on a free loopback port, for comparing an HTTP binding or
 * a remote adapter with it. Resolves `{ skip }` with the reason instead of throwing when it cannot
 * start — no spec folder, no npm registry — so a suite can skip with that reason.
 */
export async function startGovStackMock(
  block: GovStackMockBlock,
  options: StartGovStackMockOptions = {},
): Promise<{ mock: GovStackMock; skip?: undefined } | { mock?: undefined; skip: string }> {
  const dataFile = options.dataFile ?? govstackFile(mockFiles[block]);
  if (!dataFile) return { skip: `the GovStack ${block} mock (${mockFiles[block]}) was not found` };
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
      // Its own process group, so that stopping it also stops the server npx started.
      { stdio: 'ignore', detached: true },
    );
  } catch (error) {
    return { skip: `cannot spawn npx: ${String(error)}` };
  }
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
  });
  child.once('error', () => {
    exitCode = -1;
  });
  const stop = async () => {
    if (exitCode !== undefined || child.pid === undefined) return;
    const exited = new Promise((done) => child.once('exit', done));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
    await Promise.race([exited, new Promise((done) => setTimeout(done, 2_000))]);
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline && exitCode === undefined) {
    try {
      // Any HTTP answer, 404 included, means the server is up.
      await fetch(`${url}/`, { signal: AbortSignal.timeout(1_000) });
      return { mock: { url, stop } };
    } catch {
      await new Promise((done) => setTimeout(done, 300));
    }
  }
  await stop();
  return {
    skip:
      exitCode !== undefined
        ? `the Mockoon CLI exited (code ${exitCode}; no npm registry?)`
        : `the Mockoon CLI did not answer within ${options.timeoutMs ?? 120_000} ms`,
  };
}
