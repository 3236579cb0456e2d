import type { OwnerReference } from '../../api/types.js';
import { deepEqual } from '../objects.js';
import { FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from '../propagation.js';
import { isDeletingDependents, type DependentView } from './decide.js';

// The collector's dependents index (kube's GraphBuilder uidToNode, reduced to what decisions
// need): every stored object that has ownerReferences or a GC finalizer, by store key, and for
// each owner uid the keys of the objects naming it. Fed in store-revision order from one watch,
// so when an owner's deletion is seen every dependent written before it is already indexed.

export interface NodeInfo {
  key: string;
  uid: string;
  namespace?: string;
  refs: OwnerReference[];
  deletionTimestamp?: string;
  finalizers: string[];
}

export function hasGcFinalizer(n: { deletionTimestamp?: string; finalizers: string[] }): boolean {
  return !!n.deletionTimestamp && n.finalizers.some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
}

export class DependentsIndex {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly byOwner = new Map<string, Set<string>>();

  clear(): void {
    this.nodes.clear();
    this.byOwner.clear();
  }

  get(key: string): NodeInfo | undefined {
    return this.nodes.get(key);
  }

  keys(): string[] {
    return [...this.nodes.keys()];
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Records the object's newest state (kept only while it has refs or a GC finalizer). */
  set(n: NodeInfo): void {
    this.remove(n.key);
    if (!n.refs.length && !hasGcFinalizer(n)) return;
    this.nodes.set(n.key, n);
    for (const ref of n.refs) {
      let s = this.byOwner.get(ref.uid);
      if (!s) this.byOwner.set(ref.uid, (s = new Set()));
      s.add(n.key);
    }
  }

  remove(key: string): NodeInfo | undefined {
    const old = this.nodes.get(key);
    if (!old) return undefined;
    this.nodes.delete(key);
    for (const ref of old.refs) {
      const s = this.byOwner.get(ref.uid);
      s?.delete(key);
      if (s && !s.size) this.byOwner.delete(ref.uid);
    }
    return old;
  }

  dependentsOf(uid: string): DependentView[] {
    const out: DependentView[] = [];
    for (const key of this.byOwner.get(uid) ?? []) {
      const n = this.nodes.get(key)!;
      const ref = n.refs.find((r) => r.uid === uid)!;
      out.push({ key, blockOwnerDeletion: ref.blockOwnerDeletion === true, deletingDependents: isDeletingDependents(n) });
    }
    return out;
  }
}

/**
 * Whether a stored object the index does not hold may matter to the collector, from its raw JSON:
 * only one with ownerReferences or a deletionTimestamp can (refs to index, or a GC finalizer to
 * serve). Most writes name neither, and are then not decoded at all. The API server writes with
 * JSON.stringify, which never escapes these ASCII key names; a value with any escape (written by
 * another client, or holding escaped strings) is decoded to be sure.
 */
export function mayMatter(raw: string): boolean {
  return raw.includes('ownerReferences') || raw.includes('deletionTimestamp') || raw.includes('\\');
}

/** Whether an update matters to the collector: its refs, or its deletion state, changed. */
export function changes(old: NodeInfo | undefined, n: NodeInfo): { refs: boolean; deletion: boolean } {
  if (!old || old.uid !== n.uid) return { refs: n.refs.length > 0, deletion: !!n.deletionTimestamp };
  return {
    refs: !deepEqual(old.refs, n.refs),
    deletion: old.deletionTimestamp !== n.deletionTimestamp || !deepEqual(old.finalizers, n.finalizers),
  };
}
