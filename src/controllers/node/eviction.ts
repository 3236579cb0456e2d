import type { Task, TaskStatus } from '../../api/types.js';
import { isFinished } from '../../api/task-phase.js';
import { setCondition } from '../conditions.js';

// Moving Tasks off a Node, pure: which Tasks of a lost Node are due (each after its own
// evictionTimeoutSeconds, like a toleration of the not-ready taint), and the status a Task gets
// when it leaves its Node — waiting for the scheduler again, or Failed when its restartPolicy
// (Never) forbids running it anew.

/** Set on a Task (by `okube drain`) to ask that it be stopped gracefully and moved off the Node named in the value. */
export const EVICT_ANNOTATION = 'okube.dev/evict-from';

export const DEFAULT_EVICTION_TIMEOUT_MS = 300_000;

export type EvictionCause = 'NodeLost' | 'Drained';

export function evictionTimeoutMs(t: Task, defaultMs = DEFAULT_EVICTION_TIMEOUT_MS): number {
  const s = t.spec.evictionTimeoutSeconds;
  return s === undefined ? defaultMs : s * 1000;
}

/** Tasks of a Node NotReady since `notReadySince` that are due now, and when the next one is. */
export function dueEvictions(tasks: Task[], notReadySince: number, now: number, defaultMs?: number): { due: Task[]; nextInMs?: number } {
  const due: Task[] = [];
  let nextInMs: number | undefined;
  for (const t of tasks) {
    if (isFinished(t) && !t.metadata.deletionTimestamp) continue;
    const left = notReadySince + evictionTimeoutMs(t, defaultMs) - now;
    if (left <= 0) due.push(t);
    else nextInMs = Math.min(nextInMs ?? left, left);
  }
  return { due, nextInMs };
}

/** Whether the Task may run again elsewhere (a lost or drained container counts as a failure). */
export function mayRunElsewhere(t: Task): boolean {
  return (t.spec.restartPolicy ?? 'Always') !== 'Never';
}

/**
 * Status of a Task leaving its Node: Pending for the scheduler, or Failed (restartPolicy Never).
 * exitCode is the container's real exit when it was stopped (a drain); a lost Node's container
 * was never seen to exit, so it reads as killed (137).
 */
export function statusAfterEviction(t: Task, cause: EvictionCause, message: string, now: Date, exitCode = 137): TaskStatus {
  const generation = t.metadata.generation;
  const s: TaskStatus = structuredClone(t.status ?? {});
  const nowIso = now.toISOString();
  s.observedGeneration = generation;
  s.ready = false;
  const cond = (type: string, st: 'True' | 'False', reason: string, msg: string) => {
    s.conditions = setCondition(s.conditions, { type, status: st, reason, message: msg, observedGeneration: generation }, now);
  };
  if (!mayRunElsewhere(t)) {
    s.phase = 'Failed';
    const wasRunning = s.state?.running;
    s.state = { terminated: { exitCode, reason: cause, message, startedAt: wasRunning?.startedAt, finishedAt: nowIso, containerID: s.containerID } };
    s.completionTime = nowIso;
    cond('Ready', 'False', cause, message);
    return s;
  }
  s.phase = 'Pending';
  s.state = { waiting: { reason: 'Rescheduling', message } };
  if (t.status?.state?.running || t.status?.state?.terminated) s.lastState = { terminated: { exitCode, reason: cause, message, startedAt: t.status.state.running?.startedAt, finishedAt: nowIso, containerID: s.containerID } };
  for (const k of ['nodeName', 'hostIP', 'containerID', 'ports', 'started', 'probes', 'backoff'] as const) delete s[k];
  cond('Scheduled', 'False', cause, message);
  cond('Ready', 'False', cause, message);
  cond('BackOff', 'False', cause, 'no crash loop: the Task is moving to another Node');
  return s;
}
