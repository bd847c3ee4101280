/** Where a command writes; injectable for tests. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** One `govblocks` subcommand. */
export interface Command {
  /** E.g. `audit verify` (words, space-separated). */
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

/** Options every `govblocks serve <block>` accepts. */
export interface ServeOptions {
  port: number;
  host: string;
  /** `memory://`, `file://dir` or `postgres://…`; embedded PGlite in memory when absent. */
  databaseUrl?: string;
  /** Load example data (e.g. GovStack's fixtures). */
  seed: boolean;
  /** Block-specific flags, as given. */
  flags: Record<string, string | boolean | undefined>;
  io: CommandIo;
}

/** A running server. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** What a block contributes to the CLI. */
export interface BlockModule {
  /** The block's CLI name: `consent`, `payments`, `registries`, … */
  name: string;
  summary: string;
  /** Serves the block's GovStack HTTP API. */
  serve?: (options: ServeOptions) => Promise<RunningServer>;
  /** Extra subcommands (`audit verify`, `payments disburse`, …). */
  commands?: Command[];
}
