import { createReadStream, createWriteStream, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BlockModule, Command, CommandIo } from '../block-module.js';

/**
 * `govblocks audit …`: verify a bundle offline, sign a checkpoint, prove an entry, export a
 * bundle, make keys. Exit codes: 0 verified / done, 1 verification failed (the first failing
 * entry index and the reason on stderr), 2 usage error.
 */

/** A key given inline (`name+id+base64`) or as a file of keys, one per line. */
function readKeys(values: string[]): string[] {
  return values.flatMap((value) =>
    !value.includes('+') && existsSync(value)
      ? readFileSync(value, 'utf8')
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean)
      : [value],
  );
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function progress(io: CommandIo) {
  let last = 0;
  return (done: number, total: number) => {
    const now = Date.now();
    if (done < total && now - last < 200) return;
    last = now;
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    io.err(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percent}% ${done}/${total} entries`,
    );
    if (done >= total) io.err('\n');
  };
}

async function openLog(values: Record<string, unknown>, needSigner: boolean) {
  const { openDatabase } = await import('@govblocks/core/sql');
  const audit = await import('@govblocks/audit');
  const { sqlAuditStore } = await import('@govblocks/audit/sql');
  const signerKey =
    typeof values['signer-key'] === 'string'
      ? values['signer-key']
      : process.env.GOVBLOCKS_AUDIT_SIGNER_KEY;
  if (needSigner && !signerKey)
    throw new Error(
      'a signer key is needed: --signer-key <key or file> or GOVBLOCKS_AUDIT_SIGNER_KEY',
    );
  const signer = signerKey ? audit.createNoteSigner(readKeys([signerKey])[0]!) : undefined;
  const origin = typeof values.origin === 'string' ? values.origin : signer?.name;
  if (!origin) throw new Error('name the log: --origin <origin>');
  const url =
    typeof values['database-url'] === 'string' ? values['database-url'] : process.env.DATABASE_URL;
  if (!url)
    throw new Error('--database-url (or DATABASE_URL) is needed: the log lives in that database');
  const client = await openDatabase(url);
  const log = audit.createAuditLog({
    store: await sqlAuditStore(client),
    origin,
    ...(signer ? { signer } : {}),
  });
  return { log, client, audit };
}

const databaseOptions = {
  'database-url': { type: 'string' },
  'signer-key': { type: 'string' },
  origin: { type: 'string' },
} as const;

const verify: Command = {
  name: 'audit verify',
  summary:
    'Verify an audit bundle offline (checkpoint signature, every entry, the root); exit 0 when verified',
  usage:
    'govblocks audit verify <bundle.jsonl> --key <verifier key or file> [--key …] [--origin <origin>] [--strict] [--witness <key> … --quorum <k>]',
  async run(argv, io) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        key: { type: 'string', multiple: true },
        origin: { type: 'string' },
        strict: { type: 'boolean', default: false },
        witness: { type: 'string', multiple: true },
        quorum: { type: 'string' },
        quiet: { type: 'boolean', default: false },
      },
    });
    const file = positionals[0];
    const keys = readKeys(list(values.key));
    if (!file || keys.length === 0) {
      io.err(`usage: ${verify.usage}\n`);
      return 2;
    }
    const audit = await import('@govblocks/audit');
    const verifiers = keys.map((key) => audit.createNoteVerifier(key));
    const result = await audit.verifyBundle(createReadStream(file, { highWaterMark: 1 << 20 }), {
      keys: verifiers,
      ...(values.origin ? { origin: values.origin } : {}),
      strict: values.strict === true,
      ...(values.quiet ? {} : { onProgress: progress(io), progressEvery: 50_000 }),
    });
    if (!result.ok) {
      io.err(
        `FAILED${result.index === undefined ? '' : ` at entry ${result.index}`}: ${result.reason}\n`,
      );
      return 1;
    }
    const witnesses = readKeys(list(values.witness));
    if (witnesses.length > 0) {
      try {
        const cosigned = audit.verifyCosignatures(result.checkpoint!, {
          witnesses: witnesses.map((key) => audit.createNoteVerifier(key)),
          quorum: Number(values.quorum ?? witnesses.length),
        });
        io.out(`cosigned by ${cosigned.map((cosignature) => cosignature.name).join(', ')}\n`);
      } catch (error) {
        io.err(`FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
    }
    io.out(
      `verified ${result.size} entries, root ${Buffer.from(result.rootHash).toString('base64')}\n`,
    );
    return 0;
  },
};

const checkpoint: Command = {
  name: 'audit checkpoint',
  summary:
    "Print the log's current signed checkpoint (C2SP tlog-checkpoint), or the tree head as a JWS",
  usage:
    'govblocks audit checkpoint --database-url <url> --signer-key <key or file> [--origin <origin>] [--size <n>] [--jws]',
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        ...databaseOptions,
        size: { type: 'string' },
        jws: { type: 'boolean', default: false },
      },
    });
    const { log, client, audit } = await openLog(values, true);
    try {
      const size = values.size === undefined ? undefined : Number(values.size);
      if (values.jws) {
        const signer = audit.createNoteSigner(
          readKeys([String(values['signer-key'] ?? process.env.GOVBLOCKS_AUDIT_SIGNER_KEY)])[0]!,
        );
        const head =
          size === undefined ? await log.head() : { size, rootHash: await log.rootAt(size) };
        io.out(
          `${await audit.signTreeHeadJws({ origin: log.origin, head, signer, issuedAt: new Date() })}\n`,
        );
      } else {
        io.out(await log.checkpoint(size));
      }
      return 0;
    } finally {
      await client.close();
    }
  },
};

const prove: Command = {
  name: 'audit prove',
  summary:
    'Print the inclusion proof of an entry (JSON); with --checkpoint and --key, verify it and exit 0/1',
  usage:
    'govblocks audit prove <index> --database-url <url> [--origin <origin>] [--size <n>] [--checkpoint <file> --key <verifier key or file>]',
  async run(argv, io) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...databaseOptions,
        size: { type: 'string' },
        checkpoint: { type: 'string' },
        key: { type: 'string', multiple: true },
      },
    });
    const index = Number(positionals[0]);
    if (positionals[0] === undefined || !Number.isSafeInteger(index) || index < 0) {
      io.err(`usage: ${prove.usage}\n`);
      return 2;
    }
    const { log, client, audit } = await openLog(values, false);
    try {
      let size = values.size === undefined ? undefined : Number(values.size);
      let rootHash: Uint8Array | undefined;
      if (values.checkpoint) {
        const signed = audit.verifyCheckpoint(readFileSync(values.checkpoint, 'utf8'), {
          keys: readKeys(list(values.key)).map((key) => audit.createNoteVerifier(key)),
          origin: log.origin,
        });
        size = signed.size;
        rootHash = signed.rootHash;
      }
      const proof = await log.inclusionProof(index, size);
      const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
      io.out(
        `${JSON.stringify({ index, size: proof.size, leafHash: b64(proof.leafHash), path: proof.path.map(b64), rootHash: b64(rootHash ?? (await log.rootAt(proof.size))) }, null, 2)}\n`,
      );
      if (rootHash) {
        if (!audit.verifyInclusion(proof.leafHash, index, proof.size, proof.path, rootHash)) {
          io.err(`FAILED at entry ${index}: the proof does not lead to the checkpoint root\n`);
          return 1;
        }
        io.err(`entry ${index} is included in the checkpointed tree of ${proof.size} entries\n`);
      }
      return 0;
    } finally {
      await client.close();
    }
  },
};

const exportCommand: Command = {
  name: 'audit export',
  summary: 'Write the log as a JSONL bundle with its signed checkpoint',
  usage:
    'govblocks audit export <bundle.jsonl> --database-url <url> --signer-key <key or file> [--origin <origin>] [--size <n>]',
  async run(argv, io) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...databaseOptions, size: { type: 'string' } },
    });
    if (!positionals[0]) {
      io.err(`usage: ${exportCommand.usage}\n`);
      return 2;
    }
    const { log, client, audit } = await openLog(values, true);
    try {
      const out = createWriteStream(positionals[0]);
      const size = values.size === undefined ? undefined : Number(values.size);
      let lines = 0;
      for await (const chunk of audit.exportBundle(log, size === undefined ? {} : { size })) {
        if (!out.write(chunk))
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        lines += 1;
      }
      await new Promise<void>((resolve, reject) => {
        out.once('error', reject);
        out.end(() => resolve());
      });
      io.err(`exported ${positionals[0]} (${lines} chunks)\n`);
      return 0;
    } finally {
      await client.close();
    }
  },
};

const keygen: Command = {
  name: 'audit keygen',
  summary: 'Make an Ed25519 signed-note key pair (log key, or --witness for a cosigner key)',
  usage: 'govblocks audit keygen <name> [--witness]',
  async run(argv, io) {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { witness: { type: 'boolean', default: false } },
    });
    if (!positionals[0]) {
      io.err(`usage: ${keygen.usage}\n`);
      return 2;
    }
    const { generateNoteKey } = await import('@govblocks/audit');
    const keys = generateNoteKey(positionals[0], values.witness ? 0x04 : 0x01);
    io.out(
      `signer key (secret):   ${keys.signerKey}\nverifier key (public): ${keys.verifierKey}\n`,
    );
    return 0;
  },
};

export const auditBlock: BlockModule = {
  name: 'audit',
  summary: 'Tamper-evident audit log: verify bundles, sign checkpoints, prove entries',
  commands: [verify, checkpoint, prove, exportCommand, keygen],
};
