import type { KeyValue, Store } from '../storage/store.js';
import type { WatchCache } from './cache/watch-cache.js';
import { fromStored, type Obj } from './objects.js';
import { ApiError, notFound } from './status.js';

// kube's NamespaceLifecycle admission for creates: nothing new goes into a namespace that does
// not exist or is terminating. The namespace finalizer (namespaces.ts) shares the storage keys.

export const NAMESPACES_PREFIX = '/registry/core/namespaces/';

export function namespaceKey(ns: string): string {
  return NAMESPACES_PREFIX + ns;
}

// The cache replaces a namespace's KeyValue on every change, so its parse is remembered per KeyValue.
const terminatingByKv = new WeakMap<KeyValue, boolean>();

/** Whether a stored namespace has its deletionTimestamp set (parsed once per stored version). */
function terminating(kv: KeyValue): boolean {
  let t = terminatingByKv.get(kv);
  if (t === undefined) {
    t = Boolean((JSON.parse(kv.value) as Obj).metadata?.deletionTimestamp);
    terminatingByKv.set(kv, t);
  }
  return t;
}

/**
 * Namespaces this API server marked for deletion, each with the revision of the mark. Until the
 * cache has seen that revision its Active copy is stale, and a create right after the DELETE
 * returned would slip in (kube's NamespaceLifecycle keeps a forceLiveLookupCache for the same reason).
 */
export class NamespaceMarks {
  private readonly marks = new Map<string, number>();

  constructor(private readonly cache: WatchCache | undefined) {}

  mark(ns: string, revision: number): void {
    if (!this.cache) return;
    for (const [n, r] of this.marks) if (r <= this.cache.revision) this.marks.delete(n);
    this.marks.set(ns, Math.max(revision, this.marks.get(ns) ?? 0));
  }

  /** Whether the cache has not yet seen this server's mark of `ns`. */
  cacheBehind(ns: string): boolean {
    const r = this.marks.get(ns);
    if (r === undefined || !this.cache) return false;
    if (this.cache.revision >= r) {
      this.marks.delete(ns);
      return false;
    }
    return true;
  }
}

/** 404 when `ns` does not exist, 403 NamespaceTerminating when it is being deleted. */
export async function namespaceMustAccept(store: Store, cache: WatchCache | undefined, ns: string, marks?: NamespaceMarks): Promise<void> {
  // An active namespace in the cache is trusted (as kube's NamespaceLifecycle trusts its
  // informer) unless this server marked it since; a miss or a terminating one is checked live.
  const cached = cache?.peek(namespaceKey(ns));
  if (cached && !terminating(cached) && !marks?.cacheBehind(ns)) return;
  const kv = await store.get(namespaceKey(ns));
  if (!kv) throw notFound('namespaces', '', ns);
  const o = fromStored(kv.value, kv.modRevision);
  if (o.metadata.deletionTimestamp) {
    const message = `unable to create new content in namespace ${ns} because it is being terminated`;
    throw new ApiError('Forbidden', message, { name: ns, kind: 'namespaces', causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }] });
  }
}
