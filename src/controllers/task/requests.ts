import type { Task, TaskStatus } from '../../api/types.js';
import type { ContainerInfo } from '../../runtime/runtime.js';

// Restart and retry on request (`okube restart`, `okube retry`, or `kubectl annotate`): a
// timestamp annotation on the Task, copied onto every container created after it. A request is
// pending while the newest container does not carry its value, so it is honoured exactly once,
// and a controller that crashes mid-way finds it done (or not) in Docker itself — the same way
// `kubectl rollout restart` works through the pod template.

export const RESTART_ANNOTATION = 'okube.dev/restartedAt';
export const RETRY_ANNOTATION = 'okube.dev/retryAt';

export const REQUEST_LABELS = {
  restart: 'okube.dev/restarted-at',
  retry: 'okube.dev/retry-at',
} as const;

export type RequestKind = keyof typeof REQUEST_LABELS;

export interface PendingRequest {
  kind: RequestKind;
  at: string;
}

const WAITING_TO_RESTART = new Set(['CrashLoopBackOff', 'ErrImagePull', 'ImagePullBackOff']);

/** The labels a new container carries: the requests it answers. */
export function requestLabels(task: Task): Record<string, string> {
  const a = task.metadata.annotations ?? {};
  const out: Record<string, string> = {};
  if (a[RESTART_ANNOTATION]) out[REQUEST_LABELS.restart] = a[RESTART_ANNOTATION];
  if (a[RETRY_ANNOTATION]) out[REQUEST_LABELS.retry] = a[RETRY_ANNOTATION];
  return out;
}

/** A Task a retry applies to: waiting out a backoff, or Failed (e.g. its restart limit). */
export function retryable(status: TaskStatus | undefined): boolean {
  return WAITING_TO_RESTART.has(status?.state?.waiting?.reason ?? '') || status?.phase === 'Failed';
}

/**
 * The request to honour now, if any. A restart replaces the newest container whatever its state;
 * a retry only ends a wait (a running Task has nothing to retry). With no container there is
 * nothing to replace: the next container is created anyway and carries the request, and a wait
 * with no container (a failed pull) ends on a request newer than its failure (plan/containers.ts).
 */
export function pendingRequest(task: Task, newest: ContainerInfo | undefined, status: TaskStatus): PendingRequest | undefined {
  if (!newest) return undefined;
  const a = task.metadata.annotations ?? {};
  const restartAt = a[RESTART_ANNOTATION];
  if (restartAt && newest.labels[REQUEST_LABELS.restart] !== restartAt) return { kind: 'restart', at: restartAt };
  const retryAt = a[RETRY_ANNOTATION];
  if (retryAt && newest.labels[REQUEST_LABELS.retry] !== retryAt && !newest.running && retryable(status)) return { kind: 'retry', at: retryAt };
  return undefined;
}

/** The container `newer` replaced on a restart request (its exit is a restart, not a crash). */
export function replacedOnRequest(older: ContainerInfo, newer: ContainerInfo): boolean {
  return older.labels[REQUEST_LABELS.restart] !== newer.labels[REQUEST_LABELS.restart] || older.labels[REQUEST_LABELS.retry] !== newer.labels[REQUEST_LABELS.retry];
}
