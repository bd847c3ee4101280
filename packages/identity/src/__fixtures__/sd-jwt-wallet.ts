/** Test-only: an SD-JWT VC issuer and a holder wallet built with @sd-jwt/sd-jwt-vc and jose. */
import { createHash, randomBytes } from 'node:crypto';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK } from 'jose';

async function es256Signer(privateKey: CryptoKey) {
  return async (data: string) => {
    const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(data));
    return Buffer.from(signature).toString('base64url');
  };
}

const hasher = (data: string | ArrayBuffer, alg: string) =>
  createHash(alg.replace('-', '')).update(typeof data === 'string' ? data : Buffer.from(data)).digest();

export interface TestWallet {
  issuer: string;
  issuerJwk: JWK;
  holderJwk: JWK;
  /** Issues a PID-like credential with selectively disclosable claims. */
  issue(claims?: Record<string, unknown>): Promise<string>;
  /** Presents `credential` disclosing `disclose` (claim names), bound to `aud`/`nonce` unless `keyBinding` is false. */
  present(credential: string, disclose: string[], kb?: { aud: string; nonce: string; iat?: number } | false): Promise<string>;
}

export async function createTestWallet(issuer = 'https://pid.example.test'): Promise<TestWallet> {
  const issuerKeys = await generateKeyPair('ES256', { extractable: true });
  const holderKeys = await generateKeyPair('ES256', { extractable: true });
  const issuerJwk = { ...(await exportJWK(issuerKeys.publicKey)), kid: 'pid-1', alg: 'ES256', use: 'sig' };
  const holderJwk = await exportJWK(holderKeys.publicKey);
  const instance = new SDJwtVcInstance({
    signer: await es256Signer(issuerKeys.privateKey),
    signAlg: 'ES256',
    kbSigner: await es256Signer(holderKeys.privateKey),
    kbSignAlg: 'ES256',
    hasher,
    hashAlg: 'sha-256',
    saltGenerator: (length) => randomBytes(length).toString('base64url'),
  });
  return {
    issuer,
    issuerJwk,
    holderJwk,
    async issue(claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer,
        vct: 'urn:eudi:pid:1',
        iat: now,
        exp: now + 3_600,
        cnf: { jwk: holderJwk },
        given_name: 'Amina',
        family_name: 'Diallo',
        birthdate: '1990-04-12',
        nationality: 'SN',
        ...claims,
      };
      return instance.issue(payload, { _sd: ['given_name', 'family_name', 'birthdate', 'nationality'] }, { header: { kid: 'pid-1', typ: 'dc+sd-jwt' } });
    },
    async present(credential, disclose, kb = { aud: 'https://verifier.example.test', nonce: 'nonce-0001' }) {
      const frame = Object.fromEntries(disclose.map((name) => [name, true]));
      return instance.present(
        credential,
        frame,
        kb === false ? undefined : { kb: { payload: { aud: kb.aud, nonce: kb.nonce, iat: kb.iat ?? Math.floor(Date.now() / 1000) } } },
      );
    },
  };
}
