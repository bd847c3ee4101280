import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cosignCheckpoint,
  createAuditLog,
  createAuditSink,
  createNoteSigner,
  createNoteVerifier,
  generateNoteKey,
} from '@govblocks/audit';
import { sqlAuditStore } from '@govblocks/audit/sql';
import { openDatabase } from '@govblocks/core/sql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIo } from '../block-module.js';
import { run } from '../run.js';

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

describe('govblocks audit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'govblocks-audit-cli-'));
  const url = `file://${join(dir, 'db')}`;
  const origin = 'cli.example/audit';
  const keys = generateNoteKey(origin);
  const bundle = join(dir, 'bundle.jsonl');

  beforeAll(async () => {
    const client = await openDatabase(url);
    const log = createAuditLog({
      store: await sqlAuditStore(client),
      origin,
      signer: createNoteSigner(keys.signerKey),
    });
    const sink = createAuditSink({ log, pseudonymKey: new Uint8Array(32).fill(7) });
    await Promise.all(
      Array.from({ length: 12 }, (_, n) =>
        sink.record({
          block: 'consent',
          action: 'consent.given',
          actor: { type: 'person', id: `p${n}` },
          outcome: 'success',
        }),
      ),
    );
    await client.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports a bundle that verify accepts (exit 0), and locates a tampered entry (exit 1)', async () => {
    const io = capture();
    expect(
      await run(
        ['audit', 'export', bundle, '--database-url', url, '--signer-key', keys.signerKey],
        io,
      ),
    ).toBe(0);
    const ok = capture();
    expect(await run(['audit', 'verify', bundle, '--key', keys.verifierKey], ok)).toBe(0);
    expect(ok.stdout).toMatch(/verified 12 entries/);
    expect(ok.stderr).toMatch(/100% 12\/12/);

    const lines = readFileSync(bundle, 'utf8').split('\n');
    lines[6] = lines[6]!.replace('"p5"', '"p6"');
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n'));
    const bad = capture();
    expect(
      await run(['audit', 'verify', tampered, '--key', keys.verifierKey, '--quiet'], bad),
    ).toBe(1);
    expect(bad.stderr).toMatch(/FAILED at entry 5: entry 5 does not match its leaf hash/);

    const wrongKey = capture();
    expect(
      await run(
        ['audit', 'verify', bundle, '--key', generateNoteKey(origin).verifierKey, '--quiet'],
        wrongKey,
      ),
    ).toBe(1);
    expect(await run(['audit', 'verify', bundle], capture())).toBe(2);
  });

  it('requires k of n witness cosignatures when asked', async () => {
    const witnesses = ['w1.example', 'w2.example'].map((name) => generateNoteKey(name, 0x04));
    const lines = readFileSync(bundle, 'utf8').split('\n');
    const header = JSON.parse(lines[0]!) as { format: string; checkpoint: string };
    header.checkpoint = cosignCheckpoint(header.checkpoint, {
      cosigner: createNoteSigner(witnesses[0]!.signerKey),
      logKeys: [createNoteVerifier(keys.verifierKey)],
      time: 1_700_000_000,
    });
    lines[0] = JSON.stringify(header);
    const cosigned = join(dir, 'cosigned.jsonl');
    writeFileSync(cosigned, lines.join('\n'));
    const base = ['audit', 'verify', cosigned, '--key', keys.verifierKey, '--quiet'];
    const witnessArgs = witnesses.flatMap((witness) => ['--witness', witness.verifierKey]);
    const one = capture();
    expect(await run([...base, ...witnessArgs, '--quorum', '1'], one)).toBe(0);
    expect(one.stdout).toMatch(/cosigned by w1.example/);
    const two = capture();
    expect(await run([...base, ...witnessArgs, '--quorum', '2'], two)).toBe(1);
    expect(two.stderr).toMatch(/1 of the required 2 witness cosignatures/);
  });

  it('prints a checkpoint and proves an entry against it', async () => {
    const io = capture();
    expect(
      await run(['audit', 'checkpoint', '--database-url', url, '--signer-key', keys.signerKey], io),
    ).toBe(0);
    expect(io.stdout.split('\n').slice(0, 2)).toEqual([origin, '12']);
    const checkpointFile = join(dir, 'checkpoint.txt');
    writeFileSync(checkpointFile, io.stdout);
    const proof = capture();
    const args = [
      'audit',
      'prove',
      '3',
      '--database-url',
      url,
      '--origin',
      origin,
      '--checkpoint',
      checkpointFile,
      '--key',
      keys.verifierKey,
    ];
    expect(await run(args, proof)).toBe(0);
    expect(JSON.parse(proof.stdout)).toMatchObject({ index: 3, size: 12 });
    expect(await run(['audit', 'prove', 'x', '--database-url', url], capture())).toBe(2);
  });
});
