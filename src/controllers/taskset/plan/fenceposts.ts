import type { IntOrString, TaskSetSpec } from '../../../api/types.js';

// Rolling-update limits as Kubernetes resolves them (deployment/util.ResolveFenceposts): a
// percent is of spec.replicas, maxSurge rounds up, maxUnavailable rounds down, and when both come
// to 0 maxUnavailable is 1 so a rollout can always move.

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

export function scaledValue(value: IntOrString, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return Number.isInteger(Number(value)) ? Number(value) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

export interface Fenceposts {
  maxSurge: number;
  maxUnavailable: number;
}

export function resolveFenceposts(spec: TaskSetSpec): Fenceposts {
  const replicas = spec.replicas ?? 1;
  const ru = spec.strategy?.rollingUpdate;
  const maxSurge = scaledValue(ru?.maxSurge ?? DEFAULT_MAX_SURGE, replicas, true);
  let maxUnavailable = scaledValue(ru?.maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, replicas, false);
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable };
}

/** deployment/util.MaxUnavailable: what the Available condition allows (0 for Recreate or 0 replicas). */
export function availabilityAllowance(spec: TaskSetSpec): number {
  const replicas = spec.replicas ?? 1;
  if (spec.strategy?.type === 'Recreate' || replicas === 0) return 0;
  return Math.min(resolveFenceposts(spec).maxUnavailable, replicas);
}
