export interface FollowAuthorizationOptions {
  /** Stop when a redirect goes here; its URL (with `code`, `state`, `iss`) is returned. */
  redirectUri: string;
  /** Maximum redirects followed. Default 12. */
  maxRedirects?: number;
  fetch?: typeof fetch;
}

/**
 * Plays the browser for a non-interactive dev IdP sign-in: follows redirects from the
 * authorization URL, keeping cookies, until the provider redirects to `redirectUri`, and returns
 * that callback URL. For tests, demos and the README; a real user signs in with a browser.
 *
 * @example
 * const callbackUrl = await followAuthorization(url, { redirectUri });
 * const subject = await rp.completeSignIn(session, callbackUrl);
 */
export async function followAuthorization(
  authorizationUrl: string | URL,
  options: FollowAuthorizationOptions,
): Promise<URL> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const cookies = new Map<string, string>();
  let next = new URL(authorizationUrl);
  for (let hop = 0; hop <= (options.maxRedirects ?? 12); hop += 1) {
    if (next.href.startsWith(options.redirectUri)) return next;
    const cookieHeader = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await doFetch(next, {
      redirect: 'manual',
      headers: cookieHeader ? { cookie: cookieHeader } : {},
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const separator = pair.indexOf('=');
      const name = pair.slice(0, separator).trim();
      const value = pair.slice(separator + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', date = ''] = attribute.trim().split('=');
        return key.toLowerCase() === 'expires' && Date.parse(date) < Date.now();
      });
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) {
      const body = await response.text();
      throw new Error(
        `[identity/dev-idp] sign-in stopped at HTTP ${response.status}: ${body.slice(0, 300)}`,
      );
    }
    await response.body?.cancel();
    next = new URL(location, next);
  }
  throw new Error('[identity/dev-idp] too many redirects');
}
