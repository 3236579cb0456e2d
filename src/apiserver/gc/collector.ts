import type { OwnerReference } from '../../api/types.js';
import type { KeyValue, Store } from '../../storage/store.js';
import type { Logger } from '../../util/logger.js';
import { deleteWithOptions } from '../deletion.js';
import { recordUpdate } from '../fieldmanager/index.js';
import type { CachedEvent } from '../cache/cached-event.js';
import type { RegistryFeed, RegistrySink } from '../cache/registry-feed.js';
import { clone, fromStored, nowTimestamp, toStored, type Meta, type Obj } from '../objects.js';
import { objectKey, type Registry, type Resource } from '../registry.js';
import { ApiError } from '../status.js';
import { retryOnConflict, type NamespaceHook } from '../store-access.js';
import { decide, isDeletingDependents, type GcAction, type OwnerState } from './decide.js';
import { changes, DependentsIndex, hasGcFinalizer, mayMatter, type NodeInfo } from './graph.js';

// okube's owner-reference garbage collector (kube-controller-manager's garbagecollector),
// inside the API server process and generic over its Registry: the registry feed (the watch
// cache's one etcd watch, or a store watch of its own without the cache; cache/registry-feed.ts)
// feeds the dependents index and a work queue of store keys; each item is decided by
// decide() on a fresh read and carried out under compare-and-swap (retryOnConflict), so several
// API server replicas may run it side by side. All its state is in the objects (ownerReferences,
// deletionTimestamp, the `orphan` / `foregroundDeletion` finalizers): a restarted collector
// lists everything and finishes what an earlier one started. A periodic sweep revisits every
// indexed object (owners looked up again) as a safety net.

const ROOT = '/registry/';
const MANAGER = 'okube-garbage-collector';

export interface GarbageCollectorOptions {
  /** Interval of the sweep over every indexed object (default 60 s). */
  sweepMs?: number;
  /** Items decided at once (default 4). */
  workers?: number;
}

interface Located {
  r: Resource;
  namespace?: string;
  name: string;
}

export class GarbageCollector {
  private readonly index = new DependentsIndex();
  private readonly byStoragePath = new Map<string, Resource>();
  private readonly queue = new Set<string>();
  private readonly active = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly reported = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private running = 0;
  private stopped = false;
  /** No decision before the index holds a whole listing (kube waits for its caches to sync), nor while the feed re-lists. */
  private synced = false;
  private readonly workers: number;

  constructor(
    private readonly store: Store,
    private readonly feed: RegistryFeed,
    private readonly registry: Registry,
    private readonly onNamespaceDeleting: NamespaceHook,
    private readonly log: Logger,
    private readonly opts: GarbageCollectorOptions = {},
  ) {
    for (const r of registry.resources) this.byStoragePath.set(`${r.storageGroup}/${r.def.plural}`, r);
    this.workers = opts.workers ?? 4;
  }

  /** Follows the feed (a whole state, then its changes) until stop(). */
  start(): void {
    const sink: RegistrySink = {
      reset: (kvs, revision) => this.reset(kvs, revision),
      event: (ev) => this.observe(ev),
      lost: () => {
        // Decisions read etcd, but the dependents they weigh come from the index: none until it is whole again.
        this.synced = false;
      },
    };
    this.unsubscribe = this.feed.subscribe(sink);
    this.sweepTimer = setInterval(() => {
      for (const key of this.index.keys()) this.enqueue(key);
    }, this.opts.sweepMs ?? 60_000);
    this.sweepTimer.unref();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.clear();
  }

  private later(ms: number, f: () => void): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      f();
    }, ms);
    this.timers.add(t);
  }

  /** The whole registry at `revision`: the index is rebuilt from it, and whatever it implies is queued. */
  private reset(kvs: readonly KeyValue[], revision: number): void {
    if (this.stopped) return;
    this.index.clear();
    for (const kv of kvs) {
      if (!this.locate(kv.key) || !mayMatter(kv.value)) continue;
      let o: Obj;
      try {
        o = fromStored(kv.value, kv.modRevision);
      } catch {
        continue;
      }
      this.observePut(kv.key, o);
    }
    this.log.debug({ indexed: this.index.size, revision }, 'garbage collector synced');
    this.synced = true;
    this.pump();
  }

  private locate(key: string): Located | undefined {
    if (!key.startsWith(ROOT)) return undefined;
    const parts = key.slice(ROOT.length).split('/');
    const r = this.byStoragePath.get(`${parts[0]}/${parts[1]}`);
    if (!r) return undefined;
    if (r.def.namespaced && parts.length === 4) return { r, namespace: parts[2], name: parts[3] };
    if (!r.def.namespaced && parts.length === 3) return { r, name: parts[2] };
    return undefined;
  }

  /** The store key of the owner a reference names, seen from a dependent; undefined if unresolvable or invalid. */
  private ownerKey(ref: OwnerReference, dependent: Located): { key?: string; state?: OwnerState } {
    const group = ref.apiVersion?.includes('/') ? ref.apiVersion.split('/')[0] : '';
    const r = this.registry.find(group, ref.kind);
    if (!r) return { state: 'unresolvable' };
    if (r.def.namespaced && !dependent.r.def.namespaced) return { state: 'invalid' };
    return { key: objectKey(r, r.def.namespaced ? dependent.namespace : undefined, ref.name) };
  }

  private observe(ev: CachedEvent): void {
    if (ev.type === 'delete') return this.observeDelete(ev);
    if (!this.locate(ev.key)) return;
    // Not indexed and naming no owner nor deletion: nothing to record or queue, so no decode.
    if (!this.index.get(ev.key) && !mayMatter(ev.rawValue()!)) return;
    let o: Obj | null;
    try {
      o = ev.object();
    } catch {
      return;
    }
    if (o) this.observePut(ev.key, o);
  }

  /** `o` may be shared with the watch cache: read only. */
  private observePut(key: string, o: Obj): void {
    const at = this.locate(key);
    if (!at) return;
    const n = nodeInfo(key, o);
    const old = this.index.get(key);
    if (old && old.uid !== n.uid) this.observeGone(old.key, old.uid);
    const c = changes(old, n);
    this.index.set(n);
    if (c.refs || (c.deletion && hasGcFinalizer(n))) this.enqueue(key);
    // Owners may be waiting on this object (foreground), or it may have stopped blocking them.
    if (c.refs || c.deletion) for (const ref of [...(old?.refs ?? []), ...n.refs]) this.enqueueOwner(ref, at);
  }

  private observeDelete(ev: CachedEvent): void {
    const old = this.index.get(ev.key);
    let uid = old?.uid;
    if (!uid) {
      try {
        uid = ev.object()?.metadata.uid;
      } catch {
        uid = undefined;
      }
    }
    if (uid) this.observeGone(ev.key, uid);
  }

  /** The object `uid` at `key` is gone: its dependents lose an owner, its owners a dependent. */
  private observeGone(key: string, uid: string): void {
    const old = this.index.get(key);
    for (const d of this.index.dependentsOf(uid)) this.enqueue(d.key);
    if (old && old.uid === uid) {
      this.index.remove(key);
      const at = this.locate(key);
      if (at) for (const ref of old.refs) this.enqueueOwner(ref, at);
    }
  }

  private enqueueOwner(ref: OwnerReference, dependent: Located): void {
    const { key } = this.ownerKey(ref, dependent);
    if (key) this.enqueue(key);
  }

  private enqueue(key: string): void {
    if (this.stopped) return;
    if (this.active.has(key)) {
      this.again.add(key);
      return;
    }
    this.queue.add(key);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.synced && this.running < this.workers && this.queue.size) {
      const key = this.queue.values().next().value as string;
      this.queue.delete(key);
      this.active.add(key);
      this.running++;
      void this.work(key).finally(() => {
        this.running--;
        this.active.delete(key);
        if (this.again.delete(key)) this.queue.add(key);
        this.pump();
      });
    }
  }

  private async work(key: string): Promise<void> {
    try {
      await this.process(key);
      this.failures.delete(key);
    } catch (err) {
      if (this.stopped) return;
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const conflict = err instanceof ApiError && err.reason === 'Conflict';
      if (!conflict) this.log.warn({ err, key, attempt: n }, 'garbage collection failed; retrying');
      this.later(Math.min(5000, 50 * 2 ** Math.min(n, 7)), () => this.enqueue(key));
    }
  }

  /** One decision on a fresh read, then its effect. */
  private async process(key: string): Promise<void> {
    const at = this.locate(key);
    if (!at) return;
    const kv = await this.store.get(key);
    if (!kv) return;
    const obj = fromStored(kv.value, kv.modRevision);
    const uid = obj.metadata.uid!;
    const deleting = !!obj.metadata.deletionTimestamp;
    const refs = obj.metadata.ownerReferences ?? [];
    const owners = deleting ? [] : await Promise.all(refs.map(async (ref) => ({ uid: ref.uid, state: await this.ownerState(ref, at) })));
    const action = decide({ deleting, finalizers: obj.metadata.finalizers ?? [], owners, dependents: this.index.dependentsOf(uid) });
    if (action.kind === 'none') {
      if (action.reason.includes('invalid') || action.reason.includes('not served')) this.reportOnce(key, action.reason, refs);
      return;
    }
    this.log.debug({ key, action }, 'garbage collector acting');
    await this.act(at, uid, action);
  }

  private reportOnce(key: string, reason: string, refs: OwnerReference[]): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.log.warn({ key, ownerReferences: refs }, `not collected: ${reason}`);
  }

  private async ownerState(ref: OwnerReference, dependent: Located): Promise<OwnerState> {
    const { key, state } = this.ownerKey(ref, dependent);
    if (!key) return state!;
    const kv = await this.store.get(key);
    if (!kv) return 'dangling';
    const owner = fromStored(kv.value, kv.modRevision);
    if (owner.metadata.uid !== ref.uid) return 'dangling';
    return isDeletingDependents(owner.metadata) ? 'waiting' : 'solid';
  }

  private async act(at: Located, uid: string, action: Exclude<GcAction, { kind: 'none' }>): Promise<void> {
    switch (action.kind) {
      case 'removeOwnerRefs': {
        const gone = new Set(action.uids);
        await this.mutate(at, uid, (m) => {
          const refs = m.ownerReferences ?? [];
          const kept = refs.filter((r) => !gone.has(r.uid));
          if (kept.length === refs.length) return false;
          if (kept.length) m.ownerReferences = kept;
          else delete m.ownerReferences;
          return true;
        });
        return;
      }
      case 'delete': {
        if (action.unblockOwnerRefs) {
          await this.mutate(at, uid, (m) => {
            if (!m.ownerReferences?.some((r) => r.blockOwnerDeletion)) return false;
            m.ownerReferences = m.ownerReferences.map((r) => ({ ...r, blockOwnerDeletion: false }));
            return true;
          });
        }
        try {
          await deleteWithOptions(this.store, this.onNamespaceDeleting, at.r, at.namespace, at.name, { propagation: { propagationPolicy: action.policy }, preconditions: { uid }, dryRun: false });
          this.log.info({ key: objectKey(at.r, at.namespace, at.name), policy: action.policy }, 'garbage collector deleted a dependent whose owners are gone');
        } catch (err) {
          if (!(err instanceof ApiError && (err.reason === 'NotFound' || err.reason === 'Conflict'))) throw err;
        }
        return;
      }
      case 'orphan': {
        for (const key of action.dependents) {
          const dep = this.locate(key);
          if (!dep) continue;
          await this.mutate(dep, undefined, (m) => {
            const refs = m.ownerReferences ?? [];
            const kept = refs.filter((r) => r.uid !== uid);
            if (kept.length === refs.length) return false;
            if (kept.length) m.ownerReferences = kept;
            else delete m.ownerReferences;
            return true;
          });
        }
        await this.removeFinalizer(at, uid, 'orphan');
        return;
      }
      case 'deleteDependents':
        for (const key of action.dependents) this.enqueue(key);
        return;
      case 'removeFinalizer':
        await this.removeFinalizer(at, uid, action.finalizer);
        return;
    }
  }

  private removeFinalizer(at: Located, uid: string, finalizer: string): Promise<void> {
    return this.mutate(at, uid, (m) => {
      if (!m.finalizers?.includes(finalizer)) return false;
      m.finalizers = m.finalizers.filter((f) => f !== finalizer);
      if (!m.finalizers.length) delete m.finalizers;
      return true;
    });
  }

  /**
   * A metadata change under compare-and-swap, retried on a fresh read; nothing when the object is
   * gone or is another object (uid) by now. Managed fields are kept as an update would, and an
   * object left terminating without finalizers is removed, as the REST layer does.
   */
  private async mutate(at: Located, uid: string | undefined, change: (m: Meta) => boolean): Promise<void> {
    const key = objectKey(at.r, at.namespace, at.name);
    try {
      await retryOnConflict(at.r, at.name, async () => {
        const kv = await this.store.get(key);
        if (!kv) return async () => undefined;
        const cur = fromStored(kv.value, kv.modRevision);
        if (uid !== undefined && cur.metadata.uid !== uid) return async () => undefined;
        const next: Obj = clone(cur);
        if (!change(next.metadata)) return async () => undefined;
        recordUpdate(at.r, cur, next, { manager: MANAGER, now: nowTimestamp() });
        return async () => {
          if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) await this.store.delete(key, kv.modRevision);
          else await this.store.update(key, toStored(next), kv.modRevision);
        };
      });
    } catch (err) {
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
}

function nodeInfo(key: string, o: Obj): NodeInfo {
  const m = o.metadata;
  return {
    key,
    uid: m.uid ?? '',
    namespace: m.namespace,
    refs: Array.isArray(m.ownerReferences) ? m.ownerReferences.filter((r) => r && typeof r.uid === 'string') : [],
    deletionTimestamp: m.deletionTimestamp,
    finalizers: Array.isArray(m.finalizers) ? m.finalizers : [],
  };
}
