import { html } from 'hono/html';
import type { Html } from './components.js';

export interface LayoutOptions {
  title: string;
  /** Who is signed in, shown in the header with a sign-out link. */
  user?: { name: string; role: string };
  /** Prefix the title with "Error: " when the page shows validation errors (GOV.UK pattern). */
  hasErrors?: boolean;
  back?: string;
}

const service = 'Apply for social cash transfer';

export function layout(options: LayoutOptions, body: Html | string): Html {
  return html`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${options.hasErrors ? 'Error: ' : ''}${options.title} – ${service}</title>
  <link rel="stylesheet" href="/assets/app.css">
</head>
<body>
  <a href="#main" class="skip-link">Skip to main content</a>
  <header class="header" role="banner">
    <div class="width-container header__inner">
      <a class="header__service" href="/">${service}</a>
      <nav aria-label="Account">
        <ul class="header__nav">
          <li><a href="/performance">Service performance</a></li>
          ${
            options.user
              ? html`<li><a href="/account">${options.user.name} (${options.user.role})</a></li>
                <li><form method="post" action="/sign-out" class="inline-form"><button class="link-button" type="submit">Sign out</button></form></li>`
              : html`<li><a href="/sign-in">Sign in</a></li>`
          }
        </ul>
      </nav>
    </div>
  </header>
  <div class="width-container">
    ${options.back ? html`<a class="back-link" href="${options.back}">Back</a>` : ''}
    <main class="main" id="main" tabindex="-1">
      ${body}
    </main>
  </div>
  <footer class="footer" role="contentinfo">
    <div class="width-container">
      <p>A govblocks example service. Development build: test personas only; no real personal data.</p>
      <ul class="footer__links">
        <li><a href="/performance">Service performance</a></li>
        <li><a href="/dev/mailbox">Development mailbox</a></li>
        <li><a href="/audit">Audit log</a></li>
      </ul>
    </div>
  </footer>
</body>
</html>`;
}
