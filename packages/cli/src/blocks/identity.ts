import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BlockModule, Command } from '../block-module.js';

const devIdp: Command = {
  name: 'identity dev-idp',
  summary: 'Run a development OpenID provider (eSignet profile, test personas) on localhost',
  usage:
    'govblocks identity dev-idp [--port 4000] [--host 127.0.0.1] [--client-id dev-client] ' +
    '[--redirect-uri http://127.0.0.1:3000/callback] [--client-jwks public-jwks.json] ' +
    '[--userinfo jwe|jws|json] [--keys-out rp-config.json]',
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string', default: '4000' },
        host: { type: 'string', default: '127.0.0.1' },
        'client-id': { type: 'string', default: 'dev-client' },
        'redirect-uri': { type: 'string', default: 'http://127.0.0.1:3000/callback' },
        'client-jwks': { type: 'string' },
        userinfo: { type: 'string', default: 'jwe' },
        'keys-out': { type: 'string' },
      },
    });
    const port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      io.err(`govblocks identity dev-idp: --port must be 0–65535, not '${values.port}'\n`);
      return 2;
    }
    const userinfo = values.userinfo;
    if (userinfo !== 'jwe' && userinfo !== 'jws' && userinfo !== 'json') {
      io.err("govblocks identity dev-idp: --userinfo must be 'jwe', 'jws' or 'json'\n");
      return 2;
    }
    const { createDevIdp } = await import('@govblocks/identity/dev-idp');
    const { generateClientKeys } = await import('@govblocks/identity');
    let jwks: { keys: Array<{ kty: string }> };
    let generated: Awaited<ReturnType<typeof generateClientKeys>> | undefined;
    if (values['client-jwks'] !== undefined) {
      jwks = JSON.parse(await readFile(values['client-jwks'], 'utf8')) as typeof jwks;
    } else {
      generated = await generateClientKeys();
      jwks = generated.publicJwks;
    }
    const clientId = values['client-id'];
    const redirectUri = values['redirect-uri'];
    const idp = await createDevIdp({
      port,
      host: values.host,
      clients: [{ clientId, redirectUris: [redirectUri], jwks, userinfo }],
    });
    io.err(
      'govblocks identity dev-idp: DEVELOPMENT ONLY — anyone can sign in as any persona without a password.\n',
    );
    io.out(`issuer: ${idp.issuer}\n`);
    io.out(`client: ${clientId} → ${redirectUri} (userinfo: ${userinfo})\n`);
    io.out(
      `personas (login_hint): ${idp.personas.map((persona) => `${persona.id} [${persona.acr}]`).join(', ')}\n`,
    );
    if (generated !== undefined) {
      const config = {
        issuer: idp.issuer,
        clientId,
        redirectUri,
        signingKey: generated.signingKey,
        decryptionKey: generated.decryptionKey,
      };
      if (values['keys-out'] !== undefined) {
        await writeFile(values['keys-out'], `${JSON.stringify(config, null, 2)}\n`, {
          mode: 0o600,
        });
        io.out(
          `relying-party options (with generated private keys) written to ${values['keys-out']}\n`,
        );
      } else {
        io.out(
          'relying-party options (generated dev keys; pass --keys-out to write them to a file):\n',
        );
        io.out(`${JSON.stringify(config)}\n`);
      }
    }
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void idp.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

/**
 * `govblocks identity dev-idp`, and `govblocks serve identity`: the dev IdP with eSignet's paths
 * and client management API (development only; linked authorization and wallet binding are not
 * served).
 */
export const identityBlock: BlockModule = {
  name: 'identity',
  summary: 'Sign citizens in (OpenID Connect, eSignet profile) and verify tokens and credentials',
  async serve(options) {
    const { createDevIdp } = await import('@govblocks/identity/dev-idp');
    const idp = await createDevIdp({ port: options.port, host: options.host });
    options.io.err(
      'govblocks serve identity: DEVELOPMENT ONLY — a dev OpenID provider (eSignet paths and client management, ' +
        'no authentication of the management API; anyone can sign in as any persona).\n',
    );
    return { url: idp.issuer, close: () => idp.close() };
  },
  commands: [devIdp],
};
