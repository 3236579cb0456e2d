import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// The child programs okube supervises (etcd, HAProxy, setpriv) are found on PATH, and the copies a
// killed okube up left behind are found through /proc (Linux). Elsewhere there is nothing to find.

/** A program on PATH (or the path given, when it exists). */
export function findBinary(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The fields of a /proc/PID/stat line after the command name (which may hold spaces and
 * parentheses): [0] is field 3 (state), [1] field 4 (ppid), [19] field 22 (starttime). Pure.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Whether /proc/PID/stat says the process is gone or a zombie: pure. */
export function isDeadStat(stat: string | undefined): boolean {
  if (stat === undefined) return true;
  const state = statFields(stat)[0];
  return state === 'Z' || state === 'X';
}

export function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Live processes (not this one) whose command line matches. */
export function liveProcesses(matches: (argv: string[]) => boolean): number[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = readProcFile(`/proc/${entry}/cmdline`);
    if (!cmdline || !matches(cmdline.split('\0'))) continue;
    if (!isDeadStat(readProcFile(`/proc/${entry}/stat`))) pids.push(Number(entry));
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function goneWithin(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!isDeadStat(readProcFile(`/proc/${pid}/stat`))) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Ends a process that is not our child: SIGTERM (etcd and HAProxy shut down cleanly), SIGKILL if it lingers. */
export async function endProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  signal(pid, 'SIGTERM');
  if (await goneWithin(pid, timeoutMs)) return;
  signal(pid, 'SIGKILL');
  await goneWithin(pid, timeoutMs);
}
