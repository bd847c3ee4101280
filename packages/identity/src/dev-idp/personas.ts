import { z } from 'zod';

const locale = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag');

/**
 * A test person the dev IdP can sign in. Everything here is fictitious. `id` is the subject
 * (`sub`) and the value to pass as `login_hint` (so are `nationalId`, `email` and `phone`).
 */
export const personaSchema = z.strictObject({
  id: z.string().min(1).max(128),
  /** Full name in the persona's default locale. */
  name: z.string().min(1),
  /** Full name per locale (`{ en: 'Mary', fr: 'Marie' }`); returned as `name#<locale>` when claims_locales asks. */
  names: z.record(locale, z.string().min(1)).optional(),
  givenName: z.string().optional(),
  familyName: z.string().optional(),
  /** ISO 8601 date, `YYYY-MM-DD`. */
  birthdate: z.iso.date(),
  gender: z.string().optional(),
  /** The national identity number (returned as `individual_id`). */
  nationalId: z.string().min(1),
  /** E.164 phone number. */
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 phone number'),
  email: z.email(),
  /** The persona's preferred locale (`locale` claim). */
  locale: locale.optional(),
  /** The authentication context the dev IdP reports when this persona signs in. */
  acr: z.string().default('mosip:idp:acr:generated-code'),
  amr: z.array(z.string()).default(['otp']),
});
export type Persona = z.output<typeof personaSchema>;
export type PersonaInput = z.input<typeof personaSchema>;

/** Three fictitious people: two at "substantial" assurance, one who only has a static PIN ("low"). */
export const defaultPersonas: PersonaInput[] = [
  {
    id: 'amina',
    name: 'Amina Diallo',
    names: { en: 'Amina Diallo', fr: 'Aminata Diallo' },
    givenName: 'Amina',
    familyName: 'Diallo',
    birthdate: '1990-04-12',
    gender: 'female',
    nationalId: '7281940365',
    phone: '+221770000001',
    email: 'amina.diallo@example.test',
    locale: 'fr',
    acr: 'mosip:idp:acr:generated-code',
    amr: ['otp'],
  },
  {
    id: 'dara',
    name: 'Sok Dara',
    names: { en: 'Sok Dara', km: 'សុខ ដារា' },
    givenName: 'Dara',
    familyName: 'Sok',
    birthdate: '1985-11-30',
    gender: 'male',
    nationalId: '5550199876',
    phone: '+85512000002',
    email: 'sok.dara@example.test',
    locale: 'km',
    acr: 'mosip:idp:acr:biometrics',
    amr: ['bio'],
  },
  {
    id: 'lowpin',
    name: 'Lee Static',
    birthdate: '2001-01-01',
    nationalId: '1000000001',
    phone: '+15550000003',
    email: 'lee.static@example.test',
    locale: 'en',
    acr: 'mosip:idp:acr:static-code',
    amr: ['pin'],
  },
];

/** The OIDC claims of a persona, untagged, without language-tagged names. */
export function personaClaims(persona: Persona): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    sub: persona.id,
    name: persona.name,
    birthdate: persona.birthdate,
    individual_id: persona.nationalId,
    phone_number: persona.phone,
    phone_number_verified: true,
    email: persona.email,
    email_verified: true,
  };
  if (persona.givenName !== undefined) claims.given_name = persona.givenName;
  if (persona.familyName !== undefined) claims.family_name = persona.familyName;
  if (persona.gender !== undefined) claims.gender = persona.gender;
  if (persona.locale !== undefined) claims.locale = persona.locale;
  return claims;
}
