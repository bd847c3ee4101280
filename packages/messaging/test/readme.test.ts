import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';

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

/** The ts block under a README heading, and the example file up to its exports. */
function shownAndRun(heading: string, file: string) {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const example = readFileSync(new URL(file, import.meta.url), 'utf8');
  return { block: block.trim(), shown: example.slice(0, example.indexOf('\nexport ')).trim() };
}

it('the README shows exactly the NATS and Redis examples that run here', () => {
  for (const [heading, file] of [
    ['Queue mode on NATS JetStream', './readme-nats-example.ts'],
    ['Shared rate limits on Redis', './readme-redis-example.ts'],
  ] as const) {
    const { block, shown } = shownAndRun(heading, file);
    expect(block).toBe(shown);
  }
});

describe.skipIf(!process.env.NATS_URL)('README NATS example (NATS_URL)', () => {
  it('sends a batch through JetStream', async () => {
    const { sent } = await import('./readme-nats-example.js');
    expect(sent.map((message) => message.to).sort()).toEqual(['+15551234567', '+15557654321']);
  }, 30_000);
});

describe.skipIf(!process.env.REDIS_URL)('README Redis example (REDIS_URL)', () => {
  it('holds back what is over the shared quota', async () => {
    const redis = new Redis(process.env.REDIS_URL as string);
    const keys = await redis.keys('govblocks:messaging:rate:{sms-demo}:*');
    if (keys.length > 0) await redis.del(...keys); // a fresh minute for the demo
    await redis.quit();
    const { result } = await import('./readme-redis-example.js');
    expect(result).toMatchObject({ claimed: 3, delivered: 2, throttled: 1 });
  });
});
