import { describe, expect, it } from 'vitest';
import { createTestWallet } from './__fixtures__/sd-jwt-wallet.js';
import { isIdentityError } from './errors.js';
import { createLocalJwks } from './jwks.js';
import { createSdJwtVcVerifier } from './sd-jwt.js';
import { verifiedSubjectSchema } from './verified-subject.js';

describe('SD-JWT VC verification', () => {
  it('verifies a presentation, returns only the disclosed claims in a VerifiedSubject', async () => {
    const wallet = await createTestWallet();
    const verifier = createSdJwtVcVerifier({
      audience: 'https://verifier.example.test',
      trustedIssuers: {
        [wallet.issuer]: { keys: createLocalJwks({ keys: [wallet.issuerJwk] }), assurance: 'high' },
      },
    });
    const presentation = await wallet.present(await wallet.issue(), ['given_name', 'birthdate']);
    const subject = await verifier.verify(presentation, {
      nonce: 'nonce-0001',
      requiredAssurance: 'high',
      requiredClaims: ['birthdate'],
    });
    expect(verifiedSubjectSchema.parse(subject)).toEqual(subject);
    expect(subject.claims).toEqual({ given_name: 'Amina', birthdate: '1990-04-12' });
    expect(subject.subject).toMatch(/^urn:ietf:params:oauth:jwk-thumbprint:sha-256:/);
    expect(subject.assurance.level).toBe('high');
    expect(subject.evidence).toMatchObject({
      method: 'sd-jwt-vc',
      credentialType: 'urn:eudi:pid:1',
      holderBound: true,
    });
  });

  it('without key binding (when allowed) the level is capped at low, and fails closed above it', async () => {
    const wallet = await createTestWallet();
    const verifier = createSdJwtVcVerifier({
      audience: 'https://verifier.example.test',
      requireKeyBinding: false,
      trustedIssuers: {
        [wallet.issuer]: { keys: createLocalJwks({ keys: [wallet.issuerJwk] }), assurance: 'high' },
      },
    });
    const presentation = await wallet.present(
      await wallet.issue({ sub: 'pid-7281940365' }),
      ['family_name'],
      false,
    );
    const subject = await verifier.verify(presentation, { nonce: 'unused' });
    expect(subject).toMatchObject({
      subject: 'pid-7281940365',
      assurance: { level: 'low' },
      claims: { family_name: 'Diallo' },
    });
    await expect(
      verifier.verify(presentation, { nonce: 'unused', requiredAssurance: 'substantial' }),
    ).rejects.toSatisfy((error) => isIdentityError(error, 'ASSURANCE_INSUFFICIENT'));
  });
});
