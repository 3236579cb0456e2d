import { lstatSync } from 'node:fs';
import { OkubeError } from './errors.js';
import { makeDirs } from './make-dirs.js';

// A directory okube keeps secrets in (the CA key, tokens, etcd's client key) is trusted only
// when no one else could have put or read anything there: owned by this process's user, a real
// directory (not a symlink), and closed to group and others. A missing one is created 0700. Any
// other state is refused with a ConfigError saying what to change, never repaired silently: a
// shared or foreign directory may already hold a planted token or certificate.

export function ensurePrivateDir(dir: string, what = 'data dir'): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new OkubeError('ConfigError', `${what} ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    try {
      makeDirs(dir, 0o700);
    } catch (e) {
      throw new OkubeError('ConfigError', `${what} ${dir} cannot be created: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    st = lstatSync(dir);
  }
  if (st.isSymbolicLink() || !st.isDirectory()) throw new OkubeError('ConfigError', `${what} ${dir} is not a directory (a symlink or a file); give a private directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new OkubeError('ConfigError', `${what} ${dir} is owned by uid ${st.uid}, not by okube's user (uid ${uid}); give a directory okube owns`);
  if ((st.mode & 0o077) !== 0) throw new OkubeError('ConfigError', `${what} ${dir} is open to other users (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}); chmod 700 it or give a private directory`);
}
