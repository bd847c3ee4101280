/**
 * Meta-tests that keep the repository honest: every package follows the packaging conventions,
 * every `exports` entry is built, and every built entry is exported.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const packageNames = readdirSync(join(root, 'packages'));

interface PackageJson {
  name: string;
  type?: string;
  sideEffects?: boolean;
  files?: string[];
  engines?: { node?: string };
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

type Entry = Record<string, string>;

async function tsupEntries(name: string): Promise<string[]> {
  const module = (await import(join(root, 'packages', name, 'tsup.config.ts'))) as {
    default: { entry: Entry; dts?: boolean } | Array<{ entry: Entry; dts?: boolean }>;
  };
  const configs = Array.isArray(module.default) ? module.default : [module.default];
  // Library entries are the ones with type declarations; the CLI's bin is not exported.
  return configs.filter((config) => config.dts).flatMap((config) => Object.keys(config.entry));
}

describe.each(packageNames)('package %s', (name) => {
  const folder = join(root, 'packages', name);
  const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as PackageJson;

  it('follows the packaging conventions', () => {
    expect(pkg.name).toBe(`@govblocks/${name}`);
    expect(pkg.type).toBe('module');
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.files).toEqual(['dist']);
    expect(pkg.engines?.node).toBe('>=20.19');
    expect(pkg.exports['./package.json']).toBe('./package.json');
    expect(existsSync(join(folder, 'README.md'))).toBe(true);
  });

  it('exports every built entry, types first, in the nested dual form', async () => {
    const entries = await tsupEntries(name);
    const exported = Object.keys(pkg.exports).filter((key) => key !== './package.json');
    const expectedKeys = entries.map((entry) =>
      entry === 'index' ? '.' : `./${entry.replace(/\/index$/, '')}`,
    );
    expect(exported.sort()).toEqual(expectedKeys.sort());
    for (const entry of entries) {
      const key = entry === 'index' ? '.' : `./${entry.replace(/\/index$/, '')}`;
      const conditions = pkg.exports[key] as Record<string, Record<string, string>>;
      expect(Object.keys(conditions)).toEqual(['import', 'require']);
      expect(conditions.import).toEqual({
        types: `./dist/${entry}.d.ts`,
        default: `./dist/${entry}.js`,
      });
      expect(conditions.require).toEqual({
        types: `./dist/${entry}.d.cts`,
        default: `./dist/${entry}.cjs`,
      });
      expect(existsSync(join(folder, 'src', `${entry}.ts`)), `src/${entry}.ts`).toBe(true);
      if (existsSync(join(folder, 'dist'))) {
        for (const file of [`${entry}.js`, `${entry}.cjs`, `${entry}.d.ts`, `${entry}.d.cts`]) {
          expect(existsSync(join(folder, 'dist', file)), `dist/${file}`).toBe(true);
        }
      }
    }
  });

  it('depends on core by workspace range and never on the CLI', () => {
    const dependencies = { ...pkg.dependencies, ...pkg.peerDependencies };
    if (name !== 'core') expect(dependencies['@govblocks/core']).toBe('workspace:^');
    if (name !== 'cli') expect(dependencies['@govblocks/cli']).toBeUndefined();
  });
});
