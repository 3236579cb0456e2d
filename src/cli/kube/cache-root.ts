import { homedir } from 'node:os';
import { join } from 'node:path';

/** kubectl's cache folder: $KUBECACHEDIR, else ~/.kube/cache. okube keeps its client caches beside kubectl's. */
export function kubeCacheRoot(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.KUBECACHEDIR || join(home, '.kube', 'cache');
}

/** kubectl's folder name for a server: the URL without scheme, odd characters as `_`. */
export function serverFolderName(server: string): string {
  return server.replace(/^https?:\/\//, '').replace(/[^\w/.()]/g, '_');
}
