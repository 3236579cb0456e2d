// `npm run build`: compiles src/ to dist/ (ES modules with source maps, tsconfig.build.json) and
// stamps dist/ with the hash of its inputs (hack/dist-stamp.mjs). dist/ is rebuilt from scratch so
// a source file deleted since the last build leaves nothing behind; when the stamp already
// matches the tree the build is skipped (`--force` rebuilds anyway).
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtStamp, sourceStamp, STAMP_FILE } from './dist-stamp.mjs';

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const stamp = sourceStamp(repo);
if (!process.argv.includes('--force') && builtStamp(repo) === stamp) {
  process.stdout.write('dist/ is up to date\n');
  process.exit(0);
}

const dist = join(repo, 'dist');
rmSync(dist, { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  process.stderr.write('error: building okube needs its dev dependencies (typescript): run `npm ci` first\n');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  process.stderr.write('error: tsc failed; dist/ removed\n');
  process.exit(result.status ?? 1);
}
writeFileSync(join(dist, STAMP_FILE), `${stamp}\n`);
process.stdout.write('built dist/\n');
