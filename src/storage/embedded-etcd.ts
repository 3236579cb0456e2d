import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { freePort, portFree } from '../util/free-port.js';
import { join } from 'node:path';
import { OkubeError } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { ETCD_MEMBER_NAME, etcdProcessesOn } from './stray-etcd.js';
import { endProcess, findBinary } from '../util/processes.js';
import { etcdTlsFiles, type EtcdClientTls, type EtcdTlsFiles } from './etcd-tls.js';
import { makeDirs } from '../util/make-dirs.js';

// The etcd that `okube up` runs by default, as a supervised child process. Contract: one etcd per
// data directory (strays of a killed okube are ended first), stable loopback ports across
// restarts so clients reconnect, restart with backoff when it dies on its own, and a clear
// ConfigError when there is no etcd binary. With `tls` (what okube up uses), etcd serves only
// HTTPS and requires a client certificate signed by okube's CA, for clients and peers alike; its
// key material lives 0600 in `<dataDir>/pki` (etcd-tls.ts) and the data dir is 0700.

export interface EmbeddedEtcdOptions {
  dataDir: string;
  host?: string;
  clientPort?: number;
  peerPort?: number;
  /** The etcd binary; default: `etcd` from PATH. */
  binary?: string;
  /** Restart etcd when it dies on its own (default true). */
  supervise?: boolean;
  /** Client-certificate TLS with certificates from this CA (okube's), instead of plain HTTP. */
  tls?: { caPem: string; caKeyPem: string };
}

interface Ports { clientPort: number; peerPort: number }

/** The single member's election timeout (why not etcd's 1000 ms default: spawnAndWait). */
export const ETCD_ELECTION_TIMEOUT_MS = 500;

const log = loggerFor('storage.embedded-etcd');

const PORT_ATTEMPTS = 3;

/** etcd could not listen on a port it was given. */
class PortTaken extends OkubeError {
  constructor(message: string) {
    super('Unavailable', message);
  }
}

/** What etcd wrote to its log from `offset` on (its last 64 KiB at most). */
function logSince(path: string, offset: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const from = Math.max(offset, size - 65_536);
    const buf = Buffer.alloc(Math.max(0, size - from));
    readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * How etcd is started so that it dies with okube even when okube is killed -9: through
 * util-linux's setpriv, which sets the parent-death signal (prctl PR_SET_PDEATHSIG) and execs
 * etcd. Without setpriv, the stray-etcd sweep of the next start is the only remedy.
 */
function launcher(binary: string, args: string[]): { command: string; args: string[] } {
  const setpriv = process.platform === 'linux' ? findBinary('setpriv') : undefined;
  return setpriv ? { command: setpriv, args: ['--pdeathsig', 'SIGTERM', '--', binary, ...args] } : { command: binary, args };
}

/**
 * A local etcd child process that okube starts and supervises (the embedded default of
 * `okube up`): data under okube's data directory, loopback ports kept stable across restarts so
 * clients reconnect, and a restart with backoff when it dies on its own.
 */
export class EmbeddedEtcd {
  private child?: ChildProcess;
  private ports?: Ports;
  private stopping = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  private readonly host: string;
  private readonly binary: string;
  private tlsFiles?: EtcdTlsFiles;

  constructor(private readonly opts: EmbeddedEtcdOptions) {
    this.host = opts.host ?? '127.0.0.1';
    this.binary = opts.binary ?? 'etcd';
  }

  get endpoints(): string[] {
    if (!this.ports) throw new OkubeError('Unavailable', 'embedded etcd has not been started');
    return [`${this.opts.tls ? 'https' : 'http'}://${this.host}:${this.ports.clientPort}`];
  }

  /** The client certificate, key and CA a client needs (undefined without tls). */
  get clientTls(): EtcdClientTls | undefined {
    return this.tlsFiles?.client;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<{ endpoints: string[]; tls?: EtcdClientTls }> {
    const binary = findBinary(this.binary);
    if (!binary) {
      throw new OkubeError(
        'ConfigError',
        `no etcd binary found (looked for '${this.binary}' on PATH): install it with 'apt-get install etcd-server', or point okube at an external etcd with --etcd-endpoints`,
      );
    }
    makeDirs(this.opts.dataDir, 0o700);
    chmodSync(this.opts.dataDir, 0o700);
    if (this.opts.tls) this.tlsFiles = await etcdTlsFiles(this.opts.dataDir, this.opts.tls, this.host);
    await this.endStrays();
    this.ports = await this.loadOrChoosePorts();
    this.stopping = false;
    // A port chosen free can be taken before etcd binds it (an outgoing connection gets its local
    // port from the same range): then choose again, a few times. Ports the caller gave are kept.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.spawnAndWait(binary);
        break;
      } catch (err) {
        if (!(err instanceof PortTaken) || attempt >= PORT_ATTEMPTS || (this.opts.clientPort && this.opts.peerPort)) throw err;
        log.warn({ ports: this.ports, attempt }, 'a port chosen for etcd was taken before etcd could listen on it; choosing others');
        this.ports = await this.choosePorts();
      }
    }
    return { endpoints: this.endpoints, ...(this.tlsFiles ? { tls: this.tlsFiles.client } : {}) };
  }

  /** Stops etcd cleanly: SIGTERM, then SIGKILL after a timeout. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.signalAndWait('SIGTERM', timeoutMs).catch(() => this.signalAndWait('SIGKILL', timeoutMs));
  }

  /** Kills etcd with SIGKILL and waits for it to be gone (tests of crash behaviour). */
  async kill9(): Promise<void> {
    await this.signalAndWait('SIGKILL', 10_000);
  }

  /** Starts etcd again after kill9/stop, on the same data dir and ports. */
  async restart(): Promise<void> {
    const binary = findBinary(this.binary);
    if (!binary) throw new OkubeError('ConfigError', `etcd binary '${this.binary}' disappeared`);
    this.stopping = false;
    if (!this.child) await this.spawnAndWait(binary);
  }

  /**
   * Ends etcds still serving this data dir: left by an okube up that was killed before it could
   * stop them (the caller holds the data dir, so no live okube up owns them). They hold the
   * data dir and its ports; a new etcd would fail, or the health check would find the old one.
   */
  private async endStrays(): Promise<void> {
    for (const pid of etcdProcessesOn(join(this.opts.dataDir, 'data'))) {
      log.warn({ pid, dataDir: this.opts.dataDir }, 'ending an etcd left running by an okube up that did not shut down');
      await endProcess(pid);
    }
  }

  private async loadOrChoosePorts(): Promise<Ports> {
    const file = this.portsFile;
    if (this.opts.clientPort && this.opts.peerPort) return { clientPort: this.opts.clientPort, peerPort: this.opts.peerPort };
    if (existsSync(file)) {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as Ports;
        // The same ports as last time, unless something else took them meanwhile.
        if (saved.clientPort && saved.peerPort && (await portFree(this.host, saved.clientPort)) && (await portFree(this.host, saved.peerPort))) return saved;
      } catch {
        // unreadable: choose new ports below
      }
    }
    return this.choosePorts();
  }

  /** Where the ports are kept across starts of this data dir. */
  private get portsFile(): string {
    return join(this.opts.dataDir, 'okube-etcd.json');
  }

  private async choosePorts(): Promise<Ports> {
    const ports = {
      clientPort: this.opts.clientPort ?? (await freePort(this.host)),
      peerPort: this.opts.peerPort ?? (await freePort(this.host)),
    };
    writeFileSync(this.portsFile, JSON.stringify(ports));
    return ports;
  }

  private async spawnAndWait(binary: string): Promise<void> {
    const { clientPort, peerPort } = this.ports!;
    const scheme = this.tlsFiles ? 'https' : 'http';
    const client = `${scheme}://${this.host}:${clientPort}`;
    const peer = `${scheme}://${this.host}:${peerPort}`;
    const f = this.tlsFiles?.paths;
    const tlsArgs = f
      ? ['--cert-file', f.serverCert, '--key-file', f.serverKey, '--client-cert-auth', '--trusted-ca-file', f.ca, '--peer-cert-file', f.peerCert, '--peer-key-file', f.peerKey, '--peer-client-cert-auth', '--peer-trusted-ca-file', f.ca]
      : [];
    const args = [
      ...tlsArgs,
      '--name', ETCD_MEMBER_NAME,
      '--data-dir', join(this.opts.dataDir, 'data'),
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', `${ETCD_MEMBER_NAME}=${peer}`,
      // A restarted single member waits one election timeout (randomised to 1–2× it) before it
      // elects itself: etcd fast-forwards that wait only on a fresh start, so with the default
      // 1000 ms every warm `okube up` waited 1.6–2.0 s for etcd (most of its start-up). There are
      // no peers to be patient with; 500 ms is the least etcd allows at the default 100 ms heartbeat.
      '--election-timeout', String(ETCD_ELECTION_TIMEOUT_MS),
    ];
    // etcd writes its log straight to the file: no pipe through okube that could end under it
    // (etcd dying of SIGPIPE) or be written after it ended. Its own process group: a Ctrl-C in
    // the terminal reaches okube only, which stops etcd last, after everything that uses it.
    const logPath = join(this.opts.dataDir, 'etcd.log');
    const logFd = openSync(logPath, 'a');
    const logStart = fstatSync(logFd).size;
    const launch = launcher(binary, args);
    let child: ChildProcess;
    try {
      child = spawn(launch.command, launch.args, { stdio: ['ignore', logFd, logFd], detached: true });
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    let healthy = false;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      // Only an etcd that came up is supervised: one that cannot start fails start() instead.
      if (healthy && !this.stopping && this.opts.supervise !== false) this.scheduleRestart(binary, code, signal);
    });
    child.once('error', (err) => log.error({ err: err.message }, 'etcd failed to start'));

    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const done = await Promise.race([exited.then(() => 'exited' as const), this.healthy(client).then((ok) => (ok ? ('ok' as const) : undefined))]);
      if (done === 'ok') {
        healthy = true;
        log.info({ endpoint: client, pid: child.pid }, 'etcd is up');
        return;
      }
      if (done === 'exited') {
        const message = `etcd exited during start-up; see ${logPath}`;
        throw /address already in use/.test(logSince(logPath, logStart)) ? new PortTaken(message) : new OkubeError('Unavailable', message);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new OkubeError('Unavailable', `etcd did not become healthy within 30 s; see ${logPath}`);
  }

  private async healthy(client: string): Promise<boolean> {
    if (this.tlsFiles) return healthyTls(`${client}/health`, this.tlsFiles.client);
    try {
      const res = await fetch(`${client}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      return res.ok && body.health === 'true';
    } catch {
      return false;
    }
  }

  private scheduleRestart(binary: string, code: number | null, signal: NodeJS.Signals | null): void {
    const delay = Math.min(200 * 2 ** this.restarts, 10_000);
    this.restarts++;
    log.warn({ code, signal, delayMs: delay }, 'etcd exited unexpectedly; restarting');
    this.restartTimer = setTimeout(() => {
      if (this.stopping || this.child) return;
      this.spawnAndWait(binary).then(
        () => (this.restarts = 0),
        (err) => log.error({ err: (err as Error).message }, 'etcd restart failed'),
      );
    }, delay);
    this.restartTimer.unref();
  }

  private async signalAndWait(signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OkubeError('Timeout', `etcd did not exit after ${signal}`)), timeoutMs);
    });
    try {
      await Promise.race([gone, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** etcd's /health over HTTPS with the client certificate (fetch cannot present one). */
function healthyTls(url: string, tls: EtcdClientTls): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpsRequest(url, { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { health?: string }).health === 'true');
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}
