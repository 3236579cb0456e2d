import type { Task, TaskStatus } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { delayFor, resolveBackoff } from '../../backoff/index.js';
import { errorMessage, isOkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import { setCondition } from '../conditions.js';
import type { OpFailure } from './engine-ops.js';
import type { Action, PlanEvent } from './plan.js';

// A reconcile that fails is retried with backoff; what went wrong must also reach the user
// where they look — the Task's status and its Events — not only the controllers' log. The
// reasons are the kubelet's where it has one (CreateContainerError, RunContainerError).
// A container that could not be created or started waits on the Task's own backoff (the
// crash-loop delays, status.backoff.nextRestartAt), growing with each failure in a row, like a
// failed image pull — the plan holds the Task until then (BACKOFF_REASONS).

export const FAILURE_CONDITION = 'ReconcileError';

const log = loggerFor('controller.task');

/** The reason a user sees for a failure while doing `action` (undefined: outside any action). */
export function failureReason(action: Action | undefined): string {
  switch (action?.kind) {
    case 'create':
      return 'CreateContainerError';
    case 'start':
      return 'RunContainerError';
    case 'stop':
      return 'FailedKill';
    case 'remove':
      return 'FailedRemove';
    default:
      return 'FailedSync';
  }
}

/** The status that says a reconcile failed: the failure condition, and for a container that could not be created or started, the waiting state and Ready. */
export function failedStatus(task: Task, reason: string, message: string, now: Date): TaskStatus {
  const status: TaskStatus = structuredClone(task.status ?? {});
  const generation = task.metadata.generation;
  status.conditions = setCondition(status.conditions, { type: FAILURE_CONDITION, status: 'True', reason, message, observedGeneration: generation }, now);
  if (isContainerFailure(reason) && !status.state?.running) {
    const settings = resolveBackoff(task.spec.backoff);
    const again = isContainerFailure(status.state?.waiting?.reason ?? '') && status.backoff !== undefined;
    const n = again ? status.backoff!.restarts + 1 : 1;
    const delaySeconds = delayFor(n, settings);
    const nextRestartAt = new Date(now.getTime() + delaySeconds * 1000).toISOString();
    status.state = { waiting: { reason, message } };
    status.backoff = { ...(status.backoff ?? {}), restarts: n, delaySeconds, nextRestartAt };
    if (!status.phase || status.phase === 'Pending') status.phase = 'Scheduled';
    status.ready = false;
    status.conditions = setCondition(status.conditions, { type: 'BackOff', status: 'True', reason, message: `back-off ${delaySeconds}s after ${reason}; next attempt at ${nextRestartAt}`, observedGeneration: generation }, now);
    status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason, message, observedGeneration: generation }, now);
  }
  return status;
}

/**
 * The engine's message without the ids it makes up per attempt (a network endpoint's 64-hex id),
 * so that a failure repeating is one counted Event and one status, not a new one each time.
 */
export function stableMessage(message: string): string {
  return message.replace(/\s*\([0-9a-f]{64}\)/g, '');
}

/** A container that could not be created or started: it waits on the backoff. */
export function isContainerFailure(reason: string): boolean {
  return reason === 'CreateContainerError' || reason === 'RunContainerError';
}

/** Milliseconds until the retry a failed status schedules (undefined: none scheduled). */
export function retryDelayMs(status: TaskStatus | undefined, now: Date): number | undefined {
  if (!isContainerFailure(status?.state?.waiting?.reason ?? '') || !status?.backoff?.nextRestartAt) return undefined;
  return Math.max(0, Date.parse(status.backoff.nextRestartAt) - now.getTime());
}

/** A successful reconcile: the failure condition goes. */
export function clearFailure(status: TaskStatus): TaskStatus {
  if (!status.conditions?.some((c) => c.type === FAILURE_CONDITION)) return status;
  return { ...status, conditions: status.conditions.filter((c) => c.type !== FAILURE_CONDITION) };
}

/**
 * The status a reconcile that did not fail writes: without the failure condition, unless a pull
 * that failed outside the worker (`opPullFailed`) left it, or a container still waits out a failed
 * create or start (the condition goes once one runs).
 */
export function settledStatus(status: TaskStatus, opPullFailed: boolean): TaskStatus {
  return opPullFailed || isContainerFailure(status.state?.waiting?.reason ?? '') ? status : clearFailure(status);
}

/** The Event for an engine call that failed outside the worker. */
export function opFailureEvent(f: OpFailure): PlanEvent {
  if (f.op.kind === 'stop') return { type: 'Warning', reason: 'FailedKill', message: `Stopping container ${f.op.containerId.slice(0, 12)} failed: ${f.message}` };
  return { type: 'Warning', reason: 'Failed', message: `Failed to pull image ${f.op.image}: ${f.message}` };
}

/**
 * Puts the failure into status (when that changes it) and an Event (the recorder counts repeats
 * on one Event). A Conflict only means a stale read and a vanished Task has no one to tell.
 * Returns the Task as written, if it was.
 */
export async function reportFailure(
  task: Task,
  action: Action | undefined,
  err: unknown,
  deps: { tasks: Pick<ResourceClient<Task>, 'replaceStatus'>; events: EventSink; now: Date },
): Promise<Task | undefined> {
  if (isOkubeError(err, 'Conflict') || isOkubeError(err, 'NotFound')) return undefined;
  const reason = failureReason(action);
  const message = stableMessage(errorMessage(err));
  await deps.events.record(task, 'Warning', reason, message);
  const status = failedStatus(task, reason, message, deps.now);
  if (JSON.stringify(status) === JSON.stringify(task.status ?? {})) return undefined;
  try {
    return await deps.tasks.replaceStatus({ ...task, status });
  } catch (e) {
    log.debug({ key: `${task.metadata.namespace}/${task.metadata.name}`, err: errorMessage(e) }, 'could not write the failure into status');
    return undefined;
  }
}
