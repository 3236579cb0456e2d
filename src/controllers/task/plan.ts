import { LABELS, TASK_FINALIZER, type ContainerState, type ProbeStatus, type PublishedPort, type Task, type TaskStatus } from '../../api/types.js';
import { delayFor, onContainerExit, probeRestartAllowed, remainingMs, resolveBackoff, shouldRestart, type ExitReason } from '../../backoff/index.js';
import type { ContainerInfo } from '../../runtime/runtime.js';
import { setCondition } from '../conditions.js';
import { specHash } from './container-spec.js';
import { pendingRequest, replacedOnRequest, REQUEST_LABELS, RESTART_ANNOTATION, RETRY_ANNOTATION, type PendingRequest } from './requests.js';

// The Task reconciler's decision, pure: (desired Task, its Node, the containers that carry its
// uid, probe results, now) → actions for the runtime and the API, the status to write, events,
// and when to look again. Every timer (a crash-loop delay, a TTL) is a requeue, never a sleep,
// and every schedule is computed from status, so a restarted controller carries on.

export interface NodeView {
  name: string;
  address: string;
  ready: boolean;
}

export interface ProbeView {
  /** The startup probe passed (true when there is none). */
  started: boolean;
  /** The readiness probe passes (true when there is none and the container started). */
  ready: boolean;
  /** Liveness or startup probe failed failureThreshold times. */
  restart?: { reason: string; message: string };
  /** Last result of each probe, as shown in status (changes only when the result flips). */
  probes?: Partial<Record<'startup' | 'liveness' | 'readiness', ProbeStatus>>;
}

export type Action =
  | { kind: 'addFinalizer' }
  | { kind: 'removeFinalizer' }
  | { kind: 'pullImage' }
  | { kind: 'create'; restartNumber: number }
  | { kind: 'start'; id: string }
  | { kind: 'stop'; id: string; graceSeconds: number; reason: string }
  | { kind: 'remove'; id: string }
  | { kind: 'startProbes'; containerId: string; ports: PublishedPort[] }
  | { kind: 'stopProbes' }
  | { kind: 'deleteTask' }
  | { kind: 'reschedule' };

export interface PlanEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/** An engine call under way outside the Task workers (see engine-ops.ts). */
export type InFlightOp =
  | { kind: 'stop'; containerId: string; graceSeconds: number; reason: string; since: string }
  | { kind: 'pull'; image: string; since: string };

export interface PlanInput {
  task: Task;
  node?: NodeView;
  containers: ContainerInfo[];
  probe?: ProbeView;
  /** Whether the image is on the Node (undefined: not checked). */
  imagePresent?: boolean;
  /** Stops and pulls under way: not asked for again, and nothing that needs their end is done yet. */
  inFlight?: InFlightOp[];
  now: Date;
}

export interface Plan {
  actions: Action[];
  status: TaskStatus;
  events: PlanEvent[];
  requeueAfterMs?: number;
}

const BACKOFF_REASONS = new Set(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff']);

/** Condition shown while a graceful stop is under way (removed once none is). */
export const STOPPING_CONDITION = 'Stopping';

const restartOf = (c: ContainerInfo) => Number(c.labels[LABELS.restart] ?? 0);

/** Newest first: by restart number, then creation time. */
function byNewest(a: ContainerInfo, b: ContainerInfo): number {
  return restartOf(b) - restartOf(a) || (b.createdAt ?? '').localeCompare(a.createdAt ?? '');
}

function hasProbes(task: Task): boolean {
  return Boolean(task.spec.livenessProbe || task.spec.readinessProbe || task.spec.startupProbe);
}

function exitReason(c: ContainerInfo, status: TaskStatus): { reason: string; restartReason: ExitReason; message?: string } {
  if (status.probes?.unhealthyContainerID === c.id) return { reason: 'Unhealthy', restartReason: 'Unhealthy', message: status.probes.unhealthyMessage };
  if (c.oomKilled) return { reason: 'OOMKilled', restartReason: 'OOMKilled' };
  if (c.error) return { reason: 'ContainerCannotRun', restartReason: 'Exited', message: c.error };
  return { reason: c.exitCode === 0 ? 'Completed' : 'Error', restartReason: 'Exited' };
}

/** The exit of `c` is already in status (so it must not be counted twice). */
function exitRecorded(c: ContainerInfo, status: TaskStatus): boolean {
  return status.state?.terminated?.containerID === c.id || status.lastState?.terminated?.containerID === c.id;
}

export function plan(input: PlanInput): Plan {
  const { task, node, now } = input;
  const spec = task.spec;
  const generation = task.metadata.generation;
  const nowIso = now.toISOString();
  const status: TaskStatus = structuredClone(task.status ?? {});
  status.observedGeneration = generation;
  const actions: Action[] = [];
  const events: PlanEvent[] = [];
  const containers = [...input.containers].sort(byNewest);
  const grace = spec.terminationGracePeriodSeconds ?? 30;
  const cond = (type: string, st: 'True' | 'False' | 'Unknown', reason: string, message: string) => {
    status.conditions = setCondition(status.conditions, { type, status: st, reason, message, observedGeneration: generation }, now);
  };
  const stopping = (c: ContainerInfo) => (c.running ? input.inFlight?.find((o): o is Extract<InFlightOp, { kind: 'stop' }> => o.kind === 'stop' && o.containerId === c.id) : undefined);
  const pulling = input.inFlight?.find((o): o is Extract<InFlightOp, { kind: 'pull' }> => o.kind === 'pull');
  const out = (requeueAfterMs?: number): Plan => {
    // A stop under way is part of the Task's state: say so while it lasts (the stop's end requeues).
    const stop = containers.map(stopping).find((o) => o !== undefined);
    if (stop) {
      const message = `stopping container ${stop.containerId.slice(0, 12)} (${stop.reason}): SIGTERM sent at ${stop.since}, SIGKILL after ${stop.graceSeconds}s`;
      cond(STOPPING_CONDITION, 'True', stop.reason, message);
    } else if (status.conditions?.some((c) => c.type === STOPPING_CONDITION)) {
      status.conditions = status.conditions.filter((c) => c.type !== STOPPING_CONDITION);
    }
    return { actions, status, events, requeueAfterMs };
  };

  // Deletion: stop gracefully, remove, then let the object go.
  if (task.metadata.deletionTimestamp) {
    actions.push({ kind: 'stopProbes' });
    let waiting = false;
    for (const c of containers) {
      if (stopping(c)) {
        // Removing it now would SIGKILL it before its grace period ends.
        waiting = true;
        continue;
      }
      if (c.running) {
        actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Deleted' });
        events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${c.id.slice(0, 12)} (grace ${grace}s)` });
      }
      actions.push({ kind: 'remove', id: c.id });
    }
    if (waiting) {
      status.ready = false;
      cond('Ready', 'False', 'Terminating', 'the Task is being deleted: its container is stopping');
      return out();
    }
    if (task.metadata.finalizers?.includes(TASK_FINALIZER)) actions.push({ kind: 'removeFinalizer' });
    return out();
  }
  if (!task.metadata.finalizers?.includes(TASK_FINALIZER)) {
    actions.push({ kind: 'addFinalizer' });
    return out(0);
  }

  // Not bound to a Node yet: the scheduler's turn.
  if (!spec.nodeName || !node) {
    status.phase = 'Pending';
    status.ready = false;
    cond('Scheduled', 'False', spec.nodeName ? 'NodeNotFound' : 'Unschedulable', spec.nodeName ? `node ${spec.nodeName} does not exist` : 'waiting for a Node');
    cond('Ready', 'False', 'NotScheduled', 'the Task has no Node yet');
    return out();
  }
  status.nodeName = node.name;
  status.hostIP = node.address;
  cond('Scheduled', 'True', 'Scheduled', `assigned to node ${node.name}`);

  // `okube restart` / `okube retry`: a new container now, the backoff starting over.
  const request = pendingRequest(task, containers[0], status);
  if (request) return restartOnRequest(request);

  // Finished run-to-completion Tasks stay finished; the TTL deletes them.
  if (status.phase === 'Succeeded' || status.phase === 'Failed') {
    for (const c of containers) if (c.running && !stopping(c)) actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Finished' });
    if (spec.ttlSecondsAfterFinished !== undefined && status.completionTime) {
      const left = Date.parse(status.completionTime) + spec.ttlSecondsAfterFinished * 1000 - now.getTime();
      if (left <= 0) {
        actions.push({ kind: 'deleteTask' });
        return out();
      }
      return out(left);
    }
    return out();
  }

  // Never two: keep the newest container (and one exited predecessor for `logs --previous`).
  const [current, ...older] = containers;
  const previous = older.find((c) => !c.running);
  for (const c of older) {
    if (c === previous || stopping(c)) continue;
    if (c.running) actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Duplicate' });
    actions.push({ kind: 'remove', id: c.id });
  }

  const desiredHash = specHash(task);
  if (current && current.labels[LABELS.specHash] !== desiredHash) {
    // A changed spec needs a new container: a replacement, not a crash (no backoff).
    actions.push({ kind: 'stopProbes' });
    const replacing = { reason: 'ContainerCreating', message: 'replacing the container after a spec change' };
    if (stopping(current)) {
      status.state = { waiting: replacing };
      status.ready = false;
      cond('Ready', 'False', 'ContainerCreating', 'replacing the container: the old one is stopping');
      return out();
    }
    if (current.running) actions.push({ kind: 'stop', id: current.id, graceSeconds: grace, reason: 'SpecChanged' });
    actions.push({ kind: 'remove', id: current.id }, { kind: 'create', restartNumber: restartOf(current) + 1 });
    events.push({ type: 'Normal', reason: 'Killing', message: 'Task spec changed, container will be replaced' });
    status.state = { waiting: replacing };
    status.backoff = undefined;
    status.ready = false;
    cond('Ready', 'False', 'ContainerCreating', 'replacing the container');
    cond('BackOff', 'False', 'SpecChanged', 'the container is being replaced');
    return out();
  }

  if (current?.running) return running(current);

  let exited = current && current.status !== 'created' ? current : undefined;
  let exitOverride: { exitCode: number; message: string } | undefined;
  if (!current && status.state?.running && status.containerID) {
    // Our running container vanished (docker rm -f): an exit we never saw, treated as a kill.
    exitOverride = { exitCode: 137, message: `container ${status.containerID.slice(0, 12)} was removed outside okube` };
  }

  if ((exited && !exitRecorded(exited, status)) || exitOverride) {
    const info = exited ?? ({ id: status.containerID!, startedAt: status.state?.running?.startedAt, finishedAt: nowIso, exitCode: exitOverride!.exitCode } as ContainerInfo);
    const decision = recordExit(info, exitOverride?.message);
    if (decision === 'done') return out(ttlRequeue());
    if (decision === 'limit') return out();
    if (decision === 'wait') return out(remainingMs(status.backoff, now));
    exited = info; // due now: fall through to restart
  }

  if (current?.status === 'created' && !current.running) {
    // Created but never started (a crash between create and start): start it.
    actions.push({ kind: 'start', id: current.id });
    return out();
  }

  // Waiting in backoff (a crash loop or failed image pulls)?
  const wait = remainingMs(status.backoff, now);
  if (BACKOFF_REASONS.has(status.state?.waiting?.reason ?? '') && wait > 0) return out(wait);

  // Never two: an older container still stopping comes first.
  if (containers.some((c) => stopping(c))) return out();

  if (pulling) {
    // Keep an ErrImagePull/ImagePullBackOff state: a failed pull escalates the backoff from it.
    if (!BACKOFF_REASONS.has(status.state?.waiting?.reason ?? '')) status.state = { waiting: { reason: 'ContainerCreating', message: `pulling image ${pulling.image}` } };
    if (!status.phase || status.phase === 'Pending') status.phase = 'Scheduled';
    status.ready = false;
    cond('Ready', 'False', status.state?.waiting?.reason ?? 'ContainerCreating', `pulling image ${pulling.image}`);
    return out();
  }

  if (input.imagePresent === false) {
    if ((spec.imagePullPolicy ?? 'IfNotPresent') === 'Never') {
      status.phase = status.phase === 'Running' ? 'Running' : 'Scheduled';
      status.state = { waiting: { reason: 'ErrImageNeverPull', message: `image ${spec.image} is not present on node ${node.name} and imagePullPolicy is Never` } };
      status.ready = false;
      cond('Ready', 'False', 'ErrImageNeverPull', status.state.waiting!.message!);
      events.push({ type: 'Warning', reason: 'ErrImageNeverPull', message: status.state.waiting!.message! });
      return out(30_000);
    }
    actions.push({ kind: 'pullImage' });
  }

  // Start (or restart) a container.
  const restartNumber = current ? restartOf(current) + 1 : (status.restartCount ?? 0);
  if (exited && previous && previous.id !== exited.id) actions.push({ kind: 'remove', id: previous.id });
  actions.push({ kind: 'create', restartNumber });
  if (!status.phase || status.phase === 'Pending') status.phase = 'Scheduled';
  if (!BACKOFF_REASONS.has(status.state?.waiting?.reason ?? '')) status.state = { waiting: { reason: 'ContainerCreating' } };
  status.ready = false;
  cond('Ready', 'False', status.state?.waiting?.reason ?? 'ContainerCreating', 'the container is not running');
  return out();

  function running(c: ContainerInfo): Plan {
    if (previous && previous.status !== 'created' && !exitRecorded(previous, status) && replacedOnRequest(previous, c)) {
      // The container a restart request stopped: its real exit, as the last state (not a crash).
      status.lastState = {
        terminated: {
          exitCode: previous.exitCode ?? 137,
          reason: 'Restarted',
          message: `restarted on request (${RESTART_ANNOTATION}=${c.labels[REQUEST_LABELS.restart] ?? ''})`,
          startedAt: previous.startedAt,
          finishedAt: previous.finishedAt ?? nowIso,
          containerID: previous.id,
        },
      };
    }
    status.phase = 'Running';
    status.containerID = c.id;
    status.state = { running: { startedAt: c.startedAt ?? nowIso } };
    status.startTime ??= c.startedAt ?? nowIso;
    status.ports = c.ports.map((p) => ({
      containerPort: p.containerPort,
      hostPort: p.hostPort,
      protocol: p.protocol,
      hostIP: p.hostIP,
      name: spec.ports?.find((sp) => sp.containerPort === p.containerPort)?.name,
    }));
    if (status.backoff?.nextRestartAt) status.backoff = { ...status.backoff, nextRestartAt: undefined };
    cond('BackOff', 'False', 'Running', 'the container is running');
    const stop = stopping(c);
    if (stop) {
      // Being stopped (a liveness kill, a restart request): not ready, and not probed again.
      status.ready = false;
      const message = stop.reason === 'Unhealthy' ? (status.probes?.unhealthyMessage ?? 'the liveness probe failed') : `the container is stopping (${stop.reason})`;
      cond('Ready', 'False', stop.reason === 'Unhealthy' ? 'Unhealthy' : 'Stopping', message);
      return out();
    }
    if (hasProbes(task)) actions.push({ kind: 'startProbes', containerId: c.id, ports: status.ports });
    if (input.probe?.probes) status.probes = { ...status.probes, ...input.probe.probes };

    const restart = input.probe?.restart;
    if (restart) {
      const verdict = probeRestartAllowed(status.probes?.probeRestarts, spec.probeRestartLimit, now);
      if (verdict.allowed) {
        status.probes = { ...status.probes, probeRestarts: [...verdict.recent, nowIso], unhealthyContainerID: c.id, unhealthyMessage: restart.message };
        actions.push({ kind: 'stopProbes' }, { kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Unhealthy' });
        events.push({ type: 'Warning', reason: 'Unhealthy', message: restart.message });
        events.push({ type: 'Normal', reason: 'Killing', message: `Container failed ${restart.reason}, will be restarted` });
        status.ready = false;
        cond('Ready', 'False', 'Unhealthy', restart.message);
        return out();
      }
      status.probes = { ...status.probes, probeRestarts: verdict.recent };
      status.ready = false;
      const limit = spec.probeRestartLimit ?? {};
      const message = `probe-triggered restarts limited to ${limit.maxRestarts ?? 5} in ${limit.windowSeconds ?? 300}s; leaving the container running: ${restart.message}`;
      cond('ProbeRestartLimited', 'True', 'RestartRateLimited', message);
      cond('Ready', 'False', 'ProbeRestartLimited', message);
      return out(30_000);
    }
    status.conditions = (status.conditions ?? []).filter((x) => x.type !== 'ProbeRestartLimited');
    // Probes declared but no result yet: not ready (and not started) until they say so.
    const probe = input.probe ?? (hasProbes(task) ? { started: !spec.startupProbe, ready: !spec.startupProbe && !spec.readinessProbe } : undefined);
    status.started = probe?.started ?? true;
    status.ready = probe ? probe.ready : true;
    if (status.ready) cond('Ready', 'True', 'Ready', spec.readinessProbe ? 'the readiness probe passes' : 'the container is running');
    else cond('Ready', 'False', status.started ? 'ReadinessProbeFailed' : 'StartupProbePending', status.started ? 'the readiness probe does not pass yet' : 'waiting for the startup probe');
    return out();
  }

  /** Records an exit in status: 'restart' (due now), 'wait' (in backoff), 'done' (finished) or 'limit'. */
  function recordExit(c: ContainerInfo, message?: string): 'restart' | 'wait' | 'done' | 'limit' {
    const why = exitReason(c, status);
    const exitCode = c.exitCode ?? 137;
    const terminated: NonNullable<ContainerState['terminated']> = {
      exitCode,
      reason: why.reason,
      ...(message ?? why.message ? { message: message ?? why.message } : {}),
      startedAt: c.startedAt,
      finishedAt: c.finishedAt ?? nowIso,
      containerID: c.id,
    };
    if (status.probes?.unhealthyContainerID) status.probes = { ...status.probes, unhealthyContainerID: undefined, unhealthyMessage: undefined };
    status.ready = false;
    status.containerID = c.id;
    actions.push({ kind: 'stopProbes' });

    if (!shouldRestart(spec.restartPolicy, exitCode, why.restartReason)) {
      status.phase = exitCode === 0 && why.reason !== 'Unhealthy' ? 'Succeeded' : 'Failed';
      status.state = { terminated };
      status.completionTime = terminated.finishedAt;
      status.backoff = status.backoff ? { ...status.backoff, nextRestartAt: undefined } : undefined;
      cond('Ready', 'False', status.phase, `the container exited with code ${exitCode}`);
      cond('BackOff', 'False', status.phase, 'no restart: the Task has finished');
      events.push(status.phase === 'Succeeded'
        ? { type: 'Normal', reason: 'Completed', message: `Container exited with code 0` }
        : { type: 'Warning', reason: 'Failed', message: `Container exited with code ${exitCode} (${why.reason}); restartPolicy ${spec.restartPolicy ?? 'Always'} does not restart it` });
      return 'done';
    }

    const settings = resolveBackoff(spec.backoff);
    const decision = onContainerExit(status.backoff, { exitCode, startedAt: c.startedAt, finishedAt: terminated.finishedAt }, settings, now);
    status.lastState = { terminated };
    status.backoff = decision.backoff;
    if (decision.limitExceeded) {
      const msg = `restarted ${settings.maxRestarts} times within ${settings.windowSeconds}s; last exit code ${exitCode}`;
      if (settings.onLimit === 'Reschedule') {
        actions.push({ kind: 'reschedule' });
        status.backoff = undefined;
        status.state = { waiting: { reason: 'Rescheduling', message: msg } };
        events.push({ type: 'Warning', reason: 'RestartLimitExceeded', message: `${msg}; moving to another Node` });
        return 'limit';
      }
      status.phase = 'Failed';
      status.state = { terminated: { ...terminated, reason: 'RestartLimitExceeded', message: msg } };
      status.completionTime = terminated.finishedAt;
      cond('Ready', 'False', 'RestartLimitExceeded', msg);
      cond('BackOff', 'False', 'RestartLimitExceeded', msg);
      events.push({ type: 'Warning', reason: 'RestartLimitExceeded', message: msg });
      return 'limit';
    }
    status.restartCount = (status.restartCount ?? 0) + 1;
    const delay = decision.backoff.delaySeconds;
    status.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container (exit code ${exitCode})` } };
    cond('BackOff', 'True', 'CrashLoopBackOff', `back-off ${delay}s restarting failed container; next restart at ${decision.backoff.nextRestartAt}`);
    cond('Ready', 'False', 'CrashLoopBackOff', `the container exited with code ${exitCode} (${why.reason})`);
    events.push({ type: 'Warning', reason: 'BackOff', message: `Back-off ${delay}s restarting failed container (exit code ${exitCode}, ${why.reason})` });
    return remainingMs(status.backoff, now) > 0 ? 'wait' : 'restart';
  }

  function restartOnRequest(req: PendingRequest): Plan {
    const [current, ...older] = containers;
    actions.push({ kind: 'stopProbes' });
    // Keep the replaced container (for `logs --previous`), remove anything older.
    for (const c of older) {
      if (stopping(c)) continue;
      if (c.running) actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Duplicate' });
      actions.push({ kind: 'remove', id: c.id });
    }
    const annotation = req.kind === 'restart' ? RESTART_ANNOTATION : RETRY_ANNOTATION;
    const reason = req.kind === 'restart' ? 'RestartRequested' : 'RetryRequested';
    if (current.running || older.some((c) => stopping(c))) {
      // Stop first; the new container (and the count) once it has stopped. The request stays
      // pending until a container carries it, so it is counted exactly once.
      const message = `${req.kind} requested (${annotation}=${req.at}): stopping the container`;
      if (current.running && !stopping(current)) {
        actions.push({ kind: 'stop', id: current.id, graceSeconds: grace, reason: req.kind === 'restart' ? 'Restarted' : 'Retried' });
        events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${current.id.slice(0, 12)} (grace ${grace}s): ${req.kind} requested (${annotation}=${req.at})` });
      }
      status.ready = false;
      cond('Ready', 'False', 'Stopping', message);
      return out();
    }
    const restartNumber = restartOf(current) + 1;
    actions.push({ kind: 'create', restartNumber });
    status.restartCount = (status.restartCount ?? 0) + 1;
    status.backoff = undefined;
    if (status.phase === 'Succeeded' || status.phase === 'Failed') {
      status.phase = 'Scheduled';
      status.completionTime = undefined;
    }
    const message = `${req.kind === 'restart' ? 'restart' : 'retry'} requested (${annotation}=${req.at}): starting a new container now, backoff reset`;
    status.state = { waiting: { reason: 'ContainerCreating', message } };
    status.ready = false;
    cond('BackOff', 'False', reason, message);
    cond('Ready', 'False', 'ContainerCreating', message);
    events.push({ type: 'Normal', reason, message: `${message[0].toUpperCase()}${message.slice(1)} (restart ${status.restartCount})` });
    return out();
  }

  function ttlRequeue(): number | undefined {
    if (spec.ttlSecondsAfterFinished === undefined || !status.completionTime) return undefined;
    return Math.max(0, Date.parse(status.completionTime) + spec.ttlSecondsAfterFinished * 1000 - now.getTime());
  }
}

/** Status after a failed image pull: ErrImagePull first, then ImagePullBackOff, on the crash-loop delays. */
export function imagePullFailed(task: Task, message: string, now: Date): { status: TaskStatus; delayMs: number } {
  const status: TaskStatus = structuredClone(task.status ?? {});
  const settings = resolveBackoff(task.spec.backoff);
  const pulling = status.state?.waiting?.reason === 'ErrImagePull' || status.state?.waiting?.reason === 'ImagePullBackOff';
  const n = pulling && status.backoff ? status.backoff.restarts + 1 : 1;
  const delaySeconds = delayFor(n, settings);
  const nextRestartAt = new Date(now.getTime() + delaySeconds * 1000).toISOString();
  const reason = pulling ? 'ImagePullBackOff' : 'ErrImagePull';
  status.observedGeneration = task.metadata.generation;
  status.state = { waiting: { reason, message } };
  status.backoff = { ...(status.backoff ?? {}), restarts: n, delaySeconds, nextRestartAt };
  status.ready = false;
  status.conditions = setCondition(status.conditions, { type: 'BackOff', status: 'True', reason: 'ImagePullBackOff', message: `back-off ${delaySeconds}s pulling image ${task.spec.image}; next attempt at ${nextRestartAt}`, observedGeneration: task.metadata.generation }, now);
  status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason, message, observedGeneration: task.metadata.generation }, now);
  return { status, delayMs: delaySeconds * 1000 };
}
