import type { ObjectMeta } from '../../api/types.js';

// Spreading the replicas of one controller (a TaskSet) over Nodes, scored as kube-scheduler's
// PodTopologySpread does with its system-default constraint on the hostname topology
// (maxSkew 3, ScheduleAnyway): a Node's raw score is the number of Tasks already there with the
// same controller, times log(feasible Nodes + 2), plus maxSkew − 1 (which waters down small
// differences); raw scores are rounded, then normalised over the feasible Nodes to 0–100 with
// the emptiest Node at 100. Pure; counts come from the AllocationCache.

/** kube-scheduler's system-default maxSkew for the hostname topology. */
export const DEFAULT_MAX_SKEW = 3;
/** Plugin weights, as in kube-scheduler's default profile: PodTopologySpread 2 against NodeResourcesFit (LeastAllocated) 1. */
export const SPREAD_WEIGHT = 2;
export const LEAST_ALLOCATED_WEIGHT = 1;
export const MAX_NODE_SCORE = 100;

/** The uid of the object that controls this one (the ownerReference with controller: true), if any. */
export function controllerUidOf(meta: ObjectMeta): string | undefined {
  return meta.ownerReferences?.find((r) => r.controller)?.uid;
}

/** Raw (lower is better) score of a Node holding `count` Tasks of the controller, among `feasible` Nodes. */
export function rawSpreadScore(count: number, feasible: number, maxSkew = DEFAULT_MAX_SKEW): number {
  return Math.round(count * Math.log(feasible + 2) + (maxSkew - 1));
}

/** Normalised spread scores (0–100, higher is better), one per entry of `counts` (the feasible Nodes' counts). */
export function spreadScores(counts: readonly number[], maxSkew = DEFAULT_MAX_SKEW): number[] {
  const raw = counts.map((c) => rawSpreadScore(c, counts.length, maxSkew));
  let min = Infinity;
  let max = 0;
  for (const r of raw) {
    if (r < min) min = r;
    if (r > max) max = r;
  }
  return raw.map((r) => (max === 0 ? MAX_NODE_SCORE : Math.floor((MAX_NODE_SCORE * (max + min - r)) / max)));
}
