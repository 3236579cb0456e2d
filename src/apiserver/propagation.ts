import { queryBool } from './query-params.js';

// DeleteOptions' propagation policy and the garbage-collector finalizers it puts on the object,
// as kube-apiserver's generic registry decides them (store.go deletionFinalizersForGarbageCollection,
// shouldOrphanDependents, shouldDeleteDependents). Pure: the DELETE handler and the collector
// both plan a deletion here and carry it out in deletion.ts.
//
// Contract: the explicit option wins (legacy `orphanDependents` before `propagationPolicy`), then
// a GC finalizer already on the object, then the default (Background for every okube resource, as
// for custom resources). `orphan` and `foregroundDeletion` are never both present afterwards.

export const ORPHAN_FINALIZER = 'orphan';
export const FOREGROUND_FINALIZER = 'foregroundDeletion';

export type PropagationPolicy = 'Orphan' | 'Foreground' | 'Background';

/** What the caller asked: a policy, the legacy flag, or neither (undefined). */
export interface PropagationOptions {
  propagationPolicy?: PropagationPolicy;
  orphanDependents?: boolean;
}

/** The options from the query (which wins) and the DeleteOptions body; already validated. */
export function propagationOptions(q: URLSearchParams, body: { propagationPolicy?: unknown; orphanDependents?: unknown }): PropagationOptions {
  const policy = q.get('propagationPolicy') ?? body.propagationPolicy;
  const orphan = q.has('orphanDependents') ? queryBool(q, 'orphanDependents') : body.orphanDependents;
  const out: PropagationOptions = {};
  if (policy === 'Orphan' || policy === 'Foreground' || policy === 'Background') out.propagationPolicy = policy;
  if (typeof orphan === 'boolean') out.orphanDependents = orphan;
  return out;
}

function shouldOrphan(finalizers: string[], o: PropagationOptions): boolean {
  if (o.orphanDependents !== undefined) return o.orphanDependents;
  if (o.propagationPolicy) return o.propagationPolicy === 'Orphan';
  for (const f of finalizers) {
    if (f === ORPHAN_FINALIZER) return true;
    if (f === FOREGROUND_FINALIZER) return false;
  }
  return false;
}

function shouldDeleteDependents(finalizers: string[], o: PropagationOptions): boolean {
  if (o.orphanDependents !== undefined) return false;
  if (o.propagationPolicy) return o.propagationPolicy === 'Foreground';
  for (const f of finalizers) {
    if (f === FOREGROUND_FINALIZER) return true;
    if (f === ORPHAN_FINALIZER) return false;
  }
  return false;
}

/** The finalizers the object must carry for this deletion: others kept in order, GC ones as asked. */
export function deletionFinalizers(finalizers: string[], o: PropagationOptions): string[] {
  const next = finalizers.filter((f) => f !== ORPHAN_FINALIZER && f !== FOREGROUND_FINALIZER);
  if (shouldOrphan(finalizers, o)) next.push(ORPHAN_FINALIZER);
  if (shouldDeleteDependents(finalizers, o)) next.push(FOREGROUND_FINALIZER);
  return next;
}

function sameSet(a: string[], b: string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

/**
 * What a DELETE does to an object: `remove` it now, `mark` it (deletionTimestamp set if not yet,
 * finalizers replaced), or leave it `unchanged` (already terminating with these finalizers).
 * A terminating object whose new finalizer list is empty is removed at once, as in kube.
 */
export type DeletePlan = { kind: 'remove' } | { kind: 'mark'; finalizers: string[] } | { kind: 'unchanged' };

export function planDelete(meta: { deletionTimestamp?: string; finalizers?: string[] }, o: PropagationOptions): DeletePlan {
  const cur = meta.finalizers ?? [];
  const next = deletionFinalizers(cur, o);
  if (meta.deletionTimestamp && sameSet(cur, next)) return { kind: 'unchanged' };
  if (next.length === 0) return { kind: 'remove' };
  return { kind: 'mark', finalizers: sameSet(cur, next) ? cur : next };
}
