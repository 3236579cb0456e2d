import type { TaskSet, TaskSetCondition, TaskSetFailure, TaskSetStatus } from '../../../api/types.js';
import { formatLabelSelector } from '../selector.js';
import { availabilityAllowance } from './fenceposts.js';
import type { TaskView } from './types.js';

// status and its conditions, as the Deployment controller writes them (syncRolloutStatus):
// Available from minimum availability; Progressing True while the rollout makes progress (more
// updated, fewer old, more ready or available Tasks — each progress moves lastUpdateTime), True
// NewTaskSetAvailable once complete, Unknown while paused, and False ProgressDeadlineExceeded once
// progressDeadlineSeconds passed since the last progress. The deadline only reports: nothing is
// deleted or rolled back because of it.

export const REASONS = {
  available: 'MinimumReplicasAvailable',
  unavailable: 'MinimumReplicasUnavailable',
  templateChanged: 'TemplateChanged',
  updated: 'TaskSetUpdated',
  complete: 'NewTaskSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'TaskSetPaused',
  resumed: 'TaskSetResumed',
} as const;

type Cond = Omit<TaskSetCondition, 'lastUpdateTime' | 'lastTransitionTime'>;

/**
 * deployment/util.SetDeploymentCondition: the same status and reason changes nothing (times
 * kept) unless `touch`; a new reason keeps lastTransitionTime while status is the same.
 */
export function setTaskSetCondition(list: TaskSetCondition[], next: Cond, now: Date, touch = false): TaskSetCondition[] {
  const at = now.toISOString();
  const prev = list.find((c) => c.type === next.type);
  if (prev && prev.status === next.status && prev.reason === next.reason && !touch) return list;
  const cond: TaskSetCondition = { ...next, lastUpdateTime: at, lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : at };
  return [...list.filter((c) => c.type !== next.type), cond].sort((a, b) => (a.type < b.type ? -1 : 1));
}

/**
 * ReplicaFailure, as kube's ReplicaSet controller sets it: True with the create's error while
 * Tasks cannot be made (a template the API refuses, a name too long), gone once a sync succeeds.
 * A condition already there is left as it is: its message names a random Task, so rewriting it on
 * every failed sync would write status, and the TaskSet's own MODIFIED event would requeue it at
 * once, around the failure backoff.
 */
export function withReplicaFailure(status: TaskSetStatus, createError: string | undefined, now: Date): TaskSetStatus {
  const conds = status.conditions ?? [];
  if (createError === undefined) {
    if (!conds.some((c) => c.type === 'ReplicaFailure')) return status;
    return { ...status, conditions: conds.filter((c) => c.type !== 'ReplicaFailure') };
  }
  return { ...status, conditions: setTaskSetCondition(conds, { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: createError }, now) };
}

export interface StatusInput {
  taskSet: TaskSet;
  hash: string;
  views: TaskView[];
  recentFailures: TaskSetFailure[];
  now: Date;
}

export interface StatusResult {
  status: TaskSetStatus;
  /** When Progressing must be looked at again (the deadline), ms from now. */
  deadlineInMs?: number;
}

export function computeStatus({ taskSet, hash, views, recentFailures, now }: StatusInput): StatusResult {
  const { spec } = taskSet;
  const prev = taskSet.status ?? {};
  const name = taskSet.metadata.name;
  const wanted = spec.replicas ?? 1;
  const active = views.filter((v) => v.active);
  const replicas = active.length;
  const readyReplicas = active.filter((v) => v.ready).length;
  const availableReplicas = active.filter((v) => v.available).length;
  const updatedReplicas = active.filter((v) => v.hash === hash).length;
  const status: TaskSetStatus = {
    observedGeneration: taskSet.metadata.generation,
    replicas,
    readyReplicas,
    availableReplicas,
    unavailableReplicas: Math.max(0, wanted - availableReplicas),
    updatedReplicas,
    readyReplicasText: `${readyReplicas}/${wanted}`,
    selector: formatLabelSelector(spec.selector),
    templateHash: hash,
    ...(recentFailures.length ? { recentFailures } : {}),
  };

  let conds = prev.conditions ?? [];
  const minAvailable = wanted - availabilityAllowance(spec);
  conds = availableReplicas >= minAvailable
    ? setTaskSetCondition(conds, { type: 'Available', status: 'True', reason: REASONS.available, message: 'TaskSet has minimum availability.' }, now)
    : setTaskSetCondition(conds, { type: 'Available', status: 'False', reason: REASONS.unavailable, message: 'TaskSet does not have minimum availability.' }, now);

  const progressing = conds.find((c) => c.type === 'Progressing');
  const deadlineMs = (spec.progressDeadlineSeconds ?? 600) * 1000;
  if (spec.paused) {
    if (progressing?.reason !== REASONS.paused && progressing?.reason !== REASONS.timedOut) {
      conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'Unknown', reason: REASONS.paused, message: 'TaskSet is paused' }, now);
    }
    return { status: { ...status, conditions: conds } };
  }
  if (progressing?.reason === REASONS.paused) {
    conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'Unknown', reason: REASONS.resumed, message: 'TaskSet is resumed' }, now);
  } else if (prev.templateHash !== hash) {
    conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'True', reason: REASONS.templateChanged, message: `TaskSet "${name}" is rolling out template ${hash}.` }, now, true);
  } else {
    const alreadyComplete = progressing?.reason === REASONS.complete && replicas === updatedReplicas;
    const complete = updatedReplicas === wanted && replicas === wanted && availableReplicas === wanted;
    const moved =
      updatedReplicas > (prev.updatedReplicas ?? 0) ||
      replicas - updatedReplicas < (prev.replicas ?? 0) - (prev.updatedReplicas ?? 0) ||
      readyReplicas > (prev.readyReplicas ?? 0) ||
      availableReplicas > (prev.availableReplicas ?? 0);
    const last = progressing?.lastUpdateTime ? Date.parse(progressing.lastUpdateTime) : now.getTime();
    if (alreadyComplete) {
      // Complete stays complete until the template changes (Kubernetes: isCompleteDeployment).
    } else if (complete) {
      conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'True', reason: REASONS.complete, message: `TaskSet "${name}" has successfully progressed.` }, now);
    } else if (moved) {
      conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'True', reason: REASONS.updated, message: `TaskSet "${name}" is progressing.` }, now, true);
    } else if (progressing && (progressing.reason === REASONS.timedOut || last + deadlineMs < now.getTime())) {
      conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'False', reason: REASONS.timedOut, message: `TaskSet "${name}" has timed out progressing.` }, now);
    } else if (!progressing) {
      conds = setTaskSetCondition(conds, { type: 'Progressing', status: 'True', reason: REASONS.updated, message: `TaskSet "${name}" is progressing.` }, now, true);
    }
  }
  const cur = conds.find((c) => c.type === 'Progressing');
  let deadlineInMs: number | undefined;
  if (cur && cur.status !== 'False' && cur.reason !== REASONS.complete && cur.lastUpdateTime) {
    deadlineInMs = Math.max(0, Date.parse(cur.lastUpdateTime) + deadlineMs - now.getTime() + 1000);
  }
  return { status: { ...status, conditions: conds }, deadlineInMs };
}
