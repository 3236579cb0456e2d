import type { Condition, Task, TaskStatus } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import type { EventSink } from '../../client/events.js';
import { neverStarted, type ContainerInfo, type Runtime } from '../../runtime/runtime.js';
import { errorMessage } from '../../util/errors.js';
import { loggerFor, type Logger } from '../../util/logger.js';
import { forgetTask } from '../../metrics/controllers.js';
import type { ReconcileResult } from '../controller.js';
import type { NodeEntry, NodeRegistry } from '../node/node-registry.js';
import { configHash } from './container-spec.js';
import { plan, type Action, type PlanEvent } from './plan.js';
import { ApiActions } from './api-actions.js';
import { noProbes, type ProbeSupervisor } from './probe-supervisor.js';
import { EngineOps, type Requeue } from './engine-ops.js';
import { ContainerActions, type Doing } from './container-actions.js';
import { opFailureEvent, reportFailure, retryDelayMs, settledStatus } from './failures.js';
import { DRAIN_ENDPOINTS_POLL_MS, drainTask } from './drain.js';
import { observe, type ObserveDeps } from './observe.js';
import { preflight } from './preflight.js';
import { rescheduleWithStatus, type TaskEvictor } from '../node/task-evictor.js';
import type { ConfigResult } from './task-config.js';
import { StatusWriter, type StatusWriterDeps } from './status-writer.js';
import { StartLatencies } from './start-latency.js';
import { VolumeFiles } from './volume-files.js';
import { EchoFilter, OwnStarts } from './echo.js';
import { NODE_NOT_READY_REASON, nodeNotReadyMessage, nodeNotReadyStatus } from './node-not-ready.js';

// The Task reconcile loop: whether to plan at all (preflight.ts), read the observed world
// (observe.ts), ask the pure plan() what to do, carry out its actions — on the engine through
// container-actions.ts, on the API server through api-actions.ts and node/task-evictor.ts, on the
// probes through ProbeSupervisor — and write status once (status-writer.ts; only when it changed,
// guarded by resourceVersion). After the finalizer is added, a create or start, or a stop or pull
// handed to the engine, it plans again in the same pass, so the one status write says what the
// Task is now. A throw
// reaches the Task's status and Events through failures.ts.

export { noProbes, type ProbeSupervisor } from './probe-supervisor.js';

/** What the reconciler works with; the Secrets, ConfigMaps, claims and Node specs it reads are observe.ts's, the traffic gate status-writer.ts's. */
export interface TaskReconcilerDeps extends ObserveDeps, Pick<StatusWriterDeps, 'trafficGate' | 'trafficGateTimeoutMs'> {
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
  /** The Node's stored Ready condition (the Node informer's): not True means the Node controller found it not Ready. */
  nodeReadyCondition?: (name: string) => Condition | undefined;
  /** Records a claim's first Node (volume.kubernetes.io/selected-node); answers the Node it is on. */
  bindClaim?: (namespace: string, name: string, node: string) => Promise<string>;
  now?: () => Date;
}

function rvNumber(t: Task | undefined): number {
  return Number(t?.metadata.resourceVersion ?? -1);
}

/** A precreate action of the plan: carried out after the status write, which must not wait for it. */
type Precreate = Extract<Action, { kind: 'precreate' }>;

export class TaskReconciler {
  private readonly log = loggerFor('controller.task');
  /** What this controller last wrote, for when the informer has not caught up yet. */
  private readonly latest = new Map<string, Task>();
  /** Stops and pulls under way, outside the workers. */
  readonly ops: EngineOps;
  /** Secret and configMap volume files written per Task. */
  readonly volumeFiles = new VolumeFiles();
  private readonly containers: ContainerActions;
  private readonly api: ApiActions;
  private readonly statusWriter: StatusWriter;
  /** Per Task: the restart number whose container could not be made ahead of its start (plan/next.ts). */
  private readonly precreateFailed = new Map<string, number>();
  /** Each Node engine's start latency, learned from the starts below (start-latency.ts). */
  readonly startLatencies = new StartLatencies();
  /** Which Task events are only this controller's own writes coming back. */
  private readonly echoes: EchoFilter;
  /** Containers this controller is starting: their engine `start` events need no reconcile. */
  private readonly ownStarts = new OwnStarts();
  /** Per Task: the start call whose container's StartedAt is not seen yet. */
  private readonly startCalls = new Map<string, { rt: Runtime; id: string; at: number }>();

  constructor(private readonly deps: TaskReconcilerDeps) {
    const now = () => this.now();
    this.ops = new EngineOps(deps.requeue ?? (() => undefined));
    const requeue = deps.requeue;
    this.echoes = new EchoFilter((key) => this.latest.get(key), requeue ? (key) => requeue(key, 0) : undefined);
    this.containers = new ContainerActions({ informer: deps.informer, volumeFiles: this.volumeFiles, ops: this.ops, events: deps.events, bindClaim: deps.bindClaim, now });
    this.api = new ApiActions({ tasks: deps.tasks, events: deps.events });
    this.statusWriter = new StatusWriter({ tasks: deps.tasks, events: deps.events, trafficGate: deps.trafficGate, trafficGateTimeoutMs: deps.trafficGateTimeoutMs, now });
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

  /** Whether a MODIFIED event of this Task needs a reconcile: not when it only brings back this controller's own write (echo.ts). */
  needsReconcile(key: string, t: Task): boolean {
    return this.echoes.needsReconcile(key, t);
  }

  /** Whether an engine `start` event is of a start this controller made itself (echo.ts OwnStarts). */
  isOwnStart(containerId: string): boolean {
    return this.ownStarts.consume(containerId);
  }

  private remember(key: string, t: Task): Task {
    this.latest.set(key, t);
    return t;
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    this.echoes.begin(key);
    try {
      return await this.reconcileNow(key);
    } finally {
      this.echoes.end(key);
    }
  }

  private async reconcileNow(key: string): Promise<ReconcileResult> {
    const task = this.current(key);
    if (!task) {
      this.probes().stop(key);
      this.latest.delete(key);
      this.precreateFailed.delete(key);
      this.startCalls.delete(key);
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
      const log = this.log.child({ key });
      const written = await reportFailure(t, action, err, { tasks: this.statusWriter.gatedTasks(t, log), events: this.deps.events, now: this.now() });
      if (written) this.remember(key, written);
      // A container that could not be created or started waits on the Task's backoff, not the queue's.
      const retryMs = written ? retryDelayMs(written.status, this.now()) : undefined;
      if (retryMs !== undefined) return { requeueAfterMs: Math.max(retryMs, 1) };
      throw err;
    }
  }

  private async sync(key: string, task: Task, opFailures: ReturnType<EngineOps['takeFailures']>, doing: (a: Action | undefined) => void): Promise<ReconcileResult> {
    const log = this.log.child({ key });
    const entry = task.spec.nodeName ? this.deps.registry.get(task.spec.nodeName) : undefined;
    const nodeExists = task.spec.nodeName !== undefined && this.deps.nodeSpec?.(task.spec.nodeName) !== undefined;
    const readyCondition = task.spec.nodeName !== undefined ? this.deps.nodeReadyCondition?.(task.spec.nodeName) : undefined;
    const before = preflight(task, entry, this.deps.evictor !== undefined, nodeExists, readyCondition?.status);
    switch (before.kind) {
      case 'drain':
        return this.drain(key, task, this.deps.evictor!);
      case 'unbound':
        return {};
      case 'releaseFinalizer':
        // The Node is gone: nothing okube can stop any more.
        await this.removeFinalizer(key, task);
        return {};
      case 'waitForNode':
        if (before.nodeNotReady) await this.markNodeNotReady(key, task, log);
        return { requeueAfterMs: before.requeueAfterMs };
      case 'nodeNotFound':
      case 'plan':
        break;
    }

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
    let precreates: Precreate[] = [];
    let finalizerPass = false;
    for (let pass = 0; ; pass++) {
      started = false;
      precreates = [];
      const observedTask: Task = pass === 0 || pullFailure !== undefined ? task : { ...task, status };
      const seen = await observe(task, entry, pullFailure, this.deps);
      this.learnStart(key, seen.containers);
      config = seen.config;
      if (pass === 0 && config && 'config' in config && seen.containers.some((c) => c.running)) await this.refreshFiles(key, task, entry!, config);
      const planNow = this.now();
      const p = plan({
        task: observedTask,
        node: entry ? { name: entry.name, address: entry.address, ready: entry.ready } : undefined,
        containers: seen.containers,
        probe: this.probes().view(key),
        imagePresent: seen.imagePresent,
        inFlight: this.ops.list(key),
        endedStop: this.ops.endedStop(key),
        pullFailure,
        endpointsDraining: task.metadata.deletionTimestamp && this.deps.endpointsDraining ? this.deps.endpointsDraining(task, this.now()) : undefined,
        configError: config && 'error' in config ? config.error : undefined,
        configHash: config && 'config' in config ? configHash(config.config.env, config.config.mounts) : undefined,
        precreateFailed: this.precreateFailed.get(key),
        startLatencyMs: entry ? this.startLatencies.latency(entry.runtime) : undefined,
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
          // The Ready=False write that follows a gated stop passes the gate again.
          if (action.kind === 'stop') await this.statusWriter.beforeStop(task, log);
          // The rest of this plan needs the call's end: plan again with it in flight.
          this.containers.handOver(key, task, action, entry!);
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
        // The finalizer is on: the rest of the plan (create and start) follows in this reconcile,
        // so its one status write says Running, not first Pending and then Running.
        if (action.kind === 'addFinalizer') again = finalizerPass = true;
      }
      doing(undefined);
      if (!again || (pass >= (finalizerPass ? 3 : 2) && pullFailure === undefined)) break;
    }
    // Still creating in the last pass: look again soon.
    if (started) requeueAt = requeueAt ?? this.now().getTime() + 1000;
    // A Node made later (or the nodeName fixed) is seen without waiting for an event.
    if (before.kind === 'nodeNotFound') requeueAt = Math.min(requeueAt ?? Infinity, this.now().getTime() + before.requeueAfterMs);
    log.trace({ phase: status.phase }, 'planned');
    const written = await this.statusWriter.finish(key, task, settledStatus(status, opPullFailure !== undefined), events, log);
    const stored = written ? this.remember(key, written) : task;
    for (const a of precreates) await this.precreate(key, stored, a, entry!, config);
    // The time the engine calls, the status write and the Events took comes off the delay.
    return requeueAt !== undefined ? { requeueAfterMs: Math.max(0, requeueAt - this.now().getTime()) } : {};
  }

  /**
   * The Task's Node is not Ready: the Task is not either (node-not-ready.ts). Its probes stop — they
   * go through the same unanswering Node and say nothing of the container, and a liveness verdict
   * made of them would restart a healthy one when the Node is back — and start afresh then.
   */
  private async markNodeNotReady(key: string, task: Task, log: Logger): Promise<void> {
    this.probes().stop(key);
    const node = task.spec.nodeName!;
    const status = nodeNotReadyStatus(task, node, this.now());
    if (!status) return;
    log.info({ node }, 'the Task is not Ready: its Node is not');
    const written = await this.statusWriter.finish(key, task, status, [{ type: 'Warning', reason: NODE_NOT_READY_REASON, message: nodeNotReadyMessage(node) }], log);
    if (written) this.remember(key, written);
  }

  /** Moves the Task off a Node being drained (drain.ts). */
  private async drain(key: string, task: Task, evictor: TaskEvictor): Promise<ReconcileResult> {
    const node = task.spec.nodeName ? this.deps.registry.get(task.spec.nodeName) : undefined;
    const log = this.log.child({ key });
    const moved = await drainTask(task, node, {
      tasks: this.deps.tasks,
      evictor,
      stopProbes: () => this.probes().stop(key),
      stop: (id, graceSeconds) => this.containers.handOver(key, task, { kind: 'stop', id, graceSeconds, reason: 'Drained' }, node!),
      stopping: (id) => this.ops.list(key).some((o) => o.kind === 'stop' && o.containerId === id),
      writeStatus: async (status) => {
        const written = await this.statusWriter.finish(key, task, status, [], log);
        if (written) this.remember(key, written);
        return written;
      },
      endpointsDraining: (t) => this.deps.endpointsDraining?.(t, this.now()) ?? false,
    }, this.now());
    if (moved === 'leaving') return { requeueAfterMs: DRAIN_ENDPOINTS_POLL_MS };
    if (moved && moved !== 'stopping') this.remember(key, moved);
    return {};
  }

  /** A running container's secret/configMap files follow their objects (a write only when they changed). */
  private async refreshFiles(key: string, task: Task, entry: NodeEntry, config: Extract<ConfigResult, { config: unknown }>): Promise<void> {
    try {
      await this.containers.ensureFiles(task, entry, config.config);
    } catch (err) {
      this.log.child({ key }).warn({ err: errorMessage(err) }, 'could not update volume files');
    }
  }

  /** A start call is being made: its engine `start` event is this controller's own, and its StartedAt a start-latency sample. */
  private startCalled(key: string, rt: Runtime, id: string, atMs: number): void {
    this.ownStarts.expect(id);
    this.startCalls.set(key, { rt, id, at: atMs });
  }

  /** A start call's container seen started: one more sample of its engine's start latency. */
  private learnStart(key: string, containers: ContainerInfo[]): void {
    const call = this.startCalls.get(key);
    const c = call && containers.find((x) => x.id === call.id);
    if (!call || !c?.startedAt || neverStarted(c)) return;
    this.startLatencies.record(call.rt, call.at, c.startedAt);
    this.startCalls.delete(key);
  }

  /** The next container made during a crash-loop wait; a failure is remembered so that the plan does not ask again for this restart. */
  private async precreate(key: string, task: Task, action: Precreate, entry: NodeEntry, config?: ConfigResult): Promise<void> {
    if (await this.containers.precreate(key, task, action, entry, config)) this.precreateFailed.delete(key);
    else this.precreateFailed.set(key, action.restartNumber);
  }

  /** The finalizer goes, and with it all this controller holds for the Task. */
  private async removeFinalizer(key: string, task: Task): Promise<'gone'> {
    await this.api.removeFinalizer(task);
    this.probes().stop(key);
    this.latest.delete(key);
    forgetTask(key);
    return 'gone';
  }

  /** Carries out one action of the plan (stops, pulls, reschedules and precreates are sync()'s). */
  private async execute(key: string, task: Task, action: Action, entry: NodeEntry | undefined, events: PlanEvent[], doing: Doing, config?: ConfigResult): Promise<void | 'gone' | { task: Task } | { pullFailed: string }> {
    switch (action.kind) {
      case 'addFinalizer':
        return { task: this.remember(key, await this.api.addFinalizer(task)) };
      case 'removeFinalizer':
        // The Task's own Docker volumes (emptyDir, secret, configMap) go with it; claims' stay.
        if (entry) await this.volumeFiles.remove(entry.runtime, task.metadata.uid!);
        return this.removeFinalizer(key, task);
      case 'create':
        // The start that follows the create is a sample of the engine's start latency too.
        return this.containers.create(task, action.restartNumber, entry!, events, (a) => {
          if (a.kind === 'start') this.startCalled(key, entry!.runtime, a.id, Date.now());
          doing(a);
        }, config);
      case 'start':
        doing(action);
        return this.containers.start(task, action.id, entry!, events, config, (at) => this.startCalled(key, entry!.runtime, action.id, at));
      case 'remove':
        await entry!.runtime.remove(action.id);
        return;
      case 'startProbes':
        this.probes().ensure(key, task, action.containerId, entry!, action.ports, action.initial);
        return;
      case 'stopProbes':
        this.probes().stop(key);
        return;
      case 'deleteTask':
        await this.api.deleteExpired(task);
        return 'gone';
      case 'pullImage':
      case 'stop':
      case 'reschedule':
      case 'precreate':
        // Done in sync(): handed to the engine outside the worker, or needing the planned status.
        return;
    }
  }
}
