import Docker from 'dockerode';
import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { share, type Observable } from 'rxjs';
import { OkubeError } from '../util/errors.js';
import { engineAgent } from './engine-connections.js';
import { loggerFor, type Logger } from '../util/logger.js';
import { dockerEventStream } from './docker-events.js';
import { tarFiles } from './tar.js';
import { dockerHostConfig } from './docker-host-config.js';
import { containerLogs, execAttached, execCaptured, type AttachedExec, type ExecStreams } from './docker-streams.js';
import type { ContainerInfo, ContainerSpec, ContainerStatus, ContainerUsage, ExecResult, FileEntry, HostInfo, ListOptions, LogOptions, PortBinding, Runtime, RuntimeEvent } from './runtime.js';

// The Runtime (runtime.ts) on one Docker engine, through dockerode. Every failure leaves as an
// OkubeError — Unavailable when the engine cannot be reached, ImageNotFound for pulls and
// creates, RuntimeError otherwise — and "already started/stopped/gone" answers are success, so a
// reconciler can repeat any call. Calls are bounded by the client's idle timeout; stop, which
// the engine answers only after the grace period, bounds itself.

export interface DockerTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Paths instead of contents. */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface DockerRuntimeOptions {
  dockerHost: string;
  tls?: DockerTls;
  logger?: Logger;
  /** Bound on any single API call except long streams (default 30 s). */
  timeoutMs?: number;
  /**
   * How long the events stream may stay silent before it is ended and opened again (default
   * 5 min, never less than timeoutMs). A quiet engine sends nothing, and every reopening is one
   * more call per Node; a lost engine is the heartbeat's to notice, a dead connection TCP
   * keepalive's, and what the stream missed the relist's.
   */
  eventsIdleTimeoutMs?: number;
}

const DEFAULT_EVENTS_IDLE_TIMEOUT_MS = 300_000;
/** Idle time before TCP keepalive probes on the events connection (a peer gone without a FIN). */
const EVENTS_KEEPALIVE_MS = 30_000;

const DOCKER_ZERO_TIME = '0001-01-01T00:00:00Z';
const INSPECT_BATCH = 16;

function dockerTime(t: string | undefined): string | undefined {
  return !t || t.startsWith('0001-01-01') || t === DOCKER_ZERO_TIME ? undefined : new Date(t).toISOString();
}

function statusCode(err: unknown): number | undefined {
  return (err as { statusCode?: number }).statusCode;
}

/** docker-modem passes `agent` on to every request; dockerode's types do not list it. */
type ConnectionOptions = Docker.DockerOptions & { agent?: HttpAgent };

/** Where and how to reach the engine; read once, shared by the short calls, the patient ones and the events stream. */
function connectionOptions(host: string, tls: DockerTls | undefined): ConnectionOptions {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  const m = /^(tcp|https?):\/\/([^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (!m) throw new OkubeError('ConfigError', `dockerHost ${JSON.stringify(host)}: expected unix:///path or tcp://host:port`);
  const read = (v?: string | Buffer, file?: string) => v ?? (file ? readFileSync(file) : undefined);
  const useTls = Boolean(tls) || m[1] === 'https';
  return {
    host: m[2],
    port: Number(m[3] ?? (useTls ? 2376 : 2375)),
    protocol: useTls ? 'https' : 'http',
    ca: read(tls?.ca, tls?.caFile),
    cert: read(tls?.cert, tls?.certFile),
    key: read(tls?.key, tls?.keyFile),
  };
}

/** The Runtime on a Docker engine, through dockerode. */
export class DockerRuntime implements Runtime {
  private readonly docker: Docker;
  /**
   * The same engine without the idle timeout, for calls the engine answers only when they are
   * done (a stop waits out the grace period in silence); each call bounds itself instead.
   */
  private readonly patientDocker: Docker;
  private readonly log: Logger;
  private readonly events$: Observable<RuntimeEvent>;
  private liveEventStream?: NodeJS.ReadableStream;
  private readonly idleTimeoutMs: number;
  private readonly agent: HttpAgent;

  constructor(private readonly opts: DockerRuntimeOptions) {
    this.idleTimeoutMs = opts.timeoutMs ?? 30_000;
    const connection = connectionOptions(opts.dockerHost, opts.tls);
    this.agent = engineAgent(connection.protocol === 'https');
    this.docker = new Docker({ ...connection, timeout: this.idleTimeoutMs, agent: this.agent } as ConnectionOptions);
    this.patientDocker = new Docker({ ...connection, timeout: 0, agent: this.agent } as ConnectionOptions);
    this.log = opts.logger ?? loggerFor('runtime.docker', opts.dockerHost);
    const eventsIdleTimeoutMs = Math.max(this.idleTimeoutMs, opts.eventsIdleTimeoutMs ?? DEFAULT_EVENTS_IDLE_TIMEOUT_MS);
    this.events$ = dockerEventStream(new Docker({ ...connection, timeout: eventsIdleTimeoutMs }), {
      log: this.log,
      idleTimeoutMs: eventsIdleTimeoutMs,
      onConnected: (stream) => {
        this.liveEventStream = stream;
        (stream as Partial<IncomingMessage>).socket?.setKeepAlive(true, EVENTS_KEEPALIVE_MS);
      },
    }).pipe(share());
  }

  private fail(err: unknown, what: string): OkubeError {
    if (err instanceof OkubeError) return err;
    const code = statusCode(err);
    const message = (err as Error)?.message ?? String(err);
    if (code === undefined && /ECONNREFUSED|ENOENT|EACCES|ETIMEDOUT|EHOSTUNREACH|socket hang up|timeout/i.test(message)) {
      return new OkubeError('Unavailable', `Docker engine ${this.opts.dockerHost} is not reachable (${what}): ${message}`);
    }
    return new OkubeError('RuntimeError', `${what}: ${message}`, { statusCode: code });
  }

  async ping(): Promise<void> {
    try {
      await this.docker.ping();
    } catch (err) {
      const e = this.fail(err, 'ping');
      throw e.code === 'Unavailable' ? e : new OkubeError('Unavailable', `Docker engine ${this.opts.dockerHost} does not answer: ${e.message}`);
    }
  }

  async info(): Promise<HostInfo> {
    try {
      const i = await this.docker.info();
      return {
        ncpu: i.NCPU,
        memoryBytes: i.MemTotal,
        dockerVersion: i.ServerVersion,
        operatingSystem: i.OperatingSystem,
        kernelVersion: i.KernelVersion,
        architecture: i.Architecture,
      };
    } catch (err) {
      throw this.fail(err, 'info');
    }
  }

  async imagePresent(image: string): Promise<boolean> {
    try {
      await this.docker.getImage(image).inspect();
      return true;
    } catch (err) {
      if (statusCode(err) === 404) return false;
      throw this.fail(err, `inspect image ${image}`);
    }
  }

  async pullImage(image: string): Promise<void> {
    const timeoutMs = 60_000;
    try {
      const stream = (await this.docker.pull(image)) as NodeJS.ReadableStream;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pull did not finish within ${timeoutMs / 1000} s`)), timeoutMs);
        this.docker.modem.followProgress(stream, (err: Error | null, output: Array<{ error?: string }>) => {
          clearTimeout(timer);
          const failed = err ?? output.find((o) => o.error)?.error;
          if (failed) reject(failed instanceof Error ? failed : new Error(failed));
          else resolve();
        });
      });
    } catch (err) {
      const message = (err as Error)?.message ?? String(err);
      throw new OkubeError('ImageNotFound', `cannot pull image ${image}: ${message}`);
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
    for (const p of spec.ports ?? []) {
      const key = `${p.containerPort}/${p.protocol.toLowerCase()}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIP ?? '127.0.0.1', HostPort: String(p.hostPort) });
    }
    try {
      const c = await this.docker.createContainer({
        name: spec.name,
        Hostname: spec.hostname,
        Image: spec.image,
        Entrypoint: spec.command,
        Cmd: spec.args,
        Env: Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ExposedPorts: exposed,
        WorkingDir: spec.workingDir,
        User: spec.security?.user,
        HostConfig: {
          PortBindings: bindings,
          RestartPolicy: { Name: 'no' },
          NanoCpus: spec.nanoCpus,
          Memory: spec.memoryBytes,
          ...dockerHostConfig(spec),
        },
      });
      return c.id;
    } catch (err) {
      if (statusCode(err) === 404 && /image/i.test((err as Error).message)) {
        throw new OkubeError('ImageNotFound', `image ${spec.image} is not present on ${this.opts.dockerHost}`);
      }
      throw this.fail(err, `create container ${spec.name}`);
    }
  }

  async imageUser(image: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(image).inspect()).Config?.User ?? '';
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw this.fail(err, `inspect image ${image}`);
    }
  }

  async putFiles(id: string, dir: string, files: FileEntry[]): Promise<void> {
    try {
      await this.docker.getContainer(id).putArchive(tarFiles(files), { path: dir });
    } catch (err) {
      throw this.fail(err, `put files into ${id.slice(0, 12)}:${dir}`);
    }
  }

  async listVolumes(labels: Record<string, string>): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    try {
      const { Volumes } = await this.docker.listVolumes({ filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
      return (Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
    } catch (err) {
      throw this.fail(err, 'list volumes');
    }
  }

  async removeVolumes(labels: Record<string, string>): Promise<void> {
    try {
      const { Volumes } = await this.docker.listVolumes({ filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
      for (const v of Volumes ?? []) {
        try {
          await this.docker.getVolume(v.Name).remove();
        } catch (err) {
          if (statusCode(err) !== 404) throw err;
        }
      }
    } catch (err) {
      throw this.fail(err, 'remove volumes');
    }
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (err) {
      if (statusCode(err) === 304) return; // already started
      throw this.fail(err, `start ${id.slice(0, 12)}`);
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      // Docker sends SIGTERM, waits t seconds, then SIGKILL, and answers only then: the idle
      // timeout would cut a grace period as long as itself (30 s, the default) short.
      await this.patientDocker.getContainer(id).stop({ t: Math.max(0, Math.round(graceSeconds)), abortSignal: AbortSignal.timeout((graceSeconds + 30) * 1000) } as object);
    } catch (err) {
      const code = statusCode(err);
      if (code === 304 || code === 404) return;
      throw this.fail(err, `stop ${id.slice(0, 12)}`);
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true });
    } catch (err) {
      const code = statusCode(err);
      if (code === 404) return;
      if (code === 409 && /already in progress/i.test((err as Error).message)) return;
      throw this.fail(err, `remove ${id.slice(0, 12)}`);
    }
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    try {
      const c = await this.docker.getContainer(id).inspect();
      const ports: PortBinding[] = [];
      for (const [key, binds] of Object.entries(c.HostConfig?.PortBindings ?? {})) {
        const [port, proto] = key.split('/');
        for (const b of (binds as Array<{ HostIp?: string; HostPort?: string }>) ?? []) {
          ports.push({ containerPort: Number(port), hostPort: Number(b.HostPort), protocol: proto === 'udp' ? 'UDP' : 'TCP', hostIP: b.HostIp || undefined });
        }
      }
      return {
        id: c.Id,
        name: c.Name.replace(/^\//, ''),
        image: c.Config.Image,
        labels: c.Config.Labels ?? {},
        status: c.State.Status as ContainerStatus,
        running: c.State.Running,
        exitCode: c.State.Running || c.State.Status === 'created' ? undefined : c.State.ExitCode,
        oomKilled: c.State.OOMKilled,
        error: c.State.Error || undefined,
        createdAt: dockerTime(c.Created),
        startedAt: dockerTime(c.State.StartedAt),
        finishedAt: dockerTime(c.State.FinishedAt),
        ports,
      };
    } catch (err) {
      if (statusCode(err) === 404) return undefined;
      throw this.fail(err, `inspect ${id.slice(0, 12)}`);
    }
  }

  async list(labels: Record<string, string>, opts: ListOptions = {}): Promise<ContainerInfo[]> {
    let summaries: Docker.ContainerInfo[];
    try {
      summaries = await this.docker.listContainers({ all: true, filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) } });
    } catch (err) {
      throw this.fail(err, 'list containers');
    }
    if (opts.details === false) return summaries.map(summaryInfo);
    // The summary lacks exit details and times: inspect each, a few at a time. A Node's whole
    // list (orphan collection) can hold hundreds, and that many inspects at once make a busy
    // engine drop connections ("socket hang up", seen in the 100-Task restart storm).
    const infos: Array<ContainerInfo | undefined> = [];
    for (let i = 0; i < summaries.length; i += INSPECT_BATCH) {
      infos.push(...(await Promise.all(summaries.slice(i, i + INSPECT_BATCH).map((s) => this.inspect(s.Id)))));
    }
    return infos.filter((i): i is ContainerInfo => i !== undefined);
  }

  async publishedPorts(): Promise<number[]> {
    try {
      const all = await this.docker.listContainers({ all: true });
      return all.flatMap((c) => (c.Ports ?? []).map((p) => p.PublicPort).filter((p): p is number => typeof p === 'number' && p > 0));
    } catch (err) {
      throw this.fail(err, 'list published ports');
    }
  }

  async usage(labels: Record<string, string>): Promise<ContainerUsage[]> {
    let running: Docker.ContainerInfo[];
    try {
      running = await this.docker.listContainers({ filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`), status: ['running'] } });
    } catch (err) {
      throw this.fail(err, 'list running containers');
    }
    const out: ContainerUsage[] = [];
    for (let i = 0; i < running.length; i += INSPECT_BATCH) {
      const batch = await Promise.all(running.slice(i, i + INSPECT_BATCH).map(async (c) => {
        try {
          // one-shot: the engine's current counters at once, not two samples a second apart.
          const s = (await this.docker.getContainer(c.Id).stats({ stream: false, 'one-shot': true } as object)) as unknown as DockerStats;
          return usageOf(c.Id, c.Labels ?? {}, s);
        } catch (err) {
          if (statusCode(err) === 404 || statusCode(err) === 409) return undefined; // gone or stopped meanwhile
          throw this.fail(err, `stats ${c.Id.slice(0, 12)}`);
        }
      }));
      for (const u of batch) if (u) out.push(u);
    }
    return out;
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    try {
      // A followed log is quiet for as long as the container is: no idle timeout may end it.
      return await containerLogs(opts.follow ? this.patientDocker : this.docker, id, opts);
    } catch (err) {
      if (statusCode(err) === 404) throw new OkubeError('NotFound', `container ${id.slice(0, 12)} not found`);
      throw this.fail(err, `logs ${id.slice(0, 12)}`);
    }
  }

  async exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult> {
    try {
      return await execCaptured(this.docker, id, command, timeoutMs);
    } catch (err) {
      throw this.fail(err, `exec in ${id.slice(0, 12)}`);
    }
  }

  async attachExec(id: string, command: string[], opts: ExecStreams): Promise<AttachedExec> {
    try {
      return await execAttached(this.docker, id, command, opts);
    } catch (err) {
      if (statusCode(err) === 404) throw new OkubeError('NotFound', `container ${id.slice(0, 12)} not found`);
      throw this.fail(err, `exec in ${id.slice(0, 12)}`);
    }
  }

  events(): Observable<RuntimeEvent> {
    return this.events$;
  }

  /** Breaks the live events connection as a network fault would (tests of reconnection). */
  breakEventStream(): void {
    (this.liveEventStream as unknown as { destroy?: () => void } | undefined)?.destroy?.();
  }

  dropConnections(): void {
    this.agent.destroy();
  }

  async close(): Promise<void> {
    // The events stream closes when its last subscriber leaves; the kept connections close here.
    this.dropConnections();
  }
}

/** What a container list answer says of one container (no exit details, times or ports). */
function summaryInfo(s: Docker.ContainerInfo): ContainerInfo {
  return { id: s.Id, name: (s.Names?.[0] ?? '').replace(/^\//, ''), image: s.Image, labels: s.Labels ?? {}, status: s.State as ContainerStatus, running: s.State === 'running', ports: [] };
}

interface DockerStats {
  read?: string;
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; stats?: { inactive_file?: number; total_inactive_file?: number; cache?: number } };
}

/** A container's counters from Docker's stats; memory as the docker CLI shows it (usage − inactive page cache). */
export function usageOf(id: string, labels: Record<string, string>, s: DockerStats): ContainerUsage {
  const mem = s.memory_stats ?? {};
  const cache = mem.stats?.inactive_file ?? mem.stats?.total_inactive_file ?? mem.stats?.cache ?? 0;
  const read = s.read && !s.read.startsWith('0001-01-01') ? Date.parse(s.read) : Date.now();
  return { id, labels, cpuNanos: s.cpu_stats?.cpu_usage?.total_usage ?? 0, memoryBytes: Math.max(0, (mem.usage ?? 0) - cache), readAt: read };
}

