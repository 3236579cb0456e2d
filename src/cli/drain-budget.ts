import { isFinished } from '../api/task-phase.js';
import type { Task, TaskSet } from '../api/types.js';
import { isReady } from '../controllers/task/traffic-gate.js';
import { resolveFenceposts } from '../controllers/taskset/plan/fenceposts.js';

// How many of a TaskSet's Tasks `okube drain` may move off a Node right now, pure. A moved Task is
// stopped before it starts elsewhere (it keeps its name: it is not replaced, as a Pod would be),
// so moving all of a TaskSet's Tasks at once would take the whole service down. The TaskSet's
// rolling-update maxUnavailable is its disruption budget — what a Kubernetes user would write in a
// PodDisruptionBudget for a Deployment — at least 1, so a drain always moves; Recreate has none.

/** The most of the TaskSet's Tasks that may be unavailable during a drain; undefined: no limit. */
export function drainBudget(ts: TaskSet): number | undefined {
  if (ts.spec.strategy?.type === 'Recreate') return undefined;
  return Math.max(1, resolveFenceposts(ts.spec).maxUnavailable);
}

/**
 * How many more of the TaskSet's Tasks may be moved now: its budget less what is unavailable —
 * replicas not Ready (missing ones included, as a PodDisruptionBudget counts), and Tasks already
 * asked to move (`moving`, by uid) that still read Ready because their controller has not stopped them yet.
 */
export function evictionsAllowed(ts: TaskSet, members: readonly Task[], moving: ReadonlySet<string>): number {
  const budget = drainBudget(ts);
  if (budget === undefined) return Number.POSITIVE_INFINITY;
  const ready = members.filter((t) => !isFinished(t) && !t.metadata.deletionTimestamp && isReady(t.status) && !moving.has(t.metadata.uid!)).length;
  const unavailable = Math.max(0, (ts.spec.replicas ?? 1) - ready);
  return Math.max(0, budget - unavailable);
}

/** The line `okube drain` prints for a Task that waits for its TaskSet's budget (as kubectl drain says a PodDisruptionBudget holds a Pod). */
export function budgetWaitMessage(task: Task, ts: TaskSet): string {
  return `waiting to evict task ${task.metadata.namespace}/${task.metadata.name}: it would violate the disruption budget of TaskSet ${ts.metadata.name} (at most ${drainBudget(ts)} of ${ts.spec.replicas ?? 1} unavailable)`;
}
