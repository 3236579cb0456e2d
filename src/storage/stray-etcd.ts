import { existsSync, readdirSync, readFileSync } from 'node:fs';

// An etcd left running by an okube up that was killed (kill -9, OOM) holds the data dir's lock
// and ports, so the next etcd on that dir cannot start. The caller holds okube's data dir lock,
// so an etcd serving that dir belongs to no live okube up: it is ended. Found through /proc
// (Linux); elsewhere there is nothing to find and the parent-death signal is all there is.

/** The member name okube gives its embedded etcd: part of how its processes are recognised. */
export const ETCD_MEMBER_NAME = 'okube';

/** Whether a command line is an etcd serving this data dir: pure, tested with plain data. */
export function servesDataDir(argv: string[], etcdDataDir: string): boolean {
  const i = argv.indexOf('--data-dir');
  const dir = i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
  const name = argv.indexOf('--name');
  return dir === etcdDataDir && name >= 0 && argv[name + 1] === ETCD_MEMBER_NAME;
}

/** Whether /proc/PID/stat says the process is gone or a zombie: pure. */
export function isDeadStat(stat: string | undefined): boolean {
  if (stat === undefined) return true;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Live etcd processes serving this data dir. */
export function etcdProcessesOn(etcdDataDir: string): number[] {
  if (!existsSync('/proc/self/cmdline')) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = read(`/proc/${entry}/cmdline`);
    if (!cmdline || !servesDataDir(cmdline.split('\0'), etcdDataDir)) continue;
    if (!isDeadStat(read(`/proc/${entry}/stat`))) pids.push(Number(entry));
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
  while (!isDeadStat(read(`/proc/${pid}/stat`))) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** Ends a process that is not our child: SIGTERM (etcd shuts down cleanly), SIGKILL if it lingers. */
export async function endProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  signal(pid, 'SIGTERM');
  if (await goneWithin(pid, timeoutMs)) return;
  signal(pid, 'SIGKILL');
  await goneWithin(pid, timeoutMs);
}
