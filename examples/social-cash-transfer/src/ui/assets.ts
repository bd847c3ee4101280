import { readFileSync } from 'node:fs';
import type { Hono } from 'hono';

const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');

/** Serves the stylesheet at `/assets/app.css`. */
export function mountAssets(app: Hono<never> | Hono): void {
  (app as Hono).get('/assets/app.css', (c) =>
    c.body(css, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=300',
    }),
  );
}
