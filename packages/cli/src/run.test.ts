import { describe, expect, it } from 'vitest';
import type { BlockModule, CommandIo } from './block-module.js';
import { run } from './run.js';

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

const fake: BlockModule = {
  name: 'demo',
  summary: 'a demo block',
  commands: [
    {
      name: 'demo hello',
      summary: 'Say hello',
      usage: 'govblocks demo hello <name>',
      async run(argv, io) {
        io.out(`hello ${argv[0]}\n`);
        return 0;
      },
    },
  ],
};

describe('govblocks CLI', () => {
  it('lists the commands with --help and exits 0', async () => {
    const io = capture();
    expect(await run(['--help'], io, [fake])).toBe(0);
    expect(io.stdout).toContain('serve');
    expect(io.stdout).toContain('demo hello');
  });

  it('exits 2 with help when called without a command', async () => {
    const io = capture();
    expect(await run([], io, [])).toBe(2);
    expect(io.stdout).toContain('usage: govblocks');
  });

  it('routes multi-word commands and passes the rest of argv', async () => {
    const io = capture();
    expect(await run(['demo', 'hello', 'world'], io, [fake])).toBe(0);
    expect(io.stdout).toBe('hello world\n');
  });

  it('refuses an unknown command with exit 2', async () => {
    const io = capture();
    expect(await run(['nope'], io, [fake])).toBe(2);
    expect(io.stderr).toContain("unknown command 'nope'");
  });

  it('refuses to serve a block without an HTTP binding', async () => {
    const io = capture();
    expect(await run(['serve', 'demo'], io, [fake])).toBe(2);
    expect(io.stderr).toContain("'demo' cannot be served");
  });
});
