/**
 * `npm run bench` runs every bench/*.bench.ts; `npm run bench -- --quick` is the short run CI
 * uses so the benchmarks cannot rot; `npm run bench -- lun` runs only files whose name matches.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchOptions, figures } from './lib';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opts: BenchOptions = { quick: args.includes('--quick') };
const filters = args.filter((a) => !a.startsWith('--'));

const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

let failed = 0;
for (const f of files) {
  console.log(`# ${f}${opts.quick ? ' (quick)' : ''}`);
  try {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as {
      default: (o: BenchOptions) => Promise<void>;
    };
    await mod.default(opts);
  } catch (e) {
    failed++;
    console.error(`bench ${f} failed:`, e);
  }
}
console.log(
  `# ${figures.length} figures from ${files.length} benchmark files${failed ? `, ${failed} failed` : ''}`,
);
process.exit(failed ? 1 : 0);
