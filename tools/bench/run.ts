/**
 * `pnpm bench [filter]`: runs every `packages/<name>/bench/*.bench.ts` (or those whose path
 * contains `filter`) and prints each figure next to its baseline and the ratio.
 */
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchFile, type Comparison, formatComparison, runComparison } from './harness.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const filter = process.argv[2];
const files: string[] = [];
for (const name of readdirSync(join(root, 'packages'))) {
  const folder = join(root, 'packages', name, 'bench');
  let entries: string[] = [];
  try {
    entries = readdirSync(folder);
  } catch {
    continue;
  }
  for (const entry of entries) if (entry.endsWith('.bench.ts')) files.push(join(folder, entry));
}
const selected = files.filter((file) => !filter || relative(root, file).includes(filter));
console.log(`govblocks bench — node ${process.version}, ${new Date().toISOString()}\n`);
let failed = false;
for (const file of selected) {
  console.log(`## ${relative(root, file)}`);
  const module = (await import(pathToFileURL(file).href)) as { default: BenchFile };
  for (const entry of module.default) {
    try {
      if ('baseline' in entry) {
        console.log(formatComparison(await runComparison(entry as Comparison)));
      } else {
        console.log(entry.name);
        for (const line of await entry.run()) console.log(`  ${line.label}: ${line.value}`);
      }
    } catch (error) {
      failed = true;
      console.log(`  FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  console.log('');
}
process.exitCode = failed ? 1 : 0;
