import { LABELS, type Task, type TaskSpec, type TaskStatus } from '../../../api/types.js';
import { neverStarted, type ContainerInfo } from '../../../runtime/runtime.js';
import { setCondition } from '../../conditions.js';
import type { Action, InFlightOp, NodeView, Plan, PlanEvent, PlanInput } from './types.js';

// What every step of the Task plan reads and writes: the input, and the one status, action list
// and event list that the steps build up in order (a step either returns the finished Plan or
// leaves the context for the next one).

export type StopOp = Extract<InFlightOp, { kind: 'stop' }>;
export type PullOp = Extract<InFlightOp, { kind: 'pull' }>;

export interface PlanContext {
  input: PlanInput;
  task: Task;
  spec: TaskSpec;
  node?: NodeView;
  now: Date;
  nowIso: string;
  /** terminationGracePeriodSeconds, defaulted, or a deletion's shorter period (stopGrace). */
  grace: number;
  status: TaskStatus;
  actions: Action[];
  events: PlanEvent[];
  /** The Task's containers, newest first. */
  containers: ContainerInfo[];
  /**
   * The next container, made ahead of its start during a crash-loop wait (plan/next.ts): created,
   * never started, newer than a container that ran. It is not `current` and not among `older`.
   */
  next?: ContainerInfo;
  /** The newest container that ran (or the only one), the older ones, and the newest exited one of those (for `logs --previous`). */
  current?: ContainerInfo;
  older: ContainerInfo[];
  previous?: ContainerInfo;
  /** The container whose exit the plan acts on (set by the exit bookkeeping). */
  exited?: ContainerInfo;
  /** A pull under way. */
  pulling?: PullOp;
}

/** A step of the plan: the finished Plan, or undefined to go on with the next step. */
export type Step = (ctx: PlanContext) => Plan | undefined;

/** Waiting reasons that hold the Task in backoff (and that a new attempt keeps). */
export const BACKOFF_REASONS = new Set(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff', 'CreateContainerError', 'RunContainerError']);

/** Condition shown while a graceful stop is under way (removed once none is). */
export const STOPPING_CONDITION = 'Stopping';

export const restartOf = (c: ContainerInfo) => Number(c.labels[LABELS.restart] ?? 0);

/** Newest first: by restart number, then creation time. */
function byNewest(a: ContainerInfo, b: ContainerInfo): number {
  return restartOf(b) - restartOf(a) || (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
}

export function hasProbes(task: Task): boolean {
  return Boolean(task.spec.livenessProbe || task.spec.readinessProbe || task.spec.startupProbe);
}

/**
 * Seconds between SIGTERM and SIGKILL: the spec's terminationGracePeriodSeconds, or a deletion's
 * shorter period (`kubectl delete --grace-period`, kept by okube's API server in
 * deletionGracePeriodSeconds; 0 there — what kube-apiserver writes for any custom resource — means none given).
 */
export function stopGrace(task: Task): number {
  const own = task.spec.terminationGracePeriodSeconds ?? 30;
  const deletion = task.metadata.deletionTimestamp ? task.metadata.deletionGracePeriodSeconds : undefined;
  return deletion && deletion > 0 ? Math.min(own, deletion) : own;
}

export function newContext(input: PlanInput): PlanContext {
  const { task, node, now } = input;
  const status: TaskStatus = structuredClone(task.status ?? {});
  status.observedGeneration = task.metadata.generation;
  // As a Pod's containerStatuses[].restartCount: always there, 0 before the first restart, so
  // `-o jsonpath='{.status.restartCount}'` and the RESTARTS column say 0, not nothing.
  status.restartCount ??= 0;
  const containers = [...input.containers].sort(byNewest);
  // A never-started newest container over one that ran, of the same spec, is the next one, waiting
  // for its start — also alone during a crash-loop wait, when the exited one was removed behind
  // okube's back (`docker container prune`): the wait still holds it back. Over one of another
  // spec it is the replacement of a spec change whose start failed: the current container.
  const hasNext =
    containers.length > 0 &&
    neverStarted(containers[0]) &&
    (containers.length > 1
      ? containers[1].status !== 'created' && !containers[1].running && containers[1].labels[LABELS.specHash] === containers[0].labels[LABELS.specHash]
      : status.state?.waiting?.reason === 'CrashLoopBackOff');
  const next = hasNext ? containers[0] : undefined;
  const [current, ...older] = hasNext ? containers.slice(1) : containers;
  return {
    input,
    task,
    spec: task.spec,
    node,
    now,
    nowIso: now.toISOString(),
    grace: stopGrace(task),
    status,
    actions: [],
    events: [],
    containers,
    next,
    current,
    older,
    previous: older.find((c) => !c.running),
    pulling: input.inFlight?.find((o): o is PullOp => o.kind === 'pull'),
  };
}

/** Sets a condition of the Task, at this plan's generation and time. */
export function cond(ctx: PlanContext, type: string, st: 'True' | 'False' | 'Unknown', reason: string, message: string): void {
  ctx.status.conditions = setCondition(ctx.status.conditions, { type, status: st, reason, message, observedGeneration: ctx.task.metadata.generation }, ctx.now);
}

/** The stop under way for `c`, if it still runs. */
export function stopping(ctx: PlanContext, c: ContainerInfo): StopOp | undefined {
  if (!c.running) return undefined;
  // The shortest of them, when a deletion shortened a stop already under way: it ends first.
  let op: StopOp | undefined;
  for (const o of ctx.input.inFlight ?? []) if (o.kind === 'stop' && o.containerId === c.id && (!op || o.graceSeconds < op.graceSeconds)) op = o;
  return op;
}

/** The reason of okube's stop of a container for a spec change. */
export const SPEC_CHANGED = 'SpecChanged';

/** `c` is being (or was) stopped by okube to replace it after a spec change, whatever the spec says now. */
export function stoppedForSpecChange(ctx: PlanContext, c: ContainerInfo): boolean {
  const ended = ctx.input.endedStop;
  return stopping(ctx, c)?.reason === SPEC_CHANGED || (ended?.containerId === c.id && ended.reason === SPEC_CHANGED && !c.running);
}

/** The last step of every path: the Stopping condition, then the Plan. */
export function finish(ctx: PlanContext, requeueAfterMs?: number): Plan {
  // A stop under way is part of the Task's state: say so while it lasts (the stop's end requeues).
  const stop = ctx.containers.map((c) => stopping(ctx, c)).find((o) => o !== undefined);
  if (stop) {
    const message = `stopping container ${stop.containerId.slice(0, 12)} (${stop.reason}): SIGTERM sent at ${stop.since}, SIGKILL after ${stop.graceSeconds}s`;
    cond(ctx, STOPPING_CONDITION, 'True', stop.reason, message);
  } else if (ctx.status.conditions?.some((c) => c.type === STOPPING_CONDITION)) {
    ctx.status.conditions = ctx.status.conditions.filter((c) => c.type !== STOPPING_CONDITION);
  }
  return { actions: ctx.actions, status: ctx.status, events: ctx.events, requeueAfterMs };
}
