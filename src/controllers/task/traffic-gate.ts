import type { Task, TaskStatus } from '../../api/types.js';
import { errorMessage } from '../../util/errors.js';
import { withDeadline } from '../../util/deadline.js';
import type { Logger } from '../../util/logger.js';

// The port through which the Task reconciler stops traffic to a replica BEFORE it writes a status
// in which Ready turns from True to False (probe failure, liveness kill, stop, delete — any
// True→False), so that from the moment the Ready=False write is stored no request reaches it
// (issue 18). The chain Task status → EndpointSlice → data plane is asynchronous; the gate is the
// short cut in front of it, for a data plane in the same process (standalone `okube up`).
// Contract:
// - beforeUnready(task) resolves once the data plane routes no new request to the Task's
//   endpoints and the ones in flight are answered. It is waited for at most a short timeout
//   (passGate); on timeout or error the write goes ahead anyway: status honesty beats the gate.
// - afterReady(task) is called after a write that left the Task Ready=True (including a Ready=False
//   write that failed, so the store still says True): the gate may let traffic in again, as the
//   EndpointSlices say.
// Default: no gate (Helm mode, where kube-proxy follows EndpointSlices, with Kubernetes' own gap).

export interface TrafficGate {
  beforeUnready(task: Task): Promise<void>;
  afterReady(task: Task): void;
}

export const noTrafficGate: TrafficGate = { beforeUnready: () => Promise.resolve(), afterReady: () => undefined };

/** How long a status write waits for the gate by default. */
export const TRAFFIC_GATE_TIMEOUT_MS = 1000;

export function isReady(status: TaskStatus | undefined): boolean {
  return status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** Whether writing `next` over `prev` turns Ready from True to False (or drops it). */
export function turnsUnready(prev: TaskStatus | undefined, next: TaskStatus): boolean {
  return isReady(prev) && !isReady(next);
}

/**
 * The status with its Ready condition's lastTransitionTime moved to `at` (when the gate has let
 * the write through): the transition is stored at the time traffic stopped, not when it was planned.
 */
export function stampReadyTransition(status: TaskStatus, at: Date): TaskStatus {
  if (!status.conditions?.some((c) => c.type === 'Ready')) return status;
  return { ...status, conditions: status.conditions.map((c) => (c.type === 'Ready' ? { ...c, lastTransitionTime: at.toISOString() } : c)) };
}

/** Waits for gate.beforeUnready(task) at most timeoutMs; never throws (logs instead). */
export async function passGate(gate: TrafficGate, task: Task, timeoutMs: number, log: Logger): Promise<boolean> {
  try {
    await withDeadline(gate.beforeUnready(task), timeoutMs, 'the traffic gate');
    return true;
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'traffic gate not closed; going on (status honesty beats the gate)');
    return false;
  }
}

export interface GatedWrite {
  gate: TrafficGate;
  /** The Task as stored (its status is the one being replaced). */
  task: Task;
  status: TaskStatus;
  write: (status: TaskStatus) => Promise<Task>;
  now: () => Date;
  timeoutMs: number;
  log: Logger;
}

/**
 * One status write under the gate: a write that turns Ready from True to False first passes the
 * gate (bounded) and stamps the Ready transition at the time it did; a write that leaves the Task
 * Ready, or a gated write that failed (the store still says Ready=True), opens the gate again.
 */
export async function writeGated(w: GatedWrite): Promise<Task> {
  let status = w.status;
  const gated = turnsUnready(w.task.status, status);
  if (gated) {
    await passGate(w.gate, w.task, w.timeoutMs, w.log);
    status = stampReadyTransition(status, w.now());
  }
  let written: Task;
  try {
    written = await w.write(status);
  } catch (err) {
    if (gated) w.gate.afterReady(w.task);
    throw err;
  }
  if (isReady(written.status)) w.gate.afterReady(written);
  return written;
}
