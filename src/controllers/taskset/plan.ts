import { AVOID_NODES_ANNOTATION } from '../../api/annotations.js';
import { API_VERSION, TEMPLATE_HASH_LABEL, type Task, type TaskSet } from '../../api/types.js';
import { EVICT_ANNOTATION } from '../node/eviction.js';
import { RESTART_ANNOTATION, RETRY_ANNOTATION } from '../task/requests.js';
import { classify, nextAvailableInMs } from './plan/classify.js';
import { avoidNodes, bookFailures, finishedHistoryDeletions } from './plan/failures.js';
import { ownerReferenceFor, sortOwnership } from './plan/ownership.js';
import { decideRollout } from './plan/rollout.js';
import { computeStatus } from './plan/status.js';
import type { TaskCreation, TaskSetPlan, TaskSetPlanEvent, TaskSetPlanInput, TaskView } from './plan/types.js';
import { templateHash } from './hash.js';

// planTaskSet(): the TaskSet controller's decisions as a pure function of (TaskSet, the Tasks it
// owns or may adopt, now), in named steps over plan/: ownership (adopt/release), classification,
// failure bookkeeping, the rollout step (rolling / recreate / paused), finished-Task history,
// status. A TaskSet being deleted creates and deletes nothing (the garbage collector removes its
// Tasks through their ownerReferences); its status is still kept.

export type { TaskSetPlan, TaskSetPlanInput } from './plan/types.js';

/** Annotations a Task gets from okube, not from its template: never copied into a new Task. */
const NOT_COPIED = [AVOID_NODES_ANNOTATION, EVICT_ANNOTATION, RESTART_ANNOTATION, RETRY_ANNOTATION];

function creation(ts: TaskSet, hash: string, createHash: string, count: number, views: TaskView[], avoid: string | undefined): TaskCreation {
  let labels: Record<string, string>;
  let annotations: Record<string, string>;
  let spec: Task['spec'];
  const sample = createHash === hash ? undefined : views.find((v) => v.active && v.hash === createHash)?.task;
  if (sample) {
    // Paused with most Tasks on an older template: a new one copies such a Task.
    labels = { ...sample.metadata.labels };
    annotations = Object.fromEntries(Object.entries(sample.metadata.annotations ?? {}).filter(([k]) => !NOT_COPIED.includes(k)));
    spec = structuredClone(sample.spec);
    if (!ts.spec.template.spec.nodeName) delete spec.nodeName;
  } else {
    labels = { ...ts.spec.template.metadata.labels };
    annotations = { ...ts.spec.template.metadata.annotations };
    spec = structuredClone(ts.spec.template.spec);
  }
  labels[TEMPLATE_HASH_LABEL] = createHash;
  if (avoid) annotations[AVOID_NODES_ANNOTATION] = avoid;
  const task: Task = {
    apiVersion: API_VERSION,
    kind: 'Task',
    metadata: {
      namespace: ts.metadata.namespace,
      labels,
      ...(Object.keys(annotations).length ? { annotations } : {}),
      ownerReferences: [ownerReferenceFor(ts)],
    },
    spec,
  };
  return { count, hash: createHash, namePrefix: taskNamePrefix(ts.metadata.name!, createHash), task };
}

/**
 * `NAME-HASH-`, cut to 58 characters as kube's generateName cuts a ReplicaSet's Pod names: with
 * the 5 random characters a Task name is at most 63, whatever the TaskSet's name.
 */
export function taskNamePrefix(taskSetName: string, hash: string): string {
  return `${taskSetName}-${hash}-`.slice(0, MAX_GENERATED_PREFIX);
}

/** kube's maxGeneratedNameLength: 63 less the 5 random characters. */
const MAX_GENERATED_PREFIX = 58;

export function planTaskSet({ taskSet: ts, tasks, now }: TaskSetPlanInput): TaskSetPlan {
  const hash = templateHash(ts.spec.template);
  const minReady = ts.spec.minReadySeconds ?? 0;
  const { owned, adopt, release } = sortOwnership(ts, tasks);
  const views = owned.map((t) => classify(t, minReady, now));
  const events: TaskSetPlanEvent[] = [];

  const failures = bookFailures(ts.status?.recentFailures, views, now);
  for (const f of failures.added) {
    events.push({ type: 'Warning', reason: 'TaskFailed', message: `Task ${f.taskName} failed on node ${f.nodeName} (${f.reason}); its replacement avoids that node for 10m` });
  }

  const plan: TaskSetPlan = { adopt, release, delete: [], status: {}, events };
  if (!ts.metadata.deletionTimestamp) {
    const decision = decideRollout(ts.spec, hash, views);
    if (decision.create > 0) plan.create = creation(ts, hash, decision.createHash, decision.create, views, avoidNodes(failures.recent));
    plan.delete = [...decision.delete, ...finishedHistoryDeletions(views)];
  }

  const { status, deadlineInMs } = computeStatus({ taskSet: ts, hash, views, recentFailures: failures.recent, now });
  plan.status = status;
  const waits = [deadlineInMs, nextAvailableInMs(views, minReady, now)].filter((w): w is number => w !== undefined);
  if (waits.length) plan.requeueAfterMs = Math.min(...waits);
  return plan;
}
