import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type PropagationPolicy } from '../propagation.js';

// The garbage collector's decision for one object, pure: given the object, what became of each
// of its owners and which objects name it as their owner, what to do next. It follows
// kube-controller-manager's garbagecollector (attemptToDeleteItem, classifyReferences,
// processDeletingDependentsItem, attemptToOrphan); the collector (collector.ts) gathers the
// view from the store and its dependents index, and carries the action out under compare-and-swap.
// Every action is idempotent, so deciding again on a newer view is always safe.

/**
 * What became of one owner reference:
 * - `solid`: the owner exists (same uid) and is not deleting its dependents in the foreground;
 * - `dangling`: no such owner (absent, or that name now has another uid);
 * - `waiting`: the owner is being deleted in the foreground (it waits for this dependent);
 * - `unresolvable`: the kind is not served here (kube retries; nothing is decided meanwhile);
 * - `invalid`: a namespaced owner of a cluster-scoped object (kube reports it and ignores the object).
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting' | 'unresolvable' | 'invalid';

export interface OwnerView {
  uid: string;
  state: OwnerState;
}

/** An object whose ownerReferences name the object decided on. */
export interface DependentView {
  /** Store key (what the collector enqueues). */
  key: string;
  /** Its reference to the object sets blockOwnerDeletion. */
  blockOwnerDeletion: boolean;
  /** It is itself being deleted in the foreground (deletionTimestamp + foregroundDeletion). */
  deletingDependents: boolean;
}

export interface GcView {
  deleting: boolean;
  finalizers: string[];
  owners: OwnerView[];
  dependents: DependentView[];
}

export type GcAction =
  | { kind: 'none'; reason: string }
  /** Remove these owners' entries from ownerReferences (the object stays: another owner holds it). */
  | { kind: 'removeOwnerRefs'; uids: string[] }
  /** Delete the object with this policy; first set blockOwnerDeletion=false on its refs (cycle). */
  | { kind: 'delete'; policy: PropagationPolicy; unblockOwnerRefs: boolean }
  /** Orphan: take this object's uid out of each dependent's ownerReferences, then drop `orphan`. */
  | { kind: 'orphan'; dependents: string[] }
  /** Foreground: dependents still block; (re)visit them. */
  | { kind: 'deleteDependents'; dependents: string[] }
  /** Foreground with nothing left that blocks: drop `foregroundDeletion` (the store then removes the object if it was the last finalizer). */
  | { kind: 'removeFinalizer'; finalizer: string };

export function isDeletingDependents(meta: { deletionTimestamp?: string; finalizers?: string[] }): boolean {
  return !!meta.deletionTimestamp && (meta.finalizers ?? []).includes(FOREGROUND_FINALIZER);
}

export function decide(v: GcView): GcAction {
  if (v.deleting) return decideTerminating(v);
  if (v.owners.length === 0) return { kind: 'none', reason: 'no owners' };
  if (v.owners.some((o) => o.state === 'invalid')) return { kind: 'none', reason: 'a namespaced owner of a cluster-scoped object is invalid' };
  if (v.owners.some((o) => o.state === 'unresolvable')) return { kind: 'none', reason: 'an owner kind is not served' };
  const solid = v.owners.filter((o) => o.state === 'solid');
  const dangling = v.owners.filter((o) => o.state === 'dangling');
  const waiting = v.owners.filter((o) => o.state === 'waiting');
  if (solid.length) {
    if (!dangling.length && !waiting.length) return { kind: 'none', reason: 'every owner exists' };
    // Refs to owners waiting on us must go too, or they would wait forever.
    return { kind: 'removeOwnerRefs', uids: [...dangling, ...waiting].map((o) => o.uid) };
  }
  if (waiting.length && v.dependents.length) {
    // Foreground all the way down; a dependent already deleting its own dependents means a
    // cycle, broken (as kube does) by no longer blocking our owners.
    return { kind: 'delete', policy: 'Foreground', unblockOwnerRefs: v.dependents.some((d) => d.deletingDependents) };
  }
  const policy: PropagationPolicy = v.finalizers.includes(ORPHAN_FINALIZER) ? 'Orphan' : v.finalizers.includes(FOREGROUND_FINALIZER) ? 'Foreground' : 'Background';
  return { kind: 'delete', policy, unblockOwnerRefs: false };
}

/** Being deleted is a one-way trip: only the GC finalizers' work remains. */
function decideTerminating(v: GcView): GcAction {
  if (v.finalizers.includes(ORPHAN_FINALIZER)) return { kind: 'orphan', dependents: v.dependents.map((d) => d.key) };
  if (v.finalizers.includes(FOREGROUND_FINALIZER)) {
    const blocking = v.dependents.filter((d) => d.blockOwnerDeletion);
    if (!blocking.length) return { kind: 'removeFinalizer', finalizer: FOREGROUND_FINALIZER };
    // Every dependent is visited (kube enqueues them all when the owner starts waiting).
    return { kind: 'deleteDependents', dependents: v.dependents.filter((d) => !d.deletingDependents).map((d) => d.key) };
  }
  return { kind: 'none', reason: 'being deleted; waiting for its other finalizers' };
}
