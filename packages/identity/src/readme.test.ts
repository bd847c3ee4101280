import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it, vi } from 'vitest';

it('the README example signs a persona in against the dev IdP and prints verified claims', async () => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(example).toContain('createDevIdp');
  const folder = await mkdtemp(join(tmpdir(), 'identity-readme-'));
  const file = join(folder, 'example.ts');
  await writeFile(file, example as string);
  const printed: unknown[][] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...values: unknown[]) => {
    printed.push(values);
  });
  try {
    await import(pathToFileURL(file).href);
  } finally {
    log.mockRestore();
    await rm(folder, { recursive: true, force: true });
  }
  expect(printed[0]).toEqual(['amina', 'substantial']);
  expect(printed[1]).toEqual(['Aminata Diallo']);
  expect(printed[2]?.[0]).toMatchObject({
    birthdate: '1990-04-12',
    individual_id: '7281940365',
    'name#fr': 'Aminata Diallo',
  });
});
