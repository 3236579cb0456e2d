import { TEMPLATE_HASH_LABEL, type Task, type TaskPhase, type TaskSet, type TaskSetSpec } from '../../../../src/api/types.js';
import { templateHash } from '../../../../src/controllers/taskset/hash.js';

// Builders for the TaskSet planner's unit tests: a fixed clock, a TaskSet, and its Tasks in the
// states the planner distinguishes.

export const NOW = new Date('2026-03-01T12:00:00Z');
export const ago = (s: number) => new Date(NOW.getTime() - s * 1000).toISOString();

export const UID = 'ts-uid-1';

export function taskSet(spec: Partial<TaskSetSpec> = {}, extra: Partial<TaskSet> = {}): TaskSet {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'TaskSet',
    metadata: { name: 'web', namespace: 'ns', uid: UID, generation: 1, creationTimestamp: ago(3600) },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { image: 'img:1' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      minReadySeconds: 0,
      progressDeadlineSeconds: 600,
      ...spec,
    },
    ...extra,
  };
}

/** The TaskSet with another image (a new template). */
export function withImage(ts: TaskSet, image: string): TaskSet {
  return { ...ts, metadata: { ...ts.metadata, generation: (ts.metadata.generation ?? 1) + 1 }, spec: { ...ts.spec, template: { ...ts.spec.template, spec: { ...ts.spec.template.spec, image } } } };
}

export const hashOf = (ts: TaskSet) => templateHash(ts.spec.template);

export interface TaskOpts {
  hash?: string;
  /** Ready since this many seconds ago; undefined: not ready. */
  readyFor?: number;
  phase?: TaskPhase;
  node?: string;
  deleting?: boolean;
  createdAgo?: number;
  restarts?: number;
  owner?: string | null;
  labels?: Record<string, string>;
  image?: string;
  completedAgo?: number;
}

let seq = 0;
export function task(name: string, o: TaskOpts = {}): Task {
  seq++;
  const owner = o.owner === undefined ? UID : o.owner;
  const ready = o.readyFor !== undefined;
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      creationTimestamp: ago(o.createdAgo ?? 600 - seq),
      labels: o.labels ?? { app: 'web', ...(o.hash ? { [TEMPLATE_HASH_LABEL]: o.hash } : {}) },
      ...(owner ? { ownerReferences: [{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: owner, controller: true, blockOwnerDeletion: true }] } : {}),
      ...(o.deleting ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: { image: o.image ?? 'img:1', ...(o.node === undefined ? { nodeName: 'n1' } : o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      nodeName: o.node === undefined ? 'n1' : o.node || undefined,
      restartCount: o.restarts ?? 0,
      ready,
      ...(o.completedAgo !== undefined ? { completionTime: ago(o.completedAgo) } : {}),
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: ago(o.readyFor ?? 5), reason: ready ? 'ProbeSucceeded' : 'ContainersNotReady', message: '' }],
    },
  };
}

/** n Ready Tasks of one template, on nodes n1, n2, … in turn. */
export function readyTasks(prefix: string, n: number, hash: string, readyFor = 60): Task[] {
  return Array.from({ length: n }, (_, i) => task(`${prefix}${i}`, { hash, readyFor, node: `n${(i % 3) + 1}` }));
}
