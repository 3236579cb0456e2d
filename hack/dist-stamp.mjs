// What dist/ was compiled from. `npm run build` (hack/build.mjs) writes a hash of every input of
// the compilation into dist/.source-stamp; whoever is about to run dist/ (the test helpers that
// spawn the CLI, benchmarks) compares it with the hash of the tree as it is now, so a stale or
// missing build is an error that says "run npm run build", never a silent run of old code.
// Plain JavaScript because it runs before anything is compiled and without tsx.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const STAMP_FILE = '.source-stamp';

/** Files whose content decides what the build emits: src/, the compiler settings and versions, the build script. */
function inputs(repo) {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(path);
    }
  };
  walk(join(repo, 'src'));
  files.push(join(repo, 'tsconfig.json'), join(repo, 'tsconfig.build.json'), join(repo, 'package-lock.json'));
  if (existsSync(join(repo, 'hack', 'build.mjs'))) files.push(join(repo, 'hack', 'build.mjs'));
  return files.map((f) => relative(repo, f).split('\\').join('/')).sort();
}

/** A hash of the names and contents of every compilation input under `repo`. */
export function sourceStamp(repo) {
  const hash = createHash('sha256');
  for (const file of inputs(repo)) {
    hash.update(file).update('\0').update(readFileSync(join(repo, file))).update('\0');
  }
  return hash.digest('hex');
}

/** The stamp the last build wrote, or undefined when dist/ has none. */
export function builtStamp(repo) {
  try {
    return readFileSync(join(repo, 'dist', STAMP_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Why dist/ cannot be trusted (missing, or compiled from other sources), or undefined when it can. */
export function staleReason(repo) {
  const built = builtStamp(repo);
  if (built === undefined) return 'dist/ is missing (no build yet): run `npm run build`';
  if (built !== sourceStamp(repo)) return 'dist/ is stale (src/ or the compiler settings changed since the last build): run `npm run build`';
  return undefined;
}
