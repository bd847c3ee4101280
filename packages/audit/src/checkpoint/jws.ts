import { fromBase64Url, toBase64Url } from '../encoding.js';
import { AuditError } from '../errors.js';
import type { TreeHead } from '../ports.js';
import type { NoteSigner, NoteVerifier } from './keys.js';

/** The claims of a tree head JWS. */
export interface TreeHeadClaims {
  /** The log origin (same as the checkpoint origin line). */
  iss: string;
  size: number;
  /** Root hash, base64url. */
  root: string;
  /** Issued at, POSIX seconds. */
  iat: number;
}

/**
 * The tree head as a compact JWS (EdDSA / Ed25519, via jose), for JOSE-based consumers. Signed
 * with the same key as the checkpoint; `kid` is the signed-note key id in hex, so a verifier
 * picks the key from a set (rotation).
 */
export async function signTreeHeadJws(options: {
  origin: string;
  head: TreeHead;
  signer: NoteSigner;
  issuedAt: Date;
}): Promise<string> {
  const { CompactSign, importJWK } = await import('jose');
  const claims: TreeHeadClaims = {
    iss: options.origin,
    size: options.head.size,
    root: toBase64Url(options.head.rootHash),
    iat: Math.floor(options.issuedAt.getTime() / 1000),
  };
  const key = await importJWK(options.signer.jwk, 'EdDSA');
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({
      alg: 'EdDSA',
      kid: options.signer.jwk.kid,
      typ: 'govblocks-tree-head+jws',
    })
    .sign(key);
}

/**
 * Verifies a tree head JWS with a set of log keys and returns the tree head.
 * `AUDIT_SIGNATURE_INVALID` when no key of the set verifies it or the claims are malformed.
 */
export async function verifyTreeHeadJws(
  jws: string,
  options: { keys: readonly NoteVerifier[]; origin?: string },
): Promise<TreeHead & { origin: string; issuedAt: Date }> {
  const { compactVerify, createLocalJWKSet } = await import('jose');
  const jwks = createLocalJWKSet({
    keys: options.keys
      .filter((key) => key.type === 0x01)
      .map((key) => ({ ...key.jwk, alg: 'EdDSA' })),
  });
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws, jwks, { algorithms: ['EdDSA'] }));
  } catch (error) {
    throw new AuditError(
      'AUDIT_SIGNATURE_INVALID',
      '[audit/jws] the tree head JWS does not verify with the given keys',
      { cause: error },
    );
  }
  const claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<TreeHeadClaims>;
  const rootHash = typeof claims.root === 'string' ? fromBase64Url(claims.root) : undefined;
  if (
    typeof claims.iss !== 'string' ||
    !Number.isSafeInteger(claims.size) ||
    !rootHash ||
    rootHash.length !== 32 ||
    typeof claims.iat !== 'number'
  ) {
    throw new AuditError('AUDIT_SIGNATURE_INVALID', '[audit/jws] malformed tree head claims');
  }
  if (options.origin !== undefined && claims.iss !== options.origin) {
    throw new AuditError(
      'AUDIT_SIGNATURE_INVALID',
      `[audit/jws] issuer is not '${options.origin}'`,
    );
  }
  return {
    origin: claims.iss,
    size: claims.size as number,
    rootHash,
    issuedAt: new Date(claims.iat * 1000),
  };
}
