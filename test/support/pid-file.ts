import { readFileSync } from 'node:fs';
import { waitFor } from './wait.js';

// Processes the test environment started and recorded in a pid file (hack/dev-env.sh's dockerds):
// the chaos and multi-host tests kill them with -9 and wait until they are really gone.

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** kill -9 of the process in `pidFile`; resolves with its pid once it is gone. */
export async function kill9FromPidFile(pidFile: string, what: string): Promise<number> {
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  process.kill(pid, 'SIGKILL');
  await waitFor(`${what} gone`, async () => !pidAlive(pid), 15_000, 50);
  return pid;
}
