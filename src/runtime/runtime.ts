import type { Observable } from 'rxjs';
import type { Readable } from 'node:stream';

// What the controllers need from a container host. The Docker implementation lives beside this
// file; a hollow in-process implementation serves scale benchmarks.

export interface PortBinding {
  containerPort: number;
  hostPort: number;
  protocol: 'TCP' | 'UDP';
  /** Interface the port is published on (a Node's loopback address in tests). */
  hostIP?: string;
}

/** A volume, bind or tmpfs mount (Docker's HostConfig.Mounts). */
export interface Mount {
  type: 'volume' | 'bind' | 'tmpfs';
  /** Volume name or host path (none for tmpfs). */
  source?: string;
  target: string;
  readOnly?: boolean;
  /** Labels of a named volume Docker creates on first use. */
  volumeLabels?: Record<string, string>;
  tmpfsSizeBytes?: number;
  /** bind: create a missing host directory (hostPath type DirectoryOrCreate). */
  createHostPath?: boolean;
}

/** How the container runs: user, privileges, limits that keep the host safe, log rotation. */
export interface ContainerSecurity {
  /** "uid" or "uid:gid". */
  user?: string;
  readOnlyRootfs?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
  pidsLimit?: number;
  log?: { type: string; config: Record<string, string> };
}

/** A file put into a container's filesystem (volume-files.ts). */
export interface FileEntry {
  path: string;
  content: Buffer;
  mode: number;
}

export interface ContainerSpec {
  name: string;
  hostname?: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, string>;
  labels: Record<string, string>;
  ports?: PortBinding[];
  /** CPU limit in nano-CPUs (1e9 = one core). */
  nanoCpus?: number;
  memoryBytes?: number;
  workingDir?: string;
  mounts?: Mount[];
  security?: ContainerSecurity;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ListOptions {
  /** false: the list call's summary only, no inspect per container (default true). */
  details?: boolean;
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  status: ContainerStatus;
  running: boolean;
  exitCode?: number;
  oomKilled?: boolean;
  /** Docker's own error text (e.g. exec format error) when start failed. */
  error?: string;
  createdAt?: string;
  startedAt?: string;
  finishedAt?: string;
  ports: PortBinding[];
}

/**
 * Created and never started: no start was tried (a start the engine refused leaves its error), so
 * the container has no process, output or exit of its own — e.g. a crash-looping Task's next
 * container, made during the backoff wait so that only `start` remains when the wait ends.
 */
export function neverStarted(c: ContainerInfo): boolean {
  return c.status === 'created' && !c.running && !c.error;
}

/**
 * Not a Docker action: the events stream was lost and is back, and what happened meanwhile may be
 * missing from it (an engine that restarted remembers no events from before), so whoever keeps
 * a picture of the engine's containers should list them again now.
 */
export const RECONNECTED = 'reconnected';

export interface RuntimeEvent {
  /** Docker event action: create, start, die, kill, oom, destroy, stop, ...; or RECONNECTED. */
  action: string;
  containerId: string;
  labels: Record<string, string>;
  exitCode?: number;
  /** Milliseconds since epoch. */
  time: number;
}

export interface HostInfo {
  ncpu: number;
  memoryBytes: number;
  dockerVersion: string;
  operatingSystem: string;
  kernelVersion: string;
  architecture: string;
}

/** One reading of a running container's resource counters (Docker's one-shot stats). */
export interface ContainerUsage {
  id: string;
  labels: Record<string, string>;
  /** CPU time used since the container started, nanoseconds (a counter: rates need two readings). */
  cpuNanos: number;
  /** Memory in use without the reclaimable page cache, as `docker stats` shows it. */
  memoryBytes: number;
  /** When the engine read the counters, ms since epoch. */
  readAt: number;
}

export interface LogOptions {
  follow?: boolean;
  tail?: number;
  /** Unix time in seconds (fractional): only output after it. */
  since?: number;
  timestamps?: boolean;
}

export interface ExecResult { exitCode: number; output: string; timedOut: boolean }

export interface Runtime {
  /** Resolves when the engine answers; rejects with OkubeError('Unavailable') otherwise. */
  ping(): Promise<void>;
  /**
   * Ends every connection to the engine, in use or kept: calls waiting on an engine that stopped
   * answering fail now instead of at the client's idle timeout. Later calls connect afresh.
   */
  dropConnections?(): void;
  info(): Promise<HostInfo>;
  imagePresent(image: string): Promise<boolean>;
  /** Pulls an image; rejects with OkubeError('ImageNotFound') when no registry has it. */
  pullImage(image: string): Promise<void>;
  create(spec: ContainerSpec): Promise<string>;
  /** The image's configured user (Config.User, "" for root); undefined when the image is absent. */
  imageUser(image: string): Promise<string | undefined>;
  /** Writes files under dir in a (created or running) container, replacing what is there. */
  putFiles(id: string, dir: string, files: FileEntry[]): Promise<void>;
  /** The volumes whose labels include every given label. */
  listVolumes(labels: Record<string, string>): Promise<Array<{ name: string; labels: Record<string, string> }>>;
  /** Removes the volumes whose labels include every given label (in use: RuntimeError). */
  removeVolumes(labels: Record<string, string>): Promise<void>;
  start(id: string): Promise<void>;
  /** SIGTERM, wait graceSeconds, then SIGKILL. Resolves once stopped (no-op when not running). */
  stop(id: string, graceSeconds: number): Promise<void>;
  /** Removes the container (force kills a running one); no-op when already gone. */
  remove(id: string): Promise<void>;
  inspect(id: string): Promise<ContainerInfo | undefined>;
  /**
   * Containers (running or not) whose labels include every given label. With `details: false`
   * only what the engine's list answer holds (id, name, image, labels, status, running): no exit
   * code, times or ports, and on Docker no inspect per container — for callers that need only
   * ids and labels (orphan collection walks a Node's every container each period).
   */
  list(labels: Record<string, string>, opts?: ListOptions): Promise<ContainerInfo[]>;
  /**
   * Host ports the engine's containers publish, okube's and anyone else's (one list call, no
   * inspects): what a port allocator must not hand out on this Node.
   */
  publishedPorts(): Promise<number[]>;
  /** Counters of the running containers whose labels include every given label (one-shot stats each). */
  usage(labels: Record<string, string>): Promise<ContainerUsage[]>;
  logs(id: string, opts: LogOptions): Promise<Readable>;
  exec(id: string, command: string[], timeoutMs: number): Promise<ExecResult>;
  /** Container lifecycle events as they happen; reconnects itself after engine restarts. */
  events(): Observable<RuntimeEvent>;
  close(): Promise<void>;
}
