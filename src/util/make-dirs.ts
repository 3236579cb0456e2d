import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

// `mkdir -p`. Not mkdirSync's `recursive: true`: in Node 20 it never returns when a directory's
// mkdir fails with ENOENT although its parent exists (any path under /proc): it makes the parent
// again (EEXIST), then the child again, forever, in C++ — the process spins a core and no signal
// handler ever runs (`okube up --data-dir /proc/x` could not even be stopped with SIGTERM).

/**
 * Creates `dir` and every missing parent (each new one with `mode`); throws the first failure
 * (an Error with code and path, as fs throws it), and EEXIST when `dir` is something else than a directory.
 */
export function makeDirs(dir: string, mode?: number): void {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let d = target; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d, mode === undefined ? undefined : { mode });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  if (!statSync(target).isDirectory()) throw Object.assign(new Error(`EEXIST: file already exists, mkdir '${dir}'`), { code: 'EEXIST', syscall: 'mkdir', path: dir });
}
