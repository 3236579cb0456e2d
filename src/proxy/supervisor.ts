import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { OkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { endProcess, findBinary, liveProcesses } from '../util/processes.js';
import { adminSocketPath } from './render.js';
import { workerPid } from './runtime-api.js';

// HAProxy as a supervised child of okube up, like the embedded etcd: its files (haproxy.cfg,
// admin.sock, haproxy.log) in one config dir under the data dir; master-worker mode (-W) so a
// reload (SIGUSR2 to the master) starts a new worker that takes the listening sockets over
// through the admin socket's `expose-fd listeners` and the old worker finishes its established
// connections; restarted with the latest config when it dies on its own (the caller re-applies
// endpoints in onRestart); a clear ConfigError naming the package when there is no binary.

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

/** The haproxy binary, or a ConfigError naming the package (okube up checks before it starts anything). */
export function requireHaproxy(name = 'haproxy'): string {
  const found = findBinary(name);
  if (!found) {
    throw new OkubeError('ConfigError', `no haproxy binary found (looked for '${name}' on PATH): install it with 'apt-get install haproxy', or start okube up with --no-proxy`);
  }
  return found;
}

export class HaproxySupervisor {
  private child?: ChildProcess;
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
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child;
  }

  /** Checks the binary, ends strays of a killed okube on this dir, starts HAProxy with `config`. */
  async start(config: string): Promise<void> {
    this.binary = requireHaproxy(this.opts.binary);
    // sun_path holds 108 bytes: a longer admin socket path cannot be bound.
    if (Buffer.byteLength(this.socketPath) > 107) {
      throw new OkubeError('ConfigError', `haproxy's admin socket path ${this.socketPath} is longer than a unix socket allows (107 bytes): pick a shorter --data-dir`);
    }
    mkdirSync(this.opts.dir, { recursive: true });
    for (const pid of strays(this.configPath)) {
      log.warn({ pid }, 'ending a haproxy left running by an okube up that did not shut down');
      await endProcess(pid);
    }
    await this.writeConfig(config);
    this.stopping = false;
    await this.spawnAndWait();
  }

  /** New config, seamless: validated first, then SIGUSR2 to the master; resolves when the new worker answers. */
  async reload(config: string): Promise<void> {
    await this.writeConfig(config);
    const child = this.child;
    if (!child) return; // down: the restart uses the new config
    const before = await workerPid(this.socketPath).catch(() => undefined);
    child.kill('SIGUSR2');
    // A master that has not entered its loop yet (just started) may miss the signal: send it
    // again while no new worker answers (a second reload is harmless).
    await this.waitForWorker((pid) => pid !== undefined && pid !== before, 'reload', child, () => child.kill('SIGUSR2'));
  }

  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await gone;
    clearTimeout(timer);
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
    const args = ['-W', '-db', '-f', this.configPath];
    const setpriv = process.platform === 'linux' ? findBinary('setpriv') : undefined;
    const command = setpriv ?? this.binary!;
    const argv = setpriv ? ['--pdeathsig', 'SIGTERM', '--', this.binary!, ...args] : args;
    const logFd = openSync(join(this.opts.dir, 'haproxy.log'), 'a');
    let child: ChildProcess;
    try {
      child = spawn(command, argv, { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    let up = false;
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (up && !this.stopping && this.opts.supervise !== false) this.scheduleRestart(code, signal);
    });
    child.once('error', (err) => log.error({ err: err.message }, 'haproxy failed to start'));
    await this.waitForWorker((pid) => pid !== undefined, 'start', child);
    up = true;
    log.info({ pid: child.pid, dir: this.opts.dir }, 'haproxy is up');
  }

  private async waitForWorker(ok: (pid: number | undefined) => boolean, what: string, child = this.child, nudge?: () => void): Promise<void> {
    const deadline = Date.now() + 15_000;
    let nextNudge = Date.now() + 2000;
    while (Date.now() < deadline) {
      if (nudge && Date.now() > nextNudge) {
        nextNudge = Date.now() + 2000;
        nudge();
      }
      if (!child || child.exitCode !== null || child.signalCode !== null) {
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
      if (this.stopping || this.child) return;
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
          if (!this.stopping && !this.child) this.scheduleRestart(null, null);
        },
      );
    }, delay);
    this.restartTimer.unref();
  }
}
