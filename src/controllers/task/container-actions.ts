import { LABELS, type Task } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { EventSink } from '../../client/events.js';
import { refusedHostPortMessage, refusedHostPorts } from '../../api/host-port-policy.js';
import type { Runtime } from '../../runtime/runtime.js';
import { errorMessage, isOkubeError, OkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import type { NodeEntry } from '../node/node-registry.js';
import { buildContainerSpec, portsToAllocate } from './container-spec.js';
import type { EngineOps } from './engine-ops.js';
import { conflictingPorts, portConflictEvent, previousPorts, recordedPorts, retryOnOtherPorts } from './host-ports.js';
import type { Action, PlanEvent } from './plan.js';
import type { ConfigResult, PreparedConfig } from './task-config.js';
import type { VolumeFiles } from './volume-files.js';

// Carries out one container action of the Task plan on the Node's engine — create (and start),
// start, create ahead of its start (precreate), hand a stop or a pull to EngineOps — and nothing
// else: which action and when is plan()'s, the loop around it and the status are reconciler.ts's.
// Contract: an action either does what it says or throws (the reconciler turns the throw into
// status through failures.ts); the Events it causes go into the `events` list it is given, to be
// recorded after the status write. Host-port refusals are handled here, because only the engine's
// answer shows them: the container goes, the port is refused from then on (host-ports.ts decides
// whether another port is tried), an Event says so.

/** Tells the caller what is being done, for the failure reason of a throw (failures.ts). */
export type Doing = (a: Action) => void;

export interface ContainerActionsDeps {
  /** The Tasks (their status.ports: okube's record of the host ports held on each Node). */
  informer: Informer<Task>;
  volumeFiles: VolumeFiles;
  /** Stops and pulls run here, outside the workers. */
  ops: EngineOps;
  events: EventSink;
  /** Records a claim's first Node (volume.kubernetes.io/selected-node); answers the Node it is on. */
  bindClaim?: (namespace: string, name: string, node: string) => Promise<string>;
  now: () => Date;
}

export class ContainerActions {
  private readonly log = loggerFor('controller.task');

  constructor(private readonly deps: ContainerActionsDeps) {}

  /**
   * Creates and starts the Task's container (only creates it when `start` is false). Host ports
   * for `hostPort: 0` come from the Node's range minus what its engine publishes and what okube's
   * state records (host-ports.ts); when the engine still refuses the bind (another program holds
   * the port), the container goes, the port is skipped from then on, an Event says so, and another
   * port is tried — a few times, never the same port again. An image the engine does not have is
   * answered as `pullFailed`, for the plan to treat as a failed pull.
   */
  async create(task: Task, restartNumber: number, entry: NodeEntry, events: PlanEvent[], doing: Doing, config?: ConfigResult, start = true): Promise<void | { pullFailed: string }> {
    const rt = entry.runtime;
    if (!config || 'error' in config) throw new OkubeError('ConfigError', config?.error ?? 'the container configuration was not resolved');
    const cfg = config.config;
    for (const claim of cfg.unboundClaims) {
      const at = await this.deps.bindClaim?.(task.metadata.namespace!, claim, entry.name);
      if (at !== undefined && at !== entry.name) throw new OkubeError('ConfigError', `persistentvolumeclaim "${claim}" has its volume on node ${at}, not ${entry.name}`);
    }
    await this.deps.volumeFiles.ensure(rt, task, entry.name, cfg.files, cfg.filesHash, entry.cluster);
    const need = portsToAllocate(task);
    const owner = (i: number) => `${task.metadata.uid}/${i}`;
    // A Task bound without okube's admission (a real Kubernetes API server) meets the same rule here.
    const refused = refusedHostPorts(task.spec, entry.hostPorts);
    if (refused.length) throw new OkubeError('PortUnavailable', refusedHostPortMessage(task.spec.ports![refused[0]].hostPort!, entry.name, entry.hostPorts));
    for (let attempt = 1; ; attempt++) {
      doing({ kind: 'create', restartNumber });
      const allocated: number[] = [];
      try {
        if (need > 0) {
          const taken = [...(await rt.publishedPorts()), ...recordedPorts(this.tasksOn(entry.name), task.metadata.uid)];
          const previous = previousPorts(task);
          for (let i = 0; i < need; i++) allocated.push(entry.ports.allocate(owner(i), taken.concat(allocated), previous[i]));
        }
        const spec = buildContainerSpec(task, { nodeName: entry.name, cluster: entry.cluster, address: entry.address, restartNumber, allocatedPorts: allocated, env: cfg.env, mounts: cfg.mounts });
        let id: string;
        try {
          id = await rt.create(spec);
        } catch (err) {
          if (isOkubeError(err, 'ImageNotFound')) return { pullFailed: errorMessage(err) };
          // A container of this name exists: a crash between create and status. Adopt it.
          const existing = (await rt.list({ [LABELS.taskUid]: task.metadata.uid! })).find((c) => c.name === spec.name);
          if (!existing) throw err;
          id = existing.id;
        }
        events.push({ type: 'Normal', reason: 'Created', message: `Created container ${id.slice(0, 12)} (${spec.name})` });
        // Made ahead of its start (plan/next.ts): its host ports are checked again when it starts.
        if (!start) return;
        doing({ kind: 'start', id });
        try {
          await rt.start(id);
        } catch (err) {
          if (!retryOnOtherPorts(err, need, attempt)) throw err;
          await this.dropRefused(rt, entry, id, err, allocated, events);
          continue;
        }
        events.push({ type: 'Normal', reason: 'Started', message: `Started container ${id.slice(0, 12)}` });
        return;
      } finally {
        for (let i = 0; i < need; i++) entry.ports.release(owner(i));
      }
    }
  }

  /**
   * Starts a created container (the next one of a crash loop, or one whose start was cut short),
   * first writing the secret/configMap files that changed since it was made. A host port someone
   * took meanwhile: the container goes, so that the next plan creates one with another port.
   * `called` is told when the engine call is made.
   */
  async start(task: Task, id: string, entry: NodeEntry, events: PlanEvent[], config?: ConfigResult, called?: (atMs: number) => void): Promise<void> {
    const rt = entry.runtime;
    if (config && 'config' in config) await this.ensureFiles(task, entry, config.config);
    try {
      // The engine's start latency is learned from here to the container's StartedAt (start-latency.ts).
      called?.(Date.now());
      await rt.start(id);
    } catch (err) {
      if (!retryOnOtherPorts(err, portsToAllocate(task), 1)) throw err;
      const mine = (await rt.inspect(id))?.ports.map((p) => p.hostPort) ?? [];
      await this.dropRefused(rt, entry, id, err, mine, events);
      return;
    }
    events.push({ type: 'Normal', reason: 'Started', message: `Started container ${id.slice(0, 12)}` });
  }

  /**
   * The old exit removed, then the crash loop's next container created during the wait
   * (plan/next.ts); its Events are recorded at once (this runs after the status write). A
   * failure only costs the head start: it is logged and answered false, and the end of the wait
   * creates (and reports a failure) as it always did.
   */
  async precreate(key: string, task: Task, action: Extract<Action, { kind: 'precreate' }>, entry: NodeEntry, config?: ConfigResult): Promise<boolean> {
    const made: PlanEvent[] = [];
    try {
      // The old exit goes first, so the Task never has more than two containers, even for the
      // length of one call (the next one and the exit just seen).
      if (action.replaces) await entry.runtime.remove(action.replaces);
      const r = await this.create(task, action.restartNumber, entry, made, () => undefined, config, false);
      if (r && 'pullFailed' in r) throw new OkubeError('ImageNotFound', r.pullFailed);
      for (const e of made) await this.deps.events.record(task, e.type, e.reason, e.message);
      return true;
    } catch (err) {
      this.log.child({ key }).warn({ restartNumber: action.restartNumber, err: errorMessage(err) }, 'could not create the next container ahead of its start; it is created when the backoff ends');
      return false;
    }
  }

  /** Runs a stop or a pull outside the worker (engine-ops.ts); its end enqueues the Task again. */
  handOver(key: string, task: Task, action: Extract<Action, { kind: 'stop' | 'pullImage' }>, entry: NodeEntry): void {
    const since = this.deps.now().toISOString();
    const rt = entry.runtime;
    if (action.kind === 'stop') {
      this.deps.ops.run(key, { kind: 'stop', containerId: action.id, graceSeconds: action.graceSeconds, reason: action.reason, since }, () => rt.stop(action.id, action.graceSeconds));
      return;
    }
    const image = task.spec.image;
    this.deps.ops.run(key, { kind: 'pull', image, since }, () => rt.pullImage(image));
  }

  /** Writes the Task's secret/configMap volume files when they changed (a no-op otherwise). */
  ensureFiles(task: Task, entry: NodeEntry, config: PreparedConfig): Promise<void> {
    return this.deps.volumeFiles.ensure(entry.runtime, task, entry.name, config.files, config.filesHash, entry.cluster);
  }

  /** The engine would not bind `ports`: the container goes, the ports it names are refused from now on, an Event says so. */
  private async dropRefused(rt: Runtime, entry: NodeEntry, id: string, err: unknown, ports: readonly number[], events: PlanEvent[]): Promise<void> {
    await rt.remove(id);
    const refused = conflictingPorts(err, ports);
    for (const port of refused) entry.ports.refuse(port);
    events.push(portConflictEvent(entry.name, refused, err));
  }

  /** The Tasks bound to a Node, from the informer (its `node` index when it has one). */
  private tasksOn(node: string): Task[] {
    try {
      return this.deps.informer.byIndex('node', node);
    } catch {
      return this.deps.informer.list().filter((t) => t.spec.nodeName === node);
    }
  }
}
