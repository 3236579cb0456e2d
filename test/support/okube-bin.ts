import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleReason } from '../../hack/dist-stamp.mjs';

// The okube CLI that tests spawn is the compiled one (bin/okube.js → dist/), as users run it, so a
// CLI call costs Node start-up rather than a TypeScript compile. It must be compiled from the
// sources under test: a missing or stale dist/ fails the test that needs it, saying to run
// `npm run build` (hack/test.sh does), instead of testing old code.

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

let checked = false;

/** Throws when dist/ is missing or was not compiled from the current sources. */
export function assertBuilt(): void {
  if (checked) return;
  const reason = staleReason(REPO_ROOT);
  if (reason) throw new Error(`okube CLI: ${reason} (hack/test.sh builds before it runs mocha)`);
  checked = true;
}

/** The absolute path of bin/okube.js, once dist/ is known to be current: spawn `node OKUBE_BIN …`. */
export function okubeBin(): string {
  assertBuilt();
  return resolve(REPO_ROOT, 'bin/okube.js');
}
