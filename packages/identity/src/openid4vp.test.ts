import { manualClock } from '@govblocks/core';
import { describe, expect, it } from 'vitest';
import { createTestWallet } from './__fixtures__/sd-jwt-wallet.js';
import { createLocalJwks } from './jwks.js';
import { createOpenId4VpVerifier } from './openid4vp.js';

const clientId = 'redirect_uri:https://benefits.example.test/vp';

describe('OpenID4VP (minimal: DCQL, direct_post, dc+sd-jwt)', () => {
  async function setup() {
    const wallet = await createTestWallet();
    const clock = manualClock(new Date());
    const verifier = createOpenId4VpVerifier({
      clientId,
      responseUri: 'https://benefits.example.test/vp',
      credentials: {
        trustedIssuers: {
          [wallet.issuer]: {
            keys: createLocalJwks({ keys: [wallet.issuerJwk] }),
            assurance: 'high',
          },
        },
      },
      clock,
    });
    return { wallet, verifier, clock };
  }

  it('builds a request a wallet can answer and verifies the answer', async () => {
    const { wallet, verifier } = await setup();
    const { url, session } = verifier.createRequest({
      credentialTypes: ['urn:eudi:pid:1'],
      claims: ['birthdate'],
    });
    expect(url.protocol).toBe('openid4vp:');
    const query = JSON.parse(url.searchParams.get('dcql_query') as string);
    expect(query.credentials[0]).toMatchObject({
      format: 'dc+sd-jwt',
      claims: [{ path: ['birthdate'] }],
    });
    // The wallet binds its presentation to client_id and nonce from the request.
    const presentation = await wallet.present(await wallet.issue(), ['birthdate'], {
      aud: url.searchParams.get('client_id') as string,
      nonce: url.searchParams.get('nonce') as string,
    });
    const body = new URLSearchParams({
      vp_token: JSON.stringify({ credential: [presentation] }),
      state: session.state,
    });
    const subject = await verifier.verifyResponse(session, body);
    expect(subject).toMatchObject({
      claims: { birthdate: '1990-04-12' },
      assurance: { level: 'high' },
    });
  });

  it('refuses a wrong state, a missing claim, a wallet error and an expired request', async () => {
    const { wallet, verifier, clock } = await setup();
    const { url, session } = verifier.createRequest({
      credentialTypes: ['urn:eudi:pid:1'],
      claims: ['birthdate', 'nationality'],
    });
    const kb = { aud: clientId, nonce: url.searchParams.get('nonce') as string };
    const partial = await wallet.present(await wallet.issue(), ['birthdate'], kb);
    const answer = (presentation: string, state = session.state) => ({
      vp_token: JSON.stringify({ credential: [presentation] }),
      state,
    });
    await expect(verifier.verifyResponse(session, answer(partial, 'other'))).rejects.toMatchObject({
      code: 'OIDC_STATE_MISMATCH',
    });
    await expect(verifier.verifyResponse(session, answer(partial))).rejects.toMatchObject({
      code: 'TOKEN_CLAIM_MISSING',
    });
    await expect(
      verifier.verifyResponse(session, { error: 'access_denied', state: session.state }),
    ).rejects.toMatchObject({
      code: 'OIDC_AUTHORIZATION_ERROR',
    });
    await expect(
      verifier.verifyResponse(session, { vp_token: '{}', state: session.state }),
    ).rejects.toMatchObject({ code: 'SD_JWT_INVALID' });
    clock.advance(301_000);
    await expect(verifier.verifyResponse(session, answer(partial))).rejects.toMatchObject({
      code: 'OIDC_SESSION_INVALID',
    });
  });
});
