import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

it('the README example runs and sends a templated email over SMTP', async () => {
  const { received } = await import('./readme-example.js');
  expect(received).toHaveLength(1);
  expect(received[0]?.recipients).toEqual(['ada@example.org']);
  expect(received[0]?.raw).toContain('Subject: Permit P-42 approved');
  expect(received[0]?.raw).toContain('Ada &lt;Lovelace&gt;'); // escaped in the HTML part
});

it('the README shows exactly the example that runs here', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const example = readFileSync(new URL('./readme-example.ts', import.meta.url), 'utf8');
  const shown = example.slice(0, example.indexOf('\nexport const received')).trim();
  expect(block.trim()).toBe(shown);
});
