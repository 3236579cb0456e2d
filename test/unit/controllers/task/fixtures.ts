import { LABELS, TASK_FINALIZER, type Task, type TaskSpec } from '../../../../src/api/types.js';
import { specHash } from '../../../../src/controllers/task/container-spec.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';

// Plain-data Tasks and containers for the plan's unit tests, on a fixed clock.

export const T0 = Date.UTC(2026, 0, 1);
export const at = (s: number) => new Date(T0 + s * 1000);
export const iso = (s: number) => at(s).toISOString();
export const node = { name: 'n1', address: '127.0.0.1', ready: true };

export function task(spec: Partial<TaskSpec> = {}, status?: Task['status'], meta: Partial<Task['metadata']> = {}): Task {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns', uid: 'uid-1', generation: 1, finalizers: [TASK_FINALIZER], ...meta },
    spec: { image: 'img', nodeName: 'n1', ...spec },
    status,
  };
}

/** A running container of the Task (restart 0 unless given), carrying the Task's current spec hash. */
export function container(t: Task, over: Partial<ContainerInfo> & { restart?: number } = {}, labels: Record<string, string> = {}): ContainerInfo {
  const { restart = 0, ...rest } = over;
  return {
    id: `c${restart}`,
    name: `c${restart}`,
    image: 'img',
    labels: { [LABELS.taskUid]: 'uid-1', [LABELS.specHash]: specHash(t), [LABELS.restart]: String(restart), ...labels },
    status: 'running',
    running: true,
    startedAt: iso(0),
    ports: [],
    ...rest,
  };
}
