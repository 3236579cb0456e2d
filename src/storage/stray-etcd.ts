import { liveProcesses } from '../util/processes.js';

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

/** Live etcd processes serving this data dir. */
export function etcdProcessesOn(etcdDataDir: string): number[] {
  return liveProcesses((argv) => servesDataDir(argv, etcdDataDir));
}
