import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../util/atomic-write.js';
import { OkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { endProcess, findBinary, isDeadStat, liveProcesses, readProcFile, statFields } from '../util/processes.js';
import { adminSocketPath } from './render.js';
import { workerPid } from './runtime-api.js';
import { makeDirs } from '../util/make-dirs.js';

// HAProxy supervised by okube up: its files (haproxy.cfg, admin.sock, haproxy.log) in one config
// dir under the data dir; master-worker mode (-W) so a reload (SIGUSR2 to the master) starts a new
// worker that takes the listening sockets over through the admin socket's `expose-fd listeners`
// and the old worker finishes its established connections; restarted with the latest config when
// it dies on its own (the caller re-applies endpoints in onRestart); a clear ConfigError naming
// the package when there is no binary. HAProxy outlives a killed okube up on purpose, as
// kube-proxy's rules outlive kube-proxy: the containers behind it keep running, so traffic keeps
// flowing, and the next okube up on the data dir adopts that HAProxy (drives it through its admin
// socket and signals, watches its pid) instead of ending it. A clean stop ends it.

const execFileP = promisify(execFile);
const log = loggerFor('proxy.supervisor');

export interface HaproxySupervisorOptions {
  dir: string;
  /** default: `haproxy` from PATH */
  binary?: string;
  /** Restart HAProxy when it dies on its own (default true). */
  supervise?: boolean;
  /** Called after a restart with the new worker up (re-apply the current endpoints). */
  onRestart?: () => void;
  /** The config to restart with (current frontends and servers); default: the last one written. */
  configSource?: () => string;
}

/** Whether a command line is a haproxy of this config file: pure. */
export function runsConfig(argv: string[], configPath: string): boolean {
  const i = argv.indexOf('-f');
  return i >= 0 && argv[i + 1] === configPath && argv.some((a) => a.endsWith('haproxy'));
}

function strays(configPath: string): number[] {
  return liveProcesses((argv) => runsConfig(argv, configPath));
}

/** The master among a HAProxy's processes (the one whose parent is none of them), when there is exactly one: pure. */
export function singleMaster(processes: Array<{ pid: number; ppid: number }>): number | undefined {
  const pids = new Set(processes.map((p) => p.pid));
  const masters = processes.filter((p) => !pids.has(p.ppid));
  return masters.length === 1 ? masters[0]!.pid : undefined;
}

function parentOf(pid: number): number {
  return Number(statFields(readProcFile(`/proc/${pid}/stat`) ?? '')[1]);
}

/** Ends the HAProxy a killed okube up left on this config dir (okube up --no-proxy: nothing will adopt it). */
export async function endLeftHaproxy(dir: string): Promise<void> {
  for (const pid of strays(join(dir, 'haproxy.cfg'))) {
    log.warn({ pid }, 'ending a haproxy left running by an okube up that was killed (the proxy is off now)');
    await endProcess(pid);
  }
}

/** The config files of an adopted HAProxy: the one its worker confirmed (absent: an older okube started it) and the one last written. */
export interface AdoptedConfig {
  running?: string;
  latest: string;
}

/** How often an adopted master (not our child: no exit event) is looked at. */
const ADOPTED_POLL_MS = 1000;

/** The HAProxy master being driven: our own child, or one adopted from a killed okube up. */
interface Master {
  pid: number;
  alive(): boolean;
  signal(sig: NodeJS.Signals): void;
}

function childMaster(child: ChildProcess): Master {
  return {
    pid: child.pid!,
    alive: () => child.exitCode === null && child.signalCode === null,
    signal: (sig) => child.kill(sig),
  };
}

/** A process's start time (clock ticks since boot, /proc/PID/stat field 22): tells a reused pid from the process adopted. */
function startTimeOf(pid: number): string | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : statFields(stat)[19];
}

function adoptedMaster(pid: number): Master {
  const started = startTimeOf(pid);
  return {
    pid,
    alive: () => !isDeadStat(readProcFile(`/proc/${pid}/stat`)) && startTimeOf(pid) === started,
    signal: (sig) => {
      if (startTimeOf(pid) !== started) return; // gone, its pid taken by another process
      try {
        process.kill(pid, sig);
      } catch {
        // gone: the poll notices
      }
    },
  };
}

/** The haproxy binary, or a ConfigError naming the package (okube up checks before it starts anything). */
export function requireHaproxy(name = 'haproxy'): string {
  const found = findBinary(name);
  if (!found) {
    throw new OkubeError('ConfigError', `no haproxy binary found (looked for '${name}' on PATH): install it with 'apt-get install haproxy', or start okube up with --no-proxy`);
  }
  return found;
}

export class HaproxySupervisor {
  private master?: Master;
  private adoptedPoll?: NodeJS.Timeout;
  private binary?: string;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  /** The config last validated and written to configPath. */
  private validated?: string;

  constructor(private readonly opts: HaproxySupervisorOptions) {}

  get socketPath(): string {
    return adminSocketPath(this.opts.dir);
  }

  get configPath(): string {
    return join(this.opts.dir, 'haproxy.cfg');
  }

  /** The master's pid (what a `kill -9` test kills). */
  get pid(): number | undefined {
    return this.master?.pid;
  }

  get running(): boolean {
    return !!this.master;
  }

  /** The config the worker confirmed it runs (written after each start and reload that answered). */
  get runningConfigPath(): string {
    return join(this.opts.dir, 'haproxy.running.cfg');
  }

  /**
   * Checks the binary, then adopts the HAProxy a killed okube up left serving on this dir
   * (resolves with its config files: the one it confirmed running, and the one last written,
   * which differ when okube was killed between writing a config and its reload) or starts one
   * with `config` (resolves undefined). Strays that cannot be adopted (no single master, an admin
   * socket that does not answer) are ended first.
   */
  async start(config: string): Promise<AdoptedConfig | undefined> {
    this.binary = requireHaproxy(this.opts.binary);
    // sun_path holds 108 bytes: a longer admin socket path cannot be bound.
    if (Buffer.byteLength(this.socketPath) > 107) {
      throw new OkubeError('ConfigError', `haproxy's admin socket path ${this.socketPath} is longer than a unix socket allows (107 bytes): pick a shorter --data-dir`);
    }
    makeDirs(this.opts.dir);
    this.stopping = false;
    const left = strays(this.configPath);
    const master = singleMaster(left.map((pid) => ({ pid, ppid: parentOf(pid) })));
    const worker = master && (await workerPid(this.socketPath).catch(() => undefined));
    if (master && worker && left.includes(worker)) {
      this.adopt(master);
      log.info({ pid: master, dir: this.opts.dir }, 'adopted the haproxy a killed okube up left serving');
      return { running: readProcFile(this.runningConfigPath), latest: readProcFile(this.configPath) ?? '' };
    }
    for (const pid of left) {
      log.warn({ pid }, 'ending a haproxy left running by an okube up that did not shut down');
      await endProcess(pid);
    }
    await this.writeConfig(config);
    await this.spawnAndWait();
    return undefined;
  }

  /** New config, seamless: validated first, then SIGUSR2 to the master; resolves when the new worker answers. */
  async reload(config: string): Promise<void> {
    await this.writeConfig(config);
    const master = this.master;
    if (!master) return; // down: the restart uses the new config
    const before = await workerPid(this.socketPath).catch(() => undefined);
    master.signal('SIGUSR2');
    // A master that has not entered its loop yet (just started) may miss the signal: send it
    // again while no new worker answers (a second reload is harmless).
    await this.waitForWorker((pid) => pid !== undefined && pid !== before, 'reload', master, () => master.signal('SIGUSR2'));
    writeFileAtomic(this.runningConfigPath, config, 0o600);
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    clearInterval(this.adoptedPoll);
    const master = this.master;
    if (!master || !master.alive()) return;
    await endProcess(master.pid, timeoutMs);
  }

  private adopt(pid: number): void {
    const master = adoptedMaster(pid);
    this.master = master;
    this.adoptedPoll = setInterval(() => {
      if (master.alive()) return;
      clearInterval(this.adoptedPoll);
      if (this.master === master) this.master = undefined;
      if (!this.stopping && this.opts.supervise !== false) this.scheduleRestart(null, null);
    }, ADOPTED_POLL_MS);
    this.adoptedPoll.unref();
  }

  private async writeConfig(config: string): Promise<void> {
    // Unchanged (a restart after a crash with the same endpoints): already validated; skipping
    // `haproxy -c` shortens the time HAProxy is down.
    if (this.validated === config && existsSync(this.configPath)) return;
    const tmp = `${this.configPath}.new`;
    writeFileSync(tmp, config);
    try {
      await execFileP(this.binary!, ['-c', '-q', '-f', tmp]);
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new OkubeError('Internal', `okube rendered a haproxy config that haproxy rejects (${tmp}): ${(e.stderr || e.stdout || e.message).trim().split('\n').slice(-3).join(' | ')}`);
    }
    renameSync(tmp, this.configPath);
    this.validated = config;
  }

  private async spawnAndWait(): Promise<void> {
    // No parent-death signal (unlike etcd): a killed okube up leaves HAProxy serving for the next one to adopt.
    const logFd = openSync(join(this.opts.dir, 'haproxy.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.binary!, ['-W', '-db', '-f', this.configPath], { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    const master = childMaster(child);
    this.master = master;
    let up = false;
    child.once('exit', (code, signal) => {
      if (this.master === master) this.master = undefined;
      if (up && !this.stopping && this.opts.supervise !== false) this.scheduleRestart(code, signal);
    });
    child.once('error', (err) => log.error({ err: err.message }, 'haproxy failed to start'));
    await this.waitForWorker((pid) => pid !== undefined, 'start', master);
    up = true;
    writeFileAtomic(this.runningConfigPath, this.validated ?? '', 0o600);
    log.info({ pid: child.pid, dir: this.opts.dir }, 'haproxy is up');
  }

  private async waitForWorker(ok: (pid: number | undefined) => boolean, what: string, master: Master, nudge?: () => void): Promise<void> {
    const deadline = Date.now() + 15_000;
    let nextNudge = Date.now() + 2000;
    while (Date.now() < deadline) {
      if (nudge && Date.now() > nextNudge) {
        nextNudge = Date.now() + 2000;
        nudge();
      }
      if (!master.alive()) {
        throw new OkubeError('Unavailable', `haproxy exited during ${what}; see ${join(this.opts.dir, 'haproxy.log')}`);
      }
      const pid = await workerPid(this.socketPath).catch(() => undefined);
      if (ok(pid)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new OkubeError('Unavailable', `haproxy did not answer on ${this.socketPath} within 15 s after ${what}; see ${join(this.opts.dir, 'haproxy.log')}`);
  }

  private scheduleRestart(code: number | null, signal: NodeJS.Signals | null): void {
    const delay = this.restarts === 0 ? 0 : Math.min(100 * 2 ** this.restarts, 10_000);
    this.restarts++;
    log.warn({ code, signal, delayMs: delay }, 'haproxy exited unexpectedly; restarting');
    this.restartTimer = setTimeout(() => {
      if (this.stopping || this.master) return;
      // Workers of the dead master may still hold the ports for a moment.
      const ended = Promise.all(strays(this.configPath).map((pid) => endProcess(pid, 1000)));
      ended
        .then(() => (this.opts.configSource ? this.writeConfig(this.opts.configSource()) : undefined))
        .then(() => this.spawnAndWait())
        .then(
        () => {
          this.restarts = 0;
          this.opts.onRestart?.();
        },
        (err) => {
          log.error({ err: (err as Error).message }, 'haproxy restart failed');
          if (!this.stopping && !this.master) this.scheduleRestart(null, null);
        },
      );
    }, delay);
    this.restartTimer.unref();
  }
}
