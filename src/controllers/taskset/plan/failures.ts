import { formatNodeList } from '../../../api/annotations.js';
import type { TaskSetFailure } from '../../../api/types.js';
import type { TaskDeletion, TaskView } from './types.js';

// Failed replicas. A Task that ends Failed (its restart limit, or its Node lost with
// restartPolicy Never) is not a replica any more: the rollout step replaces it. Here: remember
// where it failed for AVOID_WINDOW_MS (status.recentFailures; new Tasks carry those Nodes in
// okube.dev/avoid-nodes for the scheduler), and keep the newest FINISHED_KEPT finished Tasks for
// inspection (kubectl describe, okube logs --previous), deleting older ones, so a replica that
// keeps failing does not pile up Tasks.

/**
 * 10 minutes: longer than a crash-loop backoff's default cap (300 s), so a Node that keeps
 * killing replicas is still avoided when the replacement's own backoff would end; short enough
 * that a Node fixed meanwhile gets replicas again within one maintenance window.
 */
export const AVOID_WINDOW_MS = 10 * 60_000;
export const FINISHED_KEPT = 3;

function failedAt(v: TaskView, now: Date): string {
  return v.task.status?.completionTime ?? now.toISOString();
}

function failureReason(v: TaskView): string {
  const s = v.task.status;
  return s?.state?.terminated?.reason ?? s?.conditions?.find((c) => c.type === 'Ready')?.reason ?? 'Failed';
}

export interface FailureBook {
  /** status.recentFailures: inside the window, oldest first. */
  recent: TaskSetFailure[];
  /** Failures seen for the first time now. */
  added: TaskSetFailure[];
}

export function bookFailures(prev: TaskSetFailure[] | undefined, views: TaskView[], now: Date): FailureBook {
  const since = now.getTime() - AVOID_WINDOW_MS;
  const recent = (prev ?? []).filter((f) => Date.parse(f.time) > since);
  const known = new Set(recent.map((f) => f.taskName));
  const added: TaskSetFailure[] = [];
  for (const v of views) {
    if (v.task.status?.phase !== 'Failed' || known.has(v.task.metadata.name!)) continue;
    const nodeName = v.task.status?.nodeName ?? v.task.spec.nodeName;
    const time = failedAt(v, now);
    if (!nodeName || Date.parse(time) <= since) continue;
    added.push({ taskName: v.task.metadata.name!, nodeName, time, reason: failureReason(v) });
  }
  return { recent: [...recent, ...added].sort((a, b) => Date.parse(a.time) - Date.parse(b.time)), added };
}

/** The okube.dev/avoid-nodes value: the Nodes of recent failures, sorted, or undefined. */
export function avoidNodes(recent: TaskSetFailure[]): string | undefined {
  return recent.length ? formatNodeList(recent.map((f) => f.nodeName)) : undefined;
}

/** Finished Tasks beyond the newest FINISHED_KEPT. */
export function finishedHistoryDeletions(views: TaskView[]): TaskDeletion[] {
  const finished = views.filter((v) => v.finished && !v.task.metadata.deletionTimestamp);
  const at = (v: TaskView) => Date.parse(v.task.status?.completionTime ?? v.task.metadata.creationTimestamp ?? '') || 0;
  finished.sort((a, b) => at(b) - at(a));
  return finished.slice(FINISHED_KEPT).map((v) => ({ task: v.task, reason: 'FinishedHistory' }));
}
