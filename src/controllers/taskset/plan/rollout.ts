import type { TaskSetSpec } from '../../../api/types.js';
import { resolveFenceposts } from './fenceposts.js';
import { rankForDeletion } from './ranking.js';
import type { TaskDeletion, TaskView } from './types.js';

// How many Tasks of which template to create and which to delete, as the Deployment controller
// (rolloutRolling / rolloutRecreate / sync when paused) and the ReplicaSet controller decide it
// together. okube has no ReplicaSet layer: the template-hash label groups Tasks the way a
// ReplicaSet would.
//
// A Task that is stopping (deleted, its container in its grace period) counts against nothing,
// as a terminating Pod does not count against a Deployment's maxSurge: a rollout of Tasks that
// take their whole grace period to stop moves on as soon as the new ones are available, and the
// old ones finish stopping beside them. Their containers still hold the Node's resources and host
// ports until they exit, and the scheduler counts them (scheduling.ts holdsResources), so a new
// Task that does not fit waits Pending, as a Pod would. Recreate waits for them all to be gone.

export interface RolloutDecision {
  /** Tasks to create... */
  create: number;
  /** ...of this template hash (the current one unless paused). */
  createHash: string;
  delete: TaskDeletion[];
}

function take(views: TaskView[], n: number, reason: TaskDeletion['reason'], all: TaskView[]): TaskDeletion[] {
  return n > 0 ? rankForDeletion(views, all).slice(0, n).map((v) => ({ task: v.task, reason })) : [];
}

export function decideRollout(spec: TaskSetSpec, hash: string, views: TaskView[]): RolloutDecision {
  const replicas = spec.replicas ?? 1;
  const active = views.filter((v) => v.active);
  const fresh = active.filter((v) => v.hash === hash);
  const old = active.filter((v) => v.hash !== hash);
  const stoppingOld = views.filter((v) => v.terminating && v.hash !== hash);
  if (spec.paused) return paused(replicas, hash, active, fresh, old, views);
  if (spec.strategy?.type === 'Recreate') return recreate(replicas, hash, fresh, old, stoppingOld, views);
  return rolling(spec, replicas, hash, active, fresh, old, views);
}

/**
 * Paused: no rollout step at all, only scaling. New Tasks copy the template most Tasks run now
 * (the current one on a tie or when there are none); the excess goes old template first.
 */
function paused(replicas: number, hash: string, active: TaskView[], fresh: TaskView[], old: TaskView[], all: TaskView[]): RolloutDecision {
  if (active.length > replicas) {
    const order = [...rankForDeletion(old, all), ...rankForDeletion(fresh, all)];
    return { create: 0, createHash: hash, delete: order.slice(0, active.length - replicas).map((v) => ({ task: v.task, reason: 'ScaleDown' })) };
  }
  const counts = new Map<string, number>();
  for (const v of active) if (v.hash) counts.set(v.hash, (counts.get(v.hash) ?? 0) + 1);
  let createHash = hash;
  let best = counts.get(hash) ?? 0;
  for (const [h, n] of counts) if (n > best) [createHash, best] = [h, n];
  return { create: replicas - active.length, createHash, delete: [] };
}

/** Recreate: every old Task is stopped and gone before the first new one is created. */
function recreate(replicas: number, hash: string, fresh: TaskView[], old: TaskView[], stoppingOld: TaskView[], all: TaskView[]): RolloutDecision {
  if (old.length > 0) return { create: 0, createHash: hash, delete: old.map((v) => ({ task: v.task, reason: 'Recreate' })) };
  if (stoppingOld.length > 0) return { create: 0, createHash: hash, delete: [] };
  if (fresh.length > replicas) return { create: 0, createHash: hash, delete: take(fresh, fresh.length - replicas, 'ScaleDown', all) };
  return { create: replicas - fresh.length, createHash: hash, delete: [] };
}

/** RollingUpdate: reconcileNewReplicaSet then reconcileOldReplicaSets, in one pass. */
function rolling(spec: TaskSetSpec, replicas: number, hash: string, active: TaskView[], fresh: TaskView[], old: TaskView[], all: TaskView[]): RolloutDecision {
  const { maxSurge, maxUnavailable } = resolveFenceposts(spec);
  const deletions: TaskDeletion[] = [];
  let create = 0;
  let keptFresh = fresh;
  if (fresh.length > replicas) {
    const extra = take(fresh, fresh.length - replicas, 'ScaleDown', all);
    deletions.push(...extra);
    const gone = new Set(extra.map((d) => d.task));
    keptFresh = fresh.filter((v) => !gone.has(v.task));
  } else {
    const maxTotal = replicas + maxSurge;
    if (active.length < maxTotal) create = Math.min(maxTotal - active.length, replicas - fresh.length);
  }
  if (old.length === 0) return { create, createHash: hash, delete: deletions };

  // Old Tasks go only while replicas - maxUnavailable stay available, new unavailable ones
  // counted against the budget (they may never become available).
  const minAvailable = replicas - Math.min(maxUnavailable, replicas);
  const counted = old.length + keptFresh.length;
  const newUnavailable = keptFresh.filter((v) => !v.available).length;
  const maxScaledDown = counted - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return { create, createHash: hash, delete: deletions };
  // First the old Tasks that are not available anyway (cleanupUnhealthyReplicas)...
  const unhealthy = take(old.filter((v) => !v.available), maxScaledDown, 'RollingUpdate', all);
  deletions.push(...unhealthy);
  // ...then as many as availability allows (scaleDownOldReplicaSetsForRollingUpdate).
  const availableNow = [...old, ...keptFresh].filter((v) => v.available).length;
  if (availableNow > minAvailable) {
    const gone = new Set(unhealthy.map((d) => d.task));
    deletions.push(...take(old.filter((v) => !gone.has(v.task)), availableNow - minAvailable, 'RollingUpdate', all));
  }
  return { create, createHash: hash, delete: deletions };
}
