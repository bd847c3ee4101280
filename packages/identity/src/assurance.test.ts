import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assuranceLevels,
  assuranceRank,
  levelOfVectorOfTrust,
  normaliseAssurance,
  requireAssurance,
  weakerLevel,
} from './assurance.js';
import { isIdentityError } from './errors.js';

describe('assurance', () => {
  it('maps eSignet, GovStack, eIDAS and NIST acr values; unknown acr is none (never guessed upward)', () => {
    expect(normaliseAssurance({ acr: 'mosip:idp:acr:generated-code', amr: ['otp'] })).toEqual({
      level: 'substantial',
      acr: 'mosip:idp:acr:generated-code',
      amr: ['otp'],
    });
    expect(normaliseAssurance({ acr: 'idbb:acr:biometrics' }).level).toBe('high');
    expect(normaliseAssurance({ acr: 'http://eidas.europa.eu/LoA/low' }).level).toBe('low');
    expect(normaliseAssurance({ acr: 'urn:nist:800-63:aal2' }).level).toBe('substantial');
    expect(normaliseAssurance({ acr: 'urn:example:super-strong' }).level).toBe('none');
    expect(normaliseAssurance({ acr: 'toString' }).level).toBe('none');
    expect(normaliseAssurance({}).level).toBe('none');
    expect(normaliseAssurance({ acr: 'custom:gold' }, { 'custom:gold': 'high' }).level).toBe(
      'high',
    );
  });

  it('reads vectors of trust (weaker of proofing and credential) and combines with acr', () => {
    expect(levelOfVectorOfTrust('P2.Cc')).toBe('substantial');
    expect(levelOfVectorOfTrust('P3.Cb')).toBe('low');
    expect(levelOfVectorOfTrust('P3.Cc.Cd.Ac')).toBe('high');
    expect(levelOfVectorOfTrust('Cc')).toBe('none');
    expect(levelOfVectorOfTrust('garbage')).toBe('none');
    expect(normaliseAssurance({ acr: 'idbb:acr:biometrics', vot: 'P1.Cd' }).level).toBe('low');
  });

  it('property: requireAssurance throws exactly when the level is below the requirement', () => {
    const level = fc.constantFrom(...assuranceLevels);
    fc.assert(
      fc.property(level, level, (actual, required) => {
        let thrown: unknown;
        try {
          requireAssurance({ level: actual }, required);
        } catch (error) {
          thrown = error;
        }
        expect(thrown === undefined).toBe(assuranceRank(actual) >= assuranceRank(required));
        if (thrown !== undefined)
          expect(isIdentityError(thrown, 'ASSURANCE_INSUFFICIENT')).toBe(true);
        expect(weakerLevel(actual, required)).toBe(weakerLevel(required, actual));
      }),
    );
  });

  it('property: arbitrary acr/vot input never throws and never exceeds the acr level', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.anything(), (acr, amr, vot) => {
        const result = normaliseAssurance({ acr, amr, vot });
        expect(assuranceLevels).toContain(result.level);
        if (typeof acr !== 'string' && typeof vot !== 'string') expect(result.level).toBe('none');
      }),
    );
  });
});
