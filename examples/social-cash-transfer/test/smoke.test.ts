import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountAssets } from '../src/ui/assets.js';
import { errorSummary, textInput } from '../src/ui/components.js';
import { layout } from '../src/ui/layout.js';
import { axeScan, hasChromium, launchBrowser } from './browser.js';

describe.skipIf(!hasChromium)('browser harness', () => {
  let browser: Browser;
  let server: ReturnType<typeof serve>;
  let url = '';
  beforeAll(async () => {
    const app = new Hono();
    mountAssets(app);
    app.get('/', (c) =>
      c.html(
        layout(
          { title: 'Form', hasErrors: true },
          html`<h1>Form</h1>${errorSummary([{ field: 'name', message: 'Enter your name' }])}
            <form method="post">${textInput({ name: 'name', label: 'Full name', errors: [{ field: 'name', message: 'Enter your name' }] })}</form>`,
        ),
      ),
    );
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        url = `http://127.0.0.1:${info.port}`;
        resolve();
      });
    });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('renders an accessible form page with linked errors', async () => {
    const page = await browser.newPage();
    await page.goto(url);
    expect(await page.title()).toBe('Error: Form – Apply for social cash transfer');
    await page.click('.error-summary a');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('name');
    expect(await axeScan(page)).toEqual([]);
  });
});
