import { parseArgs } from 'node:util';
import type { BlockModule, Command, CommandIo } from './block-module.js';
import { blocks as knownBlocks } from './blocks/index.js';

function serveCommand(blocks: BlockModule[]): Command {
  const servable = blocks.filter((block) => block.serve);
  return {
    name: 'serve',
    summary: `Serve a building block as its GovStack HTTP API (${servable.map((block) => block.name).join(', ') || 'no block has an HTTP binding yet'})`,
    usage:
      'govblocks serve <block> [--port 3333] [--host 127.0.0.1] [--database-url postgres://…] [--seed]',
    async run(argv, io) {
      const { positionals, values } = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: false,
        options: {
          port: { type: 'string', default: '3333' },
          host: { type: 'string', default: '127.0.0.1' },
          'database-url': { type: 'string' },
          seed: { type: 'boolean', default: false },
        },
      });
      const block = servable.find((candidate) => candidate.name === positionals[0]);
      if (!block?.serve) {
        io.err(
          `${positionals[0] ? `govblocks serve: '${positionals[0]}' cannot be served.` : 'govblocks serve: name a block.'} ` +
            `Blocks with an HTTP binding: ${servable.map((candidate) => candidate.name).join(', ') || '(none yet)'}\n`,
        );
        return 2;
      }
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) {
        io.err(`govblocks serve: --port must be 0–65535, not '${String(values.port)}'\n`);
        return 2;
      }
      const server = await block.serve({
        port,
        host: String(values.host),
        databaseUrl:
          typeof values['database-url'] === 'string' ? values['database-url'] : undefined,
        seed: values.seed === true,
        flags: values as Record<string, string | boolean | undefined>,
        io,
      });
      io.out(`govblocks: ${block.name} listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      return 0;
    },
  };
}

/** Every command: `serve`, then the blocks' own. */
export function commandsOf(blocks: BlockModule[]): Command[] {
  return [serveCommand(blocks), ...blocks.flatMap((block) => block.commands ?? [])];
}

function help(commands: Command[], io: CommandIo): void {
  const width = Math.max(...commands.map((command) => command.name.length));
  io.out(
    [
      'govblocks — GovStack building blocks from the command line',
      '',
      'usage: govblocks <command> [options]',
      '',
      'commands:',
      ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
      '',
      "'govblocks <command> --help' shows a command's options.",
      '',
    ].join('\n'),
  );
}

const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs the CLI with `argv` (without `node` and the script). Resolves to the exit code. */
export async function run(
  argv: string[],
  io: CommandIo = processIo,
  blocks = knownBlocks,
): Promise<number> {
  const commands = commandsOf(blocks);
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    help(commands, io);
    return argv.length === 0 ? 2 : 0;
  }
  // The command with the most matching words wins (`audit verify` before `audit`).
  const match = commands
    .filter((command) => command.name.split(' ').every((word, index) => argv[index] === word))
    .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)[0];
  if (!match) {
    io.err(`govblocks: unknown command '${argv[0]}'. Run 'govblocks --help'.\n`);
    return 2;
  }
  const rest = argv.slice(match.name.split(' ').length);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`${match.summary}\n\nusage: ${match.usage}\n`);
    return 0;
  }
  try {
    return await match.run(rest, io);
  } catch (error) {
    io.err(`govblocks ${match.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
