// One hollow Docker engine: the subset of the Docker Engine API that okube's DockerRuntime
// (src/runtime/docker-runtime.ts, through dockerode) calls, answered over HTTP with Docker's JSON
// shapes, with no process behind any container. A container is a record; "running" is a flag; a
// command of the form `sh -c 'sleep S; exit N'` exits by itself with N after S seconds, anything
// else runs until stopped (SIGTERM: exit 143 at once) or killed (137). The scale benchmark puts
// many of these behind unix sockets (server.ts) so the real `okube controllers` pays the same
// client costs (HTTP, JSON, the events stream, per-Node polling) as on real engines.
//
// Answered: GET/HEAD /_ping, /version, /info; images inspect and pull (every image is present
// unless `images` is given); containers create/start/stop/kill/restart/remove/inspect/list (label,
// status, id and name filters)/wait/stats (one-shot)/logs (empty)/archive (accepted, discarded);
// volumes list/remove (volumes come from containers' volume Mounts); /events (a stream with
// `since` replay from a bounded history). Anything else: 501 with a Docker-style message, so a
// gap shows up as an error in okube's logs rather than a hang. An optional /v1.NN prefix is accepted.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HollowEngineOptions {
  name: string;
  ncpu?: number;
  memoryBytes?: number;
  /** Images present; default: every image is present. */
  images?: string[];
  /** How many past events `since` can replay (default 2,000). */
  eventHistory?: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const API_VERSION = '1.43';

interface CreateBody {
  Image?: string;
  Entrypoint?: string[] | string | null;
  Cmd?: string[] | string | null;
  Env?: string[];
  Labels?: Record<string, string>;
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  HostConfig?: {
    PortBindings?: Record<string, Array<{ HostIp?: string; HostPort?: string }>>;
    Mounts?: Array<{ Type?: string; Source?: string; Target?: string; VolumeOptions?: { Labels?: Record<string, string> } }>;
    [k: string]: unknown;
  };
}

interface Container {
  id: string;
  name: string;
  created: Date;
  body: CreateBody;
  status: 'created' | 'running' | 'exited' | 'removing';
  pid: number;
  exitCode: number;
  startedAt?: Date;
  finishedAt?: Date;
  exitTimer?: NodeJS.Timeout;
  waiters: Array<(code: number) => void>;
  cpuNanos: number;
}

interface DockerEvent {
  Type: 'container';
  Action: string;
  status: string;
  id: string;
  from: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

/** An error that leaves as Docker's `{"message": …}` with its status code. */
class DockerApiError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

const asArray = (v: string[] | string | null | undefined): string[] => (v == null ? [] : Array.isArray(v) ? v : [v]);

/** The simulated process's own end: `sleep S; exit N` anywhere in the command line. */
export function scriptedExit(argv: string[]): { afterMs: number; exitCode: number } | undefined {
  const m = /sleep ([\d.]+); exit (\d+)/.exec(argv.join(' '));
  return m ? { afterMs: Number(m[1]) * 1000, exitCode: Number(m[2]) } : undefined;
}

/** Docker's `filters` query: {"label": ["k=v", "k"], "status": ["running"], …}. */
function parseFilters(raw: string | null): Record<string, string[]> {
  if (!raw) return {};
  const f = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
  // The old form is {"label": {"k=v": true}}.
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.isArray(v) ? v : Object.keys(v)]));
}

function labelsMatch(labels: Record<string, string>, wanted: string[] | undefined): boolean {
  for (const w of wanted ?? []) {
    const eq = w.indexOf('=');
    if (eq < 0 ? !(w in labels) : labels[w.slice(0, eq)] !== w.slice(eq + 1)) return false;
  }
  return true;
}

export class HollowEngine {
  readonly name: string;
  private readonly containers = new Map<string, Container>();
  private readonly byName = new Map<string, Container>();
  private readonly history: DockerEvent[] = [];
  private readonly watchers = new Set<{ res: ServerResponse; filters: Record<string, string[]> }>();
  private readonly images?: Set<string>;
  /** Requests served, by `METHOD /path` with container ids as :id (what a client costs the engine). */
  readonly calls = new Map<string, number>();
  private nextPid = 1000;
  private lastTimeNano = 0;

  constructor(private readonly opts: HollowEngineOptions) {
    this.name = opts.name;
    this.images = opts.images ? new Set(opts.images) : undefined;
  }

  get size(): number {
    return this.containers.size;
  }

  get running(): number {
    let n = 0;
    for (const c of this.containers.values()) if (c.status === 'running') n++;
    return n;
  }

  /** Ends every open events stream and exit timer (the engine going away). */
  shutdown(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
    for (const c of this.containers.values()) clearTimeout(c.exitTimer);
  }

  /** The http.Server request handler. */
  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        this.route(req, res, Buffer.concat(chunks));
      } catch (err) {
        const e = err instanceof DockerApiError ? err : new DockerApiError(500, (err as Error).message);
        if (!res.headersSent) this.json(res, e.statusCode, { message: e.message });
        else res.destroy();
      }
    });
  };

  private json(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Api-Version': API_VERSION });
    res.end(text);
  }

  private empty(res: ServerResponse, code: number): void {
    res.writeHead(code, { 'Api-Version': API_VERSION });
    res.end();
  }

  private find(ref: string): Container {
    const c = this.containers.get(ref) ?? this.byName.get(ref.replace(/^\//, ''));
    if (c) return c;
    if (ref.length >= 4) for (const x of this.containers.values()) if (x.id.startsWith(ref)) return x;
    throw new DockerApiError(404, `No such container: ${ref}`);
  }

  private route(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://hollow');
    const path = url.pathname.replace(/^\/v\d+\.\d+(?=\/)/, '');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    const call = `${method} ${path.replace(/^\/containers\/(?!json$|create$)[^/]+/, '/containers/:id')}`;
    this.calls.set(call, (this.calls.get(call) ?? 0) + 1);
    let m: RegExpExecArray | null;

    if (path === '/_ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Api-Version': API_VERSION });
      return void res.end(method === 'HEAD' ? undefined : 'OK');
    }
    if (path === '/version' && method === 'GET') return this.json(res, 200, this.version());
    if (path === '/info' && method === 'GET') return this.json(res, 200, this.info());
    if (path === '/events' && method === 'GET') return this.events(req, res, q);
    if (path === '/images/create' && method === 'POST') return this.pull(res, q);
    if ((m = /^\/images\/(.+)\/json$/.exec(path)) && method === 'GET') return this.json(res, 200, this.imageInspect(decodeURIComponent(m[1])));
    if (path === '/containers/json' && method === 'GET') return this.json(res, 200, this.list(q));
    if (path === '/containers/create' && method === 'POST') return this.json(res, 201, { Id: this.create(q.get('name') ?? '', body), Warnings: [] });
    if (path === '/volumes' && method === 'GET') return this.json(res, 200, { Volumes: this.volumes(parseFilters(q.get('filters'))), Warnings: [] });
    if ((m = /^\/volumes\/([^/]+)$/.exec(path)) && method === 'DELETE') return this.removeVolume(decodeURIComponent(m[1]));
    if ((m = /^\/containers\/([^/]+)(\/[a-z]+)?$/.exec(path))) {
      const c = this.find(decodeURIComponent(m[1]));
      switch (`${method} ${m[2] ?? ''}`) {
        case 'GET /json':
          return this.json(res, 200, this.inspect(c));
        case 'POST /start':
          if (c.status === 'running') return this.empty(res, 304);
          this.start(c);
          return this.empty(res, 204);
        case 'POST /stop':
          if (c.status !== 'running') return this.empty(res, 304);
          this.exit(c, 143, 'stop');
          return this.empty(res, 204);
        case 'POST /kill':
          if (c.status !== 'running') throw new DockerApiError(409, `Cannot kill container: ${c.id}: Container ${c.id} is not running`);
          this.exit(c, 137, 'kill');
          return this.empty(res, 204);
        case 'POST /restart':
          if (c.status === 'running') this.exit(c, 143, 'stop');
          this.start(c);
          return this.empty(res, 204);
        case 'DELETE ':
          this.remove(c, q.get('force') === 'true' || q.get('force') === '1');
          return this.empty(res, 204);
        case 'POST /wait':
          return this.wait(c, res);
        case 'GET /stats':
          return this.json(res, 200, this.stats(c));
        case 'GET /logs':
          res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream', 'Api-Version': API_VERSION });
          return void res.end();
        case 'PUT /archive':
          return this.empty(res, 200);
      }
    }
    throw new DockerApiError(501, `hollow engine ${this.name}: ${method} ${path} is not implemented`);
  }

  private version(): object {
    return { Version: '24.0.0-hollow', ApiVersion: API_VERSION, MinAPIVersion: '1.12', GitCommit: 'hollow', GoVersion: 'none', Os: 'linux', Arch: process.arch, KernelVersion: process.version };
  }

  private info(): object {
    return {
      ID: this.name,
      Name: this.name,
      Containers: this.containers.size,
      ContainersRunning: this.running,
      ContainersPaused: 0,
      ContainersStopped: this.containers.size - this.running,
      Images: this.images?.size ?? 1,
      NCPU: this.opts.ncpu ?? 16,
      MemTotal: this.opts.memoryBytes ?? 64 * 1024 ** 3,
      ServerVersion: `24.0.0-hollow (${this.name})`,
      OperatingSystem: 'hollow',
      OSType: 'linux',
      KernelVersion: process.version,
      Architecture: process.arch,
      Driver: 'hollow',
    };
  }

  private imagePresent(image: string): boolean {
    return !this.images || this.images.has(image) || this.images.has(`${image}:latest`);
  }

  private imageInspect(image: string): object {
    if (!this.imagePresent(image)) throw new DockerApiError(404, `No such image: ${image}`);
    return { Id: `sha256:${Buffer.from(image).toString('hex').padEnd(64, '0').slice(0, 64)}`, RepoTags: [image], Config: { User: '', Env: [], Cmd: ['sh'] }, Os: 'linux', Architecture: process.arch, Size: 0 };
  }

  private pull(res: ServerResponse, q: URLSearchParams): void {
    const image = `${q.get('fromImage') ?? ''}${q.get('tag') ? `:${q.get('tag')}` : ''}`;
    this.images?.add(image);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
    res.end(`${JSON.stringify({ status: `Pulling from ${image}` })}\n${JSON.stringify({ status: `Status: Image is up to date for ${image}` })}\n`);
  }

  private create(name: string, raw: Buffer): string {
    const body = JSON.parse(raw.toString() || '{}') as CreateBody;
    const image = body.Image ?? '';
    if (!this.imagePresent(image)) throw new DockerApiError(404, `No such image: ${image}`);
    if (!name) name = randomBytes(6).toString('hex');
    const taken = this.byName.get(name);
    if (taken) throw new DockerApiError(409, `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    const c: Container = { id: randomBytes(32).toString('hex'), name, created: new Date(), body, status: 'created', pid: 0, exitCode: 0, waiters: [], cpuNanos: 0 };
    this.containers.set(c.id, c);
    this.byName.set(name, c);
    this.emit('create', c);
    return c.id;
  }

  private start(c: Container): void {
    if (c.status === 'removing') throw new DockerApiError(409, `container ${c.id} is marked for removal and cannot be started`);
    c.status = 'running';
    c.pid = this.nextPid++;
    c.startedAt = new Date();
    c.finishedAt = undefined;
    c.exitCode = 0;
    this.emit('start', c);
    const end = scriptedExit([...asArray(c.body.Entrypoint), ...asArray(c.body.Cmd)]);
    if (end) {
      c.exitTimer = setTimeout(() => c.status === 'running' && this.exit(c, end.exitCode), end.afterMs);
      c.exitTimer.unref();
    }
  }

  /** The process ends: `die` with the exit code (after `kill` for a signal, before `stop`). */
  private exit(c: Container, exitCode: number, how?: 'stop' | 'kill'): void {
    clearTimeout(c.exitTimer);
    if (how) this.emit('kill', c, { signal: how === 'stop' ? '15' : '9' });
    c.status = 'exited';
    c.exitCode = exitCode;
    c.pid = 0;
    c.finishedAt = new Date();
    c.cpuNanos += Math.max(0, c.finishedAt.getTime() - (c.startedAt?.getTime() ?? 0)) * 1000;
    this.emit('die', c, { exitCode: String(exitCode) });
    if (how === 'stop') this.emit('stop', c);
    for (const w of c.waiters.splice(0)) w(exitCode);
  }

  private remove(c: Container, force: boolean): void {
    if (c.status === 'running') {
      if (!force) throw new DockerApiError(409, `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
      this.exit(c, 137, 'kill');
    }
    this.containers.delete(c.id);
    this.byName.delete(c.name);
    c.status = 'removing';
    this.emit('destroy', c);
  }

  private wait(c: Container, res: ServerResponse): void {
    if (c.status !== 'running') return this.json(res, 200, { StatusCode: c.exitCode, Error: null });
    res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
    res.flushHeaders();
    const waiter = (code: number) => res.end(JSON.stringify({ StatusCode: code, Error: null }));
    c.waiters.push(waiter);
    res.on('close', () => {
      const i = c.waiters.indexOf(waiter);
      if (i >= 0) c.waiters.splice(i, 1);
    });
  }

  private ports(c: Container): Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> {
    const out: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> = [];
    for (const [key, binds] of Object.entries(c.body.HostConfig?.PortBindings ?? {})) {
      const [port, proto] = key.split('/');
      for (const b of binds ?? []) out.push({ IP: b.HostIp || '0.0.0.0', PrivatePort: Number(port), ...(c.status === 'running' && b.HostPort ? { PublicPort: Number(b.HostPort) } : {}), Type: proto ?? 'tcp' });
    }
    return out;
  }

  private labels(c: Container): Record<string, string> {
    return c.body.Labels ?? {};
  }

  private statusText(c: Container): string {
    if (c.status === 'running') return `Up ${Math.round((Date.now() - (c.startedAt?.getTime() ?? Date.now())) / 1000)} seconds`;
    if (c.status === 'exited') return `Exited (${c.exitCode}) ${Math.round((Date.now() - (c.finishedAt?.getTime() ?? Date.now())) / 1000)} seconds ago`;
    return 'Created';
  }

  private list(q: URLSearchParams): object[] {
    const all = q.get('all') === 'true' || q.get('all') === '1';
    const f = parseFilters(q.get('filters'));
    const out: object[] = [];
    for (const c of this.containers.values()) {
      if (!all && c.status !== 'running' && !f.status) continue;
      if (f.status && !f.status.includes(c.status)) continue;
      if (!labelsMatch(this.labels(c), f.label)) continue;
      if (f.id && !f.id.some((id) => c.id.startsWith(id))) continue;
      if (f.name && !f.name.some((n) => c.name.includes(n.replace(/^\//, '')))) continue;
      out.push({
        Id: c.id,
        Names: [`/${c.name}`],
        Image: c.body.Image,
        ImageID: `sha256:${'0'.repeat(64)}`,
        Command: [...asArray(c.body.Entrypoint), ...asArray(c.body.Cmd)].join(' '),
        Created: Math.floor(c.created.getTime() / 1000),
        Ports: this.ports(c),
        Labels: this.labels(c),
        State: c.status,
        Status: this.statusText(c),
        HostConfig: { NetworkMode: 'default' },
        NetworkSettings: { Networks: {} },
        Mounts: [],
      });
    }
    return out;
  }

  private inspect(c: Container): object {
    const ports: Record<string, Array<{ HostIp: string; HostPort: string }> | null> = {};
    if (c.status === 'running') for (const p of this.ports(c)) (ports[`${p.PrivatePort}/${p.Type}`] ??= []).push({ HostIp: p.IP ?? '0.0.0.0', HostPort: String(p.PublicPort ?? '') });
    return {
      Id: c.id,
      Created: c.created.toISOString(),
      Path: asArray(c.body.Entrypoint)[0] ?? asArray(c.body.Cmd)[0] ?? '',
      Args: [...asArray(c.body.Entrypoint), ...asArray(c.body.Cmd)].slice(1),
      State: {
        Status: c.status === 'removing' ? 'removing' : c.status,
        Running: c.status === 'running',
        Paused: false,
        Restarting: false,
        OOMKilled: false,
        Dead: false,
        Pid: c.pid,
        ExitCode: c.exitCode,
        Error: '',
        StartedAt: c.startedAt?.toISOString() ?? ZERO_TIME,
        FinishedAt: c.finishedAt?.toISOString() ?? ZERO_TIME,
      },
      Image: `sha256:${'0'.repeat(64)}`,
      Name: `/${c.name}`,
      RestartCount: 0,
      Driver: 'hollow',
      Platform: 'linux',
      HostConfig: { ...(c.body.HostConfig ?? {}), PortBindings: c.body.HostConfig?.PortBindings ?? {} },
      Mounts: [],
      Config: {
        Hostname: c.id.slice(0, 12),
        User: c.body.User ?? '',
        ExposedPorts: c.body.ExposedPorts ?? {},
        Env: c.body.Env ?? [],
        Cmd: c.body.Cmd ?? null,
        Entrypoint: c.body.Entrypoint ?? null,
        Image: c.body.Image,
        WorkingDir: c.body.WorkingDir ?? '',
        Labels: this.labels(c),
      },
      NetworkSettings: { Ports: ports, Networks: {} },
    };
  }

  private stats(c: Container): object {
    const running = c.status === 'running';
    const cpu = c.cpuNanos + (running ? (Date.now() - (c.startedAt?.getTime() ?? Date.now())) * 1000 : 0);
    return {
      read: running ? new Date().toISOString() : ZERO_TIME,
      preread: ZERO_TIME,
      id: c.id,
      name: `/${c.name}`,
      num_procs: 0,
      cpu_stats: { cpu_usage: { total_usage: cpu }, online_cpus: this.opts.ncpu ?? 16 },
      memory_stats: running ? { usage: 1024 * 1024, limit: this.opts.memoryBytes ?? 64 * 1024 ** 3, stats: { inactive_file: 0 } } : {},
    };
  }

  private volumes(f: Record<string, string[]>): Array<{ Name: string; Driver: string; Mountpoint: string; Labels: Record<string, string>; Scope: string }> {
    const seen = new Map<string, Record<string, string>>();
    for (const c of this.containers.values()) {
      for (const m of c.body.HostConfig?.Mounts ?? []) if (m.Type === 'volume' && m.Source && !seen.has(m.Source)) seen.set(m.Source, m.VolumeOptions?.Labels ?? {});
    }
    return [...seen].filter(([, labels]) => labelsMatch(labels, f.label)).map(([name, labels]) => ({ Name: name, Driver: 'local', Mountpoint: `/hollow/volumes/${name}`, Labels: labels, Scope: 'local' }));
  }

  private removeVolume(name: string): never {
    // A volume lives while a container mounts it (this engine keeps no volume apart from them).
    if (this.volumes({}).some((v) => v.Name === name)) throw new DockerApiError(409, `remove ${name}: volume is in use`);
    throw new DockerApiError(404, `get ${name}: no such volume`);
  }

  private events(req: IncomingMessage, res: ServerResponse, q: URLSearchParams): void {
    const filters = parseFilters(q.get('filters'));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
    res.flushHeaders();
    const since = q.get('since');
    if (since !== null) {
      const fromNano = Number(since) * 1e9;
      for (const ev of this.history) if (ev.timeNano >= fromNano && this.wanted(ev, filters)) res.write(`${JSON.stringify(ev)}\n`);
    }
    const w = { res, filters };
    this.watchers.add(w);
    req.socket.on('close', () => this.watchers.delete(w));
    res.on('close', () => this.watchers.delete(w));
  }

  private wanted(ev: DockerEvent, f: Record<string, string[]>): boolean {
    if (f.type && !f.type.includes(ev.Type)) return false;
    if (f.event && !f.event.includes(ev.Action)) return false;
    if (f.container && !f.container.some((x) => ev.id.startsWith(x) || ev.Actor.Attributes.name === x)) return false;
    return labelsMatch(ev.Actor.Attributes, f.label);
  }

  private emit(action: string, c: Container, extra: Record<string, string> = {}): void {
    // timeNano must grow strictly: the client deduplicates events by (timeNano, id, action).
    const now = Date.now() * 1e6;
    this.lastTimeNano = Math.max(now, this.lastTimeNano + 1);
    const ev: DockerEvent = {
      Type: 'container',
      Action: action,
      status: action,
      id: c.id,
      from: c.body.Image ?? '',
      Actor: { ID: c.id, Attributes: { ...this.labels(c), image: c.body.Image ?? '', name: c.name, ...extra } },
      scope: 'local',
      time: Math.floor(this.lastTimeNano / 1e9),
      timeNano: this.lastTimeNano,
    };
    this.history.push(ev);
    if (this.history.length > (this.opts.eventHistory ?? 2000)) this.history.splice(0, this.history.length - (this.opts.eventHistory ?? 2000));
    // Docker delivers events on its own stream, after the API call that caused them has answered.
    setImmediate(() => {
      const line = `${JSON.stringify(ev)}\n`;
      for (const w of this.watchers) if (this.wanted(ev, w.filters)) w.res.write(line);
    });
  }
}
