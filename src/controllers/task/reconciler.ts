import { LABELS, TASK_FINALIZER, type NodeSpec, type PublishedPort, type Task, type TaskStatus } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { EventSink } from '../../client/events.js';
import type { RuntimeEvent } from '../../runtime/runtime.js';
import { errorMessage, isOkubeError, OkubeError } from '../../util/errors.js';
import { refusedHostPortMessage, refusedHostPorts } from '../../api/host-port-policy.js';
import { loggerFor } from '../../util/logger.js';
import { forgetTask, recordTaskStatus } from '../../metrics/controllers.js';
import type { ReconcileResult } from '../controller.js';
import type { NodeEntry, NodeRegistry } from '../node/node-registry.js';
import { buildContainerSpec, configHash, portsToAllocate } from './container-spec.js';
import { plan, type Action, type PlanEvent, type ProbeView } from './plan.js';
import { EngineOps, type Requeue } from './engine-ops.js';
import { clearFailure, isContainerFailure, opFailureEvent, reportFailure, retryDelayMs } from './failures.js';
import { drainTask, evictionRequested } from './drain.js';
import { conflictingPorts, isPortConflict, previousPorts, recordedPorts } from './host-ports.js';
import { rescheduleWithStatus, type TaskEvictor } from '../node/task-evictor.js';
import type { ConfigSource } from './config-source.js';
import { needsImageUser } from './security-context.js';
import { prepareConfig, type ClaimSource, type ConfigResult, type PreparedConfig } from './task-config.js';
import { VolumeFiles } from './volume-files.js';
import { isReady, noTrafficGate, passGate, TRAFFIC_GATE_TIMEOUT_MS, writeGated, type TrafficGate } from './traffic-gate.js';

// Carries out the Task plan: reads the Task and its Node's containers, asks plan() what to do,
// does it through the Runtime and the API, and writes status (only when it changed, guarded
// by resourceVersion). Probes plug in through ProbeSupervisor.

export interface ProbeSupervisor {
  /** Probe this container (idempotent; a new container id restarts the probes). */
  ensure(key: string, task: Task, containerId: string, node: NodeEntry, ports: PublishedPort[]): void;
  stop(key: string): void;
  view(key: string): ProbeView | undefined;
}

export const noProbes: ProbeSupervisor = { ensure: () => undefined, stop: () => undefined, view: () => undefined };

export interface TaskReconcilerDeps {
  tasks: ResourceClient<Task>;
  informer: Informer<Task>;
  registry: NodeRegistry;
  events: EventSink;
  probes?: ProbeSupervisor;
  /** Moves Tasks off a Node being drained. */
  evictor?: TaskEvictor;
  /** Brings a Task back when a long engine call made for it ends (the task controller's queue). */
  requeue?: Requeue;
  /** A Task being deleted is still a ready endpoint somewhere (endpoints/drain-gate.ts): wait before SIGTERM. */
  endpointsDraining?: (task: Task, now: Date) => boolean;
  /** Secrets and ConfigMaps (env references, config volumes) and claims, from the informers' caches. */
  config?: ConfigSource;
  claims?: ClaimSource;
  /** Records a claim's first Node (volume.kubernetes.io/selected-node); answers the Node it is on. */
  bindClaim?: (namespace: string, name: string, node: string) => Promise<string>;
  /** The Node's spec (its allowedHostPaths), from the Node informer. */
  nodeSpec?: (name: string) => NodeSpec | undefined;
  /** Stops traffic to a Task before a status write turns it unready (traffic-gate.ts; standalone's data plane). */
  trafficGate?: TrafficGate;
  /** How long a write waits for the gate (default TRAFFIC_GATE_TIMEOUT_MS). */
  trafficGateTimeoutMs?: number;
  now?: () => Date;
}

const NO_CONFIG: ConfigSource = { get: () => undefined };
const NO_CLAIMS: ClaimSource = { get: () => undefined };

function rvNumber(t: Task | undefined): number {
  return Number(t?.metadata.resourceVersion ?? -1);
}

/** Containers created in one pass when the engine keeps refusing the host ports chosen. */
const PORT_ATTEMPTS = 3;

/** The Event for a host port the engine would not bind. */
function portConflictEvent(node: string, ports: number[], err: unknown): PlanEvent {
  return { type: 'Warning', reason: 'HostPortConflict', message: `host port ${ports.join(', ')} on node ${node} is held by another program (${errorMessage(err)}); allocating another` };
}

export function taskKeyForContainerEvent(ev: RuntimeEvent): string | undefined {
  const ns = ev.labels[LABELS.namespace];
  const name = ev.labels[LABELS.name];
  return ns && name && ev.labels[LABELS.managed] === 'true' ? `${ns}/${name}` : undefined;
}

export class TaskReconciler {
  private readonly log = loggerFor('controller.task');
  /** What this controller last wrote, for when the informer has not caught up yet. */
  private readonly latest = new Map<string, Task>();
  /** Stops and pulls under way, outside the workers. */
  readonly ops: EngineOps;
  /** Secret and configMap volume files written per Task. */
  readonly volumeFiles = new VolumeFiles();
  /** Per Task: the restart number whose container could not be made ahead of its start (plan/next.ts). */
  private readonly precreateFailed = new Map<string, number>();

  constructor(private readonly deps: TaskReconcilerDeps) {
    this.ops = new EngineOps(deps.requeue ?? (() => undefined));
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  private probes(): ProbeSupervisor {
    return this.deps.probes ?? noProbes;
  }

  /** The freshest copy of the Task: the informer's or our own last write, whichever is newer. */
  private current(key: string): Task | undefined {
    const cached = this.deps.informer.get(key);
    const mine = this.latest.get(key);
    if (!cached) return undefined;
    return mine && mine.metadata.uid === cached.metadata.uid && rvNumber(mine) > rvNumber(cached) ? mine : cached;
  }

  private remember(key: string, t: Task): Task {
    this.latest.set(key, t);
    return t;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const task = this.current(key);
    if (!task) {
      this.probes().stop(key);
      this.latest.delete(key);
      this.precreateFailed.delete(key);
      this.ops.forget(key);
      forgetTask(key);
      return {};
    }
    const failures = this.ops.takeFailures(key);
    let action: Action | undefined;
    try {
      return await this.sync(key, task, failures, (a) => (action = a));
    } catch (err) {
      // Whatever the user can act on reaches the Task (status and an Event), not only this log.
      const t = this.current(key) ?? task;
      const written = await reportFailure(t, action, err, { tasks: this.gatedTasks(key, t), events: this.deps.events, now: this.now() });
      if (written) this.remember(key, written);
      // A container that could not be created or started waits on the Task's backoff, not the queue's.
      const retryMs = written ? retryDelayMs(written.status, this.now()) : undefined;
      if (retryMs !== undefined) return { requeueAfterMs: Math.max(retryMs, 1) };
      throw err;
    }
  }

  private async sync(key: string, task: Task, opFailures: ReturnType<EngineOps['takeFailures']>, doing: (a: Action | undefined) => void): Promise<ReconcileResult> {
    const log = this.log.child({ key });

    if (evictionRequested(task) && this.deps.evictor) return this.drain(key, task, this.deps.evictor);
    // Binding is the scheduler's (src/controllers/scheduler); the plan only adds the finalizer or handles deletion.
    if (!task.spec.nodeName && !task.metadata.deletionTimestamp && task.metadata.finalizers?.includes(TASK_FINALIZER)) return {};

    const entry = task.spec.nodeName ? this.deps.registry.get(task.spec.nodeName) : undefined;
    if (task.spec.nodeName && !entry) {
      if (task.metadata.deletionTimestamp) {
        // The Node is gone: nothing okube can stop any more.
        await this.removeFinalizer(key, task);
        return {};
      }
      return { requeueAfterMs: 5000 };
    }
    if (entry && !entry.ready && !task.metadata.deletionTimestamp) return { requeueAfterMs: 5000 };

    let status: TaskStatus = task.status ?? {};
    // When to look again, as a time: a timer (nextRestartAt) counts from the plan, not from the end of this reconcile.
    let requeueAt: number | undefined;
    const events: PlanEvent[] = [];
    for (const f of opFailures) if (f.op.kind === 'stop') events.push(opFailureEvent(f));
    // A pull that failed outside the worker (or a create that found no image): the plan says
    // ErrImagePull/ImagePullBackOff and when to try again.
    const opPullFailure = task.metadata.deletionTimestamp ? undefined : opFailures.find((f) => f.op.kind === 'pull')?.message;
    let pullFailure = opPullFailure;

    // Another pass right after a create/start observes the new container, so one status write
    // says Running instead of a write for "creating" and another on the next reconcile; one
    // right after handing a stop or pull to the engine writes the state it leaves the Task in.
    // A failed pull is planned from the stored status, and needs no look at the engine.
    let started = false;
    let config: ConfigResult | undefined;
    // The next container of a crash-loop wait: made after the status write, which must not wait for it.
    let precreates: Array<Extract<Action, { kind: 'precreate' }>> = [];
    for (let pass = 0; ; pass++) {
      started = false;
      precreates = [];
      const observed: Task = pass === 0 || pullFailure !== undefined ? task : { ...task, status };
      const containers = entry && pullFailure === undefined ? await entry.runtime.list({ [LABELS.taskUid]: task.metadata.uid! }) : [];
      const anyRunning = containers.some((c) => c.running);
      const imagePresent = entry && pullFailure === undefined && !anyRunning && !task.metadata.deletionTimestamp ? await entry.runtime.imagePresent(task.spec.image) : undefined;
      config = entry && pullFailure === undefined && !task.metadata.deletionTimestamp ? await this.prepare(task, entry, imagePresent) : undefined;
      if (pass === 0 && anyRunning && config && 'config' in config) await this.refreshFiles(key, task, entry!, config.config);
      const planNow = this.now();
      const p = plan({
        task: observed,
        node: entry ? { name: entry.name, address: entry.address, ready: entry.ready } : undefined,
        containers,
        probe: this.probes().view(key),
        imagePresent,
        inFlight: this.ops.list(key),
        pullFailure,
        endpointsDraining: task.metadata.deletionTimestamp && this.deps.endpointsDraining ? this.deps.endpointsDraining(task, this.now()) : undefined,
        configError: config && 'error' in config ? config.error : undefined,
        configHash: config && 'config' in config ? configHash(config.config.env, config.config.mounts) : undefined,
        precreateFailed: this.precreateFailed.get(key),
        now: planNow,
      });
      status = p.status;
      requeueAt = p.requeueAfterMs !== undefined ? planNow.getTime() + p.requeueAfterMs : undefined;
      events.push(...p.events);
      let again = false;
      for (const action of p.actions) {
        if (action.kind === 'precreate') {
          precreates.push(action);
          continue;
        }
        doing(action);
        if (action.kind === 'reschedule') {
          // Status first, then the unbinding (the evictor's order; see node/task-evictor.ts).
          task = this.remember(key, (await rescheduleWithStatus(this.deps.tasks, task, status, (t) => this.remember(key, t))).unbound);
          continue;
        }
        if (action.kind === 'stop' || action.kind === 'pullImage') {
          // A stop of a Task stored as Ready (a liveness kill, a replacement): no traffic to it
          // before SIGTERM either; the Ready=False write that follows passes the gate again.
          if (action.kind === 'stop' && isReady(task.status)) await passGate(this.gate(), task, this.gateTimeoutMs(), log);
          // The rest of this plan needs the call's end: plan again with it in flight.
          this.handOver(key, task, action, entry!, events);
          again = true;
          break;
        }
        const result = await this.execute(key, task, action, entry, events, doing, config);
        if (result === 'gone') return {};
        if (result && typeof result === 'object' && 'task' in result) task = result.task;
        if (result && typeof result === 'object' && 'pullFailed' in result) {
          // Planned again, from the stored status, with the failure as input.
          pullFailure = result.pullFailed;
          again = true;
          break;
        }
        if (action.kind === 'create' || action.kind === 'start') started = again = true;
      }
      doing(undefined);
      if (!again || (pass >= 2 && pullFailure === undefined)) break;
    }
    // Still creating in the last pass: look again soon.
    if (started) requeueAt = requeueAt ?? this.now().getTime() + 1000;
    log.trace({ phase: status.phase }, 'planned');
    // A pull failure reported by the engine ops leaves a ReconcileError condition where it is (as it always has).
    // So does a container still waiting out a failed create or start (it is removed once one runs).
    const keepFailure = opPullFailure !== undefined || isContainerFailure(status.state?.waiting?.reason ?? '');
    const written = await this.finish(key, task, keepFailure ? status : clearFailure(status), events);
    for (const a of precreates) await this.precreate(key, written, a, entry!, config);
    // The time the engine calls, the status write and the Events took comes off the delay.
    return requeueAt !== undefined ? { requeueAfterMs: Math.max(0, requeueAt - this.now().getTime()) } : {};
  }

  /** Moves the Task off a Node being drained (drain.ts). */
  private async drain(key: string, task: Task, evictor: TaskEvictor): Promise<ReconcileResult> {
    const node = task.spec.nodeName ? this.deps.registry.get(task.spec.nodeName) : undefined;
    const moved = await drainTask(task, node, {
      tasks: this.deps.tasks,
      evictor,
      stopProbes: () => this.probes().stop(key),
      stop: (id, graceSeconds) => {
        const since = this.now().toISOString();
        this.ops.run(key, { kind: 'stop', containerId: id, graceSeconds, reason: 'Drained', since }, () => node!.runtime.stop(id, graceSeconds));
      },
      stopping: (id) => this.ops.list(key).some((o) => o.kind === 'stop' && o.containerId === id),
    });
    if (moved && moved !== 'stopping') this.remember(key, moved);
    return {};
  }

  /** What the next container needs from Secrets, ConfigMaps, claims and the image (task-config.ts). */
  private async prepare(task: Task, entry: NodeEntry, imagePresent: boolean | undefined): Promise<ConfigResult> {
    // runAsNonRoot without runAsUser: the image's user (undefined while the image is absent; the
    // check then waits for the pass after the pull). Read even with a container running, since a
    // spec change creates the next one in the same plan.
    const imageUser = needsImageUser(task) && imagePresent !== false ? await entry.runtime.imageUser(task.spec.image) : undefined;
    return prepareConfig(task, { source: this.deps.config ?? NO_CONFIG, claims: this.deps.claims ?? NO_CLAIMS, nodeName: entry.name, node: this.deps.nodeSpec?.(entry.name), imageUser });
  }

  /** A running container's secret/configMap files follow their objects (a write only when they changed). */
  private async refreshFiles(key: string, task: Task, entry: NodeEntry, config: PreparedConfig): Promise<void> {
    try {
      await this.volumeFiles.ensure(entry.runtime, task, entry.name, config.files, config.filesHash);
    } catch (err) {
      this.log.child({ key }).warn({ err: errorMessage(err) }, 'could not update volume files');
    }
  }

  /** Writes status when it changed, then the Events; returns the Task as stored. */
  private async finish(key: string, task: Task, status: TaskStatus, events: PlanEvent[]): Promise<Task> {
    const log = this.log.child({ key });
    let stored = task;
    if (JSON.stringify(task.status ?? {}) !== JSON.stringify(status)) {
      const written = await this.writeStatus(key, task, status);
      stored = this.remember(key, written);
      log.debug({ phase: status.phase, state: status.state }, 'status written');
    } else if (isReady(status)) {
      // Still Ready as stored (a gated stop that did not change the status): traffic may come back.
      this.gate().afterReady(task);
    }
    // After the write: a restart is counted once, when its status is stored.
    recordTaskStatus(key, task.status, status);
    for (const e of events) await this.deps.events.record(task, e.type, e.reason, e.message);
    return stored;
  }

  private gate(): TrafficGate {
    return this.deps.trafficGate ?? noTrafficGate;
  }

  private gateTimeoutMs(): number {
    return this.deps.trafficGateTimeoutMs ?? TRAFFIC_GATE_TIMEOUT_MS;
  }

  /**
   * Replaces the Task's status; a write that turns Ready from True to False first waits (bounded)
   * for the traffic gate, and stamps the Ready transition at the time the gate let it through.
   * A write that leaves the Task Ready (or a gated write that failed) opens the gate again.
   */
  private writeStatus(key: string, task: Task, status: TaskStatus): Promise<Task> {
    return writeGated({
      gate: this.gate(),
      task,
      status,
      write: (s) => this.deps.tasks.replaceStatus({ ...task, status: s }),
      now: () => this.now(),
      timeoutMs: this.gateTimeoutMs(),
      log: this.log.child({ key }),
    });
  }

  /** The Task client for writers outside finish() (reportFailure): status writes go through writeStatus. */
  private gatedTasks(key: string, task: Task): Pick<ResourceClient<Task>, 'replaceStatus'> {
    return { replaceStatus: (t: Task) => this.writeStatus(key, task, t.status ?? {}) };
  }

  /** Runs a stop or a pull outside the worker; its end enqueues the Task again. */
  private handOver(key: string, task: Task, action: Extract<Action, { kind: 'stop' | 'pullImage' }>, entry: NodeEntry, events: PlanEvent[]): void {
    const since = this.now().toISOString();
    const rt = entry.runtime;
    if (action.kind === 'stop') {
      this.ops.run(key, { kind: 'stop', containerId: action.id, graceSeconds: action.graceSeconds, reason: action.reason, since }, () => rt.stop(action.id, action.graceSeconds));
      return;
    }
    const image = task.spec.image;
    if (!this.ops.list(key).some((o) => o.kind === 'pull')) events.push({ type: 'Normal', reason: 'Pulling', message: `Pulling image ${image}` });
    this.ops.run(key, { kind: 'pull', image, since }, () => rt.pullImage(image));
  }

  private async removeFinalizer(key: string, task: Task): Promise<'gone'> {
    const finalizers = (task.metadata.finalizers ?? []).filter((f) => f !== TASK_FINALIZER);
    try {
      await this.deps.tasks.patch(task.metadata.name!, { metadata: { finalizers, resourceVersion: task.metadata.resourceVersion } }, task.metadata.namespace);
    } catch (err) {
      if (!isOkubeError(err, 'NotFound')) throw err;
    }
    this.probes().stop(key);
    this.latest.delete(key);
    forgetTask(key);
    return 'gone';
  }

  /**
   * Creates and starts the Task's container. Host ports for `hostPort: 0` come from the Node's
   * range minus what its engine publishes and what okube's state records (host-ports.ts); when
   * the engine still refuses the bind (another program holds the port), the container goes, the
   * port is skipped from then on, an Event says so, and another port is tried — a few times,
   * never the same port again.
   */
  private async createAndStart(task: Task, restartNumber: number, entry: NodeEntry, events: PlanEvent[], doing: (a: Action) => void, config?: ConfigResult, start = true): Promise<void | { pullFailed: string }> {
    const rt = entry.runtime;
    if (!config || 'error' in config) throw new OkubeError('ConfigError', config?.error ?? 'the container configuration was not resolved');
    const cfg = config.config;
    for (const claim of cfg.unboundClaims) {
      const at = await this.deps.bindClaim?.(task.metadata.namespace!, claim, entry.name);
      if (at !== undefined && at !== entry.name) throw new OkubeError('ConfigError', `persistentvolumeclaim "${claim}" has its volume on node ${at}, not ${entry.name}`);
    }
    await this.volumeFiles.ensure(rt, task, entry.name, cfg.files, cfg.filesHash);
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
        const spec = buildContainerSpec(task, { nodeName: entry.name, address: entry.address, restartNumber, allocatedPorts: allocated, env: cfg.env, mounts: cfg.mounts });
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
          if (need === 0 || !isPortConflict(err) || attempt >= PORT_ATTEMPTS) throw err;
          await rt.remove(id);
          const refused = conflictingPorts(err, allocated);
          for (const port of refused) entry.ports.refuse(port);
          events.push(portConflictEvent(entry.name, refused, err));
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
   * The crash loop's next container, created during the wait (plan/next.ts), and the old exit it
   * replaces removed. A failure only costs the head start: it is logged, not tried again for this
   * restart, and the end of the wait creates (and reports a failure) as it always did.
   */
  private async precreate(key: string, task: Task, action: Extract<Action, { kind: 'precreate' }>, entry: NodeEntry, config?: ConfigResult): Promise<void> {
    const made: PlanEvent[] = [];
    try {
      const r = await this.createAndStart(task, action.restartNumber, entry, made, () => undefined, config, false);
      if (r && 'pullFailed' in r) throw new OkubeError('ImageNotFound', r.pullFailed);
      this.precreateFailed.delete(key);
      if (action.replaces) await entry.runtime.remove(action.replaces);
      for (const e of made) await this.deps.events.record(task, e.type, e.reason, e.message);
    } catch (err) {
      this.precreateFailed.set(key, action.restartNumber);
      this.log.child({ key }).warn({ restartNumber: action.restartNumber, err: errorMessage(err) }, 'could not create the next container ahead of its start; it is created when the backoff ends');
    }
  }

  /** The Tasks bound to a Node, from the informer (its `node` index when it has one). */
  private tasksOn(node: string): Task[] {
    try {
      return this.deps.informer.byIndex('node', node);
    } catch {
      return this.deps.informer.list().filter((t) => t.spec.nodeName === node);
    }
  }

  private async execute(
    key: string,
    task: Task,
    action: Action,
    entry: NodeEntry | undefined,
    events: PlanEvent[],
    doing: (a: Action) => void,
    config?: ConfigResult,
  ): Promise<void | 'gone' | { task: Task } | { pullFailed: string }> {
    const rt = entry?.runtime;
    switch (action.kind) {
      case 'addFinalizer': {
        const finalizers = [...(task.metadata.finalizers ?? []), TASK_FINALIZER];
        const t = await this.deps.tasks.patch(task.metadata.name!, { metadata: { finalizers, resourceVersion: task.metadata.resourceVersion } }, task.metadata.namespace);
        return { task: this.remember(key, t) };
      }
      case 'removeFinalizer':
        // The Task's own Docker volumes (emptyDir, secret, configMap) go with it; claims' stay.
        if (rt) await this.volumeFiles.remove(rt, task.metadata.uid!);
        return this.removeFinalizer(key, task);
      case 'pullImage':
      case 'stop':
        // Handed to the engine outside the worker (handOver); never awaited here.
        return;
      case 'create':
        return this.createAndStart(task, action.restartNumber, entry!, events, doing, config);
      case 'precreate':
        // Done after the status write (sync()).
        return;
      case 'start':
        doing(action);
        // Files of secret/configMap volumes that changed since the container was made (no-op otherwise).
        if (config && 'config' in config) await this.volumeFiles.ensure(rt!, task, entry!.name, config.config.files, config.config.filesHash);
        try {
          await rt!.start(action.id);
        } catch (err) {
          // A created container whose host port someone took meanwhile: a new one, with another port.
          if (portsToAllocate(task) === 0 || !isPortConflict(err)) throw err;
          const mine = (await rt!.inspect(action.id))?.ports.map((p) => p.hostPort) ?? [];
          await rt!.remove(action.id);
          for (const port of conflictingPorts(err, mine)) entry!.ports.refuse(port);
          events.push(portConflictEvent(entry!.name, conflictingPorts(err, mine), err));
          return;
        }
        events.push({ type: 'Normal', reason: 'Started', message: `Started container ${action.id.slice(0, 12)}` });
        return;
      case 'remove':
        await rt!.remove(action.id);
        return;
      case 'startProbes':
        this.probes().ensure(key, task, action.containerId, entry!, action.ports);
        return;
      case 'stopProbes':
        this.probes().stop(key);
        return;
      case 'deleteTask':
        await this.deps.events.record(task, 'Normal', 'TTLExpired', `deleting the finished Task after ttlSecondsAfterFinished (${task.spec.ttlSecondsAfterFinished}s)`);
        await this.deps.tasks.delete(task.metadata.name!, task.metadata.namespace);
        return 'gone';
      case 'reschedule':
        // Needs the planned status: done in sync().
        return;
    }
  }
}
