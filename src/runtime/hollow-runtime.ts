import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { Subject, type Observable } from 'rxjs';
import { OkubeError } from '../util/errors.js';
import type { ContainerInfo, ContainerSpec, ContainerUsage, ExecResult, FileEntry, HostInfo, LogOptions, Runtime, RuntimeEvent } from './runtime.js';

// A container host that lives in this process: containers are records, "running" is a flag,
// exits are simulated. The controllers above it are the real ones, so it serves scale
// benchmarks (hundreds of Nodes on one machine) and tests of logic that needs no real process.

export interface HollowExit {
  /** How long after start the simulated process exits. */
  afterMs: number;
  exitCode: number;
}

export interface HollowRuntimeOptions {
  /** Shown as the Docker version and in errors (e.g. hollow://node-1). */
  host?: string;
  ncpu?: number;
  memoryBytes?: number;
  /** Images present on the host; default: every image is present. */
  images?: string[];
  /** Images a pull can fetch; default: none (pulls fail as with no registry). */
  pullable?: string[];
  /** Decides, per started container, whether and when its process exits by itself. */
  lifetime?: (spec: ContainerSpec) => HollowExit | undefined;
}

interface Record_ {
  spec: ContainerSpec;
  info: ContainerInfo;
  exitTimer?: NodeJS.Timeout;
  files?: Map<string, Buffer>;
}

export const HOLLOW_DEFAULTS = { ncpu: 16, memoryBytes: 64 * 1024 ** 3 };

export class HollowRuntime implements Runtime {
  private readonly containers = new Map<string, Record_>();
  private readonly events$ = new Subject<RuntimeEvent>();
  private readonly images?: Set<string>;
  private readonly pullable: Set<string>;
  private reachable = true;
  readonly host: string;

  constructor(private readonly opts: HollowRuntimeOptions = {}) {
    this.host = opts.host ?? 'hollow://local';
    this.images = opts.images ? new Set(opts.images) : undefined;
    this.pullable = new Set(opts.pullable ?? []);
  }

  /** Simulates the engine going away (ping and every call fail) or coming back. */
  setReachable(reachable: boolean): void {
    this.reachable = reachable;
  }

  private check(what: string): void {
    if (!this.reachable) throw new OkubeError('Unavailable', `hollow engine ${this.host} is not reachable (${what})`);
  }

  private find(id: string, what: string): Record_ {
    const r = this.containers.get(id);
    if (!r) throw new OkubeError('RuntimeError', `${what}: no such container ${id.slice(0, 12)}`, { statusCode: 404 });
    return r;
  }

  private emit(action: string, r: Record_, exitCode?: number): void {
    const ev: RuntimeEvent = { action, containerId: r.info.id, labels: { ...r.info.labels }, exitCode, time: Date.now() };
    // Docker delivers events on its own stream, after the API call that caused them returned.
    setImmediate(() => this.events$.next(ev));
  }

  async ping(): Promise<void> {
    this.check('ping');
  }

  async info(): Promise<HostInfo> {
    this.check('info');
    return {
      ncpu: this.opts.ncpu ?? HOLLOW_DEFAULTS.ncpu,
      memoryBytes: this.opts.memoryBytes ?? HOLLOW_DEFAULTS.memoryBytes,
      dockerVersion: `hollow (${this.host})`,
      operatingSystem: 'hollow',
      kernelVersion: process.version,
      architecture: process.arch,
    };
  }

  async imagePresent(image: string): Promise<boolean> {
    this.check('inspect image');
    return !this.images || this.images.has(image);
  }

  async pullImage(image: string): Promise<void> {
    this.check('pull');
    if (this.images && !this.images.has(image)) {
      if (!this.pullable.has(image)) throw new OkubeError('ImageNotFound', `cannot pull image ${image}: not found on hollow registry`);
      this.images.add(image);
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.check('create');
    if (this.images && !this.images.has(spec.image)) throw new OkubeError('ImageNotFound', `image ${spec.image} is not present on ${this.host}`);
    for (const r of this.containers.values()) {
      if (r.info.name === spec.name) throw new OkubeError('RuntimeError', `create container ${spec.name}: name already in use`, { statusCode: 409 });
    }
    const id = randomBytes(32).toString('hex');
    const info: ContainerInfo = {
      id,
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      status: 'created',
      running: false,
      createdAt: new Date().toISOString(),
      ports: (spec.ports ?? []).map((p) => ({ ...p })),
    };
    const r: Record_ = { spec: structuredClone(spec), info };
    this.containers.set(id, r);
    this.emit('create', r);
    return id;
  }

  async imageUser(image: string): Promise<string | undefined> {
    this.check('inspect image');
    return (await this.imagePresent(image)) ? '' : undefined;
  }

  /** Files live in memory with the container (the hollow engine has no filesystem). */
  async putFiles(id: string, dir: string, files: FileEntry[]): Promise<void> {
    this.check('put files');
    if (!this.containers.has(id)) throw new OkubeError('RuntimeError', `put files into ${id}: no such container`);
    const record = this.containers.get(id)!;
    for (const f of files) (record.files ??= new Map()).set(`${dir}/${f.path}`, f.content);
  }

  /** The hollow engine keeps no volumes. */
  async listVolumes(): Promise<Array<{ name: string; labels: Record<string, string> }>> {
    this.check('list volumes');
    return [];
  }

  async removeVolumes(): Promise<void> {
    this.check('remove volumes');
  }

  async start(id: string): Promise<void> {
    this.check('start');
    const r = this.find(id, 'start');
    if (r.info.running) return;
    Object.assign(r.info, { status: 'running', running: true, exitCode: undefined, startedAt: new Date().toISOString(), finishedAt: undefined });
    this.emit('start', r);
    const exit = this.opts.lifetime?.(r.spec);
    if (exit) {
      r.exitTimer = setTimeout(() => this.exit(id, exit.exitCode), exit.afterMs);
      r.exitTimer.unref();
    }
  }

  /** The container's process ends with this code now (a crash, an OOM kill, a normal exit). */
  exit(id: string, exitCode: number, opts: { oomKilled?: boolean } = {}): void {
    const r = this.containers.get(id);
    if (!r?.info.running) return;
    clearTimeout(r.exitTimer);
    Object.assign(r.info, { status: 'exited', running: false, exitCode, oomKilled: opts.oomKilled ?? false, finishedAt: new Date().toISOString() });
    if (opts.oomKilled) this.emit('oom', r);
    this.emit('die', r, exitCode);
  }

  async stop(id: string, _graceSeconds = 0): Promise<void> {
    this.check('stop');
    const r = this.containers.get(id);
    if (!r?.info.running) return;
    // The simulated process honours SIGTERM at once: exit code 143 as a shell would report.
    this.emit('kill', r);
    this.exit(id, 143);
    this.emit('stop', r);
  }

  async remove(id: string): Promise<void> {
    this.check('remove');
    const r = this.containers.get(id);
    if (!r) return;
    if (r.info.running) {
      this.emit('kill', r);
      this.exit(id, 137);
    }
    this.containers.delete(id);
    this.emit('destroy', r);
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    this.check('inspect');
    const r = this.containers.get(id);
    return r ? structuredClone(r.info) : undefined;
  }

  async list(labels: Record<string, string>): Promise<ContainerInfo[]> {
    this.check('list containers');
    const want = Object.entries(labels);
    const out: ContainerInfo[] = [];
    for (const r of this.containers.values()) {
      if (want.every(([k, v]) => r.info.labels[k] === v)) out.push(structuredClone(r.info));
    }
    return out;
  }

  async publishedPorts(): Promise<number[]> {
    this.check('list published ports');
    return [...this.containers.values()].filter((r) => r.info.running).flatMap((r) => r.info.ports.map((p) => p.hostPort));
  }

  async usage(labels: Record<string, string>): Promise<ContainerUsage[]> {
    this.check('stats');
    const want = Object.entries(labels);
    const now = Date.now();
    return [...this.containers.values()]
      .filter((r) => r.info.running && want.every(([k, v]) => r.info.labels[k] === v))
      .map((r) => ({ id: r.info.id, labels: { ...r.info.labels }, cpuNanos: 0, memoryBytes: 0, readAt: now }));
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    this.check('logs');
    const r = this.containers.get(id);
    if (!r) throw new OkubeError('NotFound', `container ${id.slice(0, 12)} not found`);
    const line = `${opts.timestamps ? `${r.info.startedAt ?? r.info.createdAt} ` : ''}hollow container ${r.info.name}\n`;
    return Readable.from(r.info.startedAt ? [line] : []);
  }

  async exec(id: string): Promise<ExecResult> {
    this.check('exec');
    const r = this.find(id, 'exec');
    if (!r.info.running) throw new OkubeError('RuntimeError', `exec in ${id.slice(0, 12)}: container is not running`, { statusCode: 409 });
    return { exitCode: 0, output: '', timedOut: false };
  }

  events(): Observable<RuntimeEvent> {
    return this.events$.asObservable();
  }

  /** A client disconnecting does not end the (simulated) engine: containers stay. */
  async close(): Promise<void> {}

  /** Ends the engine itself: stops its exit timers and its events stream. */
  shutdown(): void {
    for (const r of this.containers.values()) clearTimeout(r.exitTimer);
    this.events$.complete();
  }

  /** How many containers exist (running or not). */
  get size(): number {
    return this.containers.size;
  }
}

/** One hollow engine per host string, so a Node that reconnects finds its containers again. */
export class HollowEngines {
  private readonly engines = new Map<string, HollowRuntime>();

  constructor(private readonly opts: Omit<HollowRuntimeOptions, 'host'> = {}) {}

  get(host: string): HollowRuntime {
    let e = this.engines.get(host);
    if (!e) this.engines.set(host, (e = new HollowRuntime({ ...this.opts, host })));
    return e;
  }

  all(): HollowRuntime[] {
    return [...this.engines.values()];
  }

  shutdown(): void {
    for (const e of this.engines.values()) e.shutdown();
  }
}
