import type { Subscription } from 'rxjs';
import type { KeyValue, ListResult, Store, StoreWatchEvent } from '../../storage/store.js';
import type { Logger } from '../../util/logger.js';
import { CachedEvent } from './cached-event.js';
import type { RegistryFeed, RegistrySink } from './registry-feed.js';
import { TypeCache } from './type-cache.js';

// The API server's watch cache (after kube-apiserver's cacher, see docs/design.md "Watch cache"):
// ONE etcd watch on the whole registry, demultiplexed into a TypeCache per resource type. One
// registry-wide watch (rather than kube's one per type) means every write moves every type's
// revision forward, which is what lets a consistent read check freshness against etcd's current
// revision without etcd progress notifications — etcd 3.4 before 3.4.31 answers those unsafely,
// and the etcd3 client cannot route them anyway.
//
// Lifecycle: list the registry (paged, at one revision), then watch from that revision. The Store
// watch resumes by itself across etcd restarts with no gap; when it fails for good (history
// compacted while disconnected, or etcd unreachable at (re)subscribe), the cache is not ready:
// every read falls back to etcd, every cached watcher is ended (its client resumes from its last
// revision, via etcd when the window is gone), and the cache re-lists after a pause.
//
// It is also the API server's registry feed (registry-feed.ts): the garbage collector follows the
// same list and events (each decoded at most once for it and the watchers) instead of a second
// registry-wide etcd watch; a re-list reaches it as lost() then reset() at the new revision.

export interface WatchCacheOptions {
  /** Events kept per resource type (default 1024). */
  windowSize?: number;
  /** Bytes of raw values kept per resource type's window (default 8 MiB). */
  windowBytes?: number;
  /** How long a read waits for an idle cache to catch up before going to etcd (default 250 ms; up to 3 s while events flow). */
  freshnessWaitMs?: number;
  /** Pause before re-listing after the feed failed (default 1 s). */
  retryMs?: number;
}

export const REGISTRY_ROOT = '/registry/';
const LIST_PAGE = 1000;
/** The longest a read waits for a cache that is catching up (kube-apiserver's is 3 s too). */
const MAX_FRESHNESS_WAIT_MS = 3000;

/** The storage prefix of the resource type a key belongs to (`/registry/<group>/<plural>/`). */
export function typePrefixOf(key: string): string | undefined {
  if (!key.startsWith(REGISTRY_ROOT)) return undefined;
  const a = key.indexOf('/', REGISTRY_ROOT.length);
  const b = a < 0 ? -1 : key.indexOf('/', a + 1);
  return b < 0 ? undefined : key.slice(0, b + 1);
}

/** How fresh a read must be: any cached state, at least a revision, or etcd's current one. */
export type Freshness = { kind: 'any' } | { kind: 'notOlderThan'; revision: number } | { kind: 'consistent' };

interface Waiter {
  revision: number;
  resolve: (ok: boolean) => void;
  timer: NodeJS.Timeout;
}

export class WatchCache implements RegistryFeed {
  private readonly types = new Map<string, TypeCache>();
  private readonly windowSize: number;
  private readonly windowBytes: number;
  private readonly freshnessWaitMs: number;
  private readonly retryMs: number;
  private rev = 0;
  private listRevision = 0;
  private isReady = false;
  private closed = false;
  private sub?: Subscription;
  private retry?: NodeJS.Timeout;
  private waiters: Waiter[] = [];
  private readonly sinks = new Set<RegistrySink>();
  private lastEventAt = 0;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    opts: WatchCacheOptions = {},
  ) {
    this.windowSize = opts.windowSize ?? 1024;
    this.windowBytes = opts.windowBytes ?? 8 * 1024 * 1024;
    this.freshnessWaitMs = opts.freshnessWaitMs ?? 250;
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** The revision every type's cache reflects (all events up to it are applied and delivered). */
  get revision(): number {
    return this.rev;
  }

  get ready(): boolean {
    return this.isReady;
  }

  /** Lists and starts watching; rejects when the first list fails (the caller decides). */
  async start(): Promise<void> {
    await this.sync();
  }

  close(): void {
    this.closed = true;
    this.isReady = false;
    clearTimeout(this.retry);
    this.sub?.unsubscribe();
    this.sub = undefined;
    for (const t of this.types.values()) t.endAll();
    this.tellLost();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(false);
    }
  }

  /** Feeds `sink` every change under the registry: now (when ready) the cached state, then each event. */
  subscribe(sink: RegistrySink): () => void {
    this.sinks.add(sink);
    if (this.isReady) {
      const kvs: KeyValue[] = [];
      for (const t of this.types.values()) for (const kv of t.objects.list(t.prefix)) kvs.push(kv);
      this.toSink(() => sink.reset(kvs, this.rev));
    }
    return () => this.sinks.delete(sink);
  }

  /** A sink's failure is its own: the cache and its watchers go on. */
  private toSink(f: () => void): void {
    try {
      f();
    } catch (err) {
      this.log.error({ err }, 'a watch cache consumer failed on an event');
    }
  }

  private tellLost(): void {
    for (const s of this.sinks) this.toSink(() => s.lost());
  }

  /** The TypeCache for a collection prefix (namespaced collections share their type's). */
  typeFor(collectionPrefix: string): TypeCache | undefined {
    const p = typePrefixOf(collectionPrefix + '\u0000');
    if (!p) return undefined;
    let t = this.types.get(p);
    if (!t) {
      // No event of this type since the last list: its history is complete from that list on.
      t = new TypeCache(p, this.windowSize, this.listRevision, this.windowBytes);
      this.types.set(p, t);
    }
    return t;
  }

  /** One object as the cache has it; undefined when absent or the cache is not ready (ask etcd). */
  peek(key: string): KeyValue | undefined {
    if (!this.isReady) return undefined;
    const p = typePrefixOf(key);
    return p ? this.types.get(p)?.objects.get(key) : undefined;
  }

  /** True once the cache reflects the freshness asked for (waiting a little); false: use etcd. */
  async fresh(f: Freshness): Promise<boolean> {
    if (!this.isReady) return false;
    if (f.kind === 'any') return true;
    let target: number;
    if (f.kind === 'notOlderThan') target = f.revision;
    else {
      // As ConsistentListFromCache: etcd's current revision (a count-only range), then the cache
      // must have caught up to it.
      try {
        target = await this.store.currentRevision();
      } catch {
        return false;
      }
    }
    if (this.rev >= target) return this.isReady;
    return this.waitFor(target);
  }

  /** A whole collection from the cache at the freshness asked for; undefined: serve it from etcd. */
  async list(prefix: string, f: Freshness): Promise<ListResult | undefined> {
    if (!(await this.fresh(f))) return undefined;
    const t = this.typeFor(prefix);
    if (!t) return undefined;
    return { items: t.objects.list(prefix), revision: this.rev };
  }

  /** Whether etcd still has the history after `revision` (a watch from it would not be 410 Gone there). */
  async historyAvailable(revision: number): Promise<boolean> {
    try {
      await this.store.list(`${REGISTRY_ROOT}\u0000`, { revision: revision + 1, limit: 1 });
      return true;
    } catch {
      return false;
    }
  }

  private waitFor(revision: number): Promise<boolean> {
    const started = Date.now();
    return new Promise<boolean>((resolve) => {
      const w: Waiter = { revision, resolve, timer: undefined as unknown as NodeJS.Timeout };
      const giveUp = () => {
        this.waiters = this.waiters.filter((x) => x !== w);
        resolve(this.isReady && this.rev >= revision);
      };
      // Wait while the feed is moving (a busy server catching up), up to a hard limit; give up
      // soon when it is idle (etcd's revision moved by writes outside the registry, or a stall).
      const check = () => {
        // On a busy event loop the timer can fire while the events that would satisfy it are
        // already read from the socket: give one more I/O phase (setImmediate) before deciding.
        setImmediate(() => {
          if (!this.waiters.includes(w)) return;
          const now = Date.now();
          if (now - this.lastEventAt < this.freshnessWaitMs && now - started < MAX_FRESHNESS_WAIT_MS) w.timer = setTimeout(check, this.freshnessWaitMs);
          else giveUp();
        });
      };
      w.timer = setTimeout(check, this.freshnessWaitMs);
      this.waiters.push(w);
    });
  }

  private wake(): void {
    if (!this.waiters.length) return;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (this.rev >= w.revision) {
        clearTimeout(w.timer);
        w.resolve(true);
      } else keep.push(w);
    }
    this.waiters = keep;
  }

  private async sync(): Promise<void> {
    const kvs: KeyValue[] = [];
    let token: string | undefined;
    let revision = 0;
    do {
      const page = await this.store.list(REGISTRY_ROOT, { limit: LIST_PAGE, continue: token });
      revision = page.revision;
      for (const kv of page.items) kvs.push(kv);
      token = page.continue;
    } while (token);
    if (this.closed) return;
    const byType = new Map<string, KeyValue[]>();
    for (const kv of kvs) {
      const p = typePrefixOf(kv.key);
      if (!p) continue;
      let l = byType.get(p);
      if (!l) byType.set(p, (l = []));
      l.push(kv);
    }
    this.listRevision = revision;
    for (const [p, t] of this.types) t.replace(byType.get(p) ?? [], revision);
    for (const [p, l] of byType) if (!this.types.has(p)) this.typeFor(p)!.replace(l, revision);
    this.rev = revision;
    this.isReady = true;
    this.log.info({ revision, objects: kvs.length, types: byType.size }, 'watch cache synced');
    // Synchronously with the state (before any event of the watch below can arrive).
    for (const s of this.sinks) this.toSink(() => s.reset(kvs, revision));
    this.wake();
    const sub = this.store.watch(REGISTRY_ROOT, revision).subscribe({
      next: (ev) => this.onEvent(ev),
      error: (err: unknown) => this.lost(err),
      // The Store ends its watches only when it is closing: nothing to re-list from.
      complete: () => this.ended(),
    });
    if (this.closed) sub.unsubscribe();
    else this.sub = sub;
  }

  private onEvent(ev: StoreWatchEvent): void {
    if (!this.isReady) return;
    this.lastEventAt = Date.now();
    const p = typePrefixOf(ev.key);
    if (p) {
      const t = this.typeFor(p)!;
      const kv: KeyValue | undefined =
        ev.type === 'put' ? { key: ev.key, value: ev.value!, modRevision: ev.revision, createRevision: ev.createRevision ?? t.objects.get(ev.key)?.createRevision ?? ev.revision } : undefined;
      this.rev = ev.revision;
      const cached = new CachedEvent(ev);
      t.apply(cached, kv);
      for (const s of this.sinks) this.toSink(() => s.event(cached));
      cached.settle(); // the window keeps raw values only
    } else this.rev = ev.revision;
    this.wake();
  }

  private lost(err: unknown): void {
    if (this.closed) return;
    this.isReady = false;
    this.sub = undefined;
    this.log.warn({ err, revision: this.rev }, 'watch cache lost its etcd watch; reads go to etcd until it has re-listed');
    for (const t of this.types.values()) t.endAll();
    this.tellLost();
    this.scheduleResync();
  }

  private ended(): void {
    if (this.closed) return;
    this.isReady = false;
    this.sub = undefined;
    this.log.info({ revision: this.rev }, 'watch cache stopped: the store closed its watch');
    for (const t of this.types.values()) t.endAll();
    this.tellLost();
  }

  private scheduleResync(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.sync().catch((err: unknown) => {
        this.log.warn({ err }, 'watch cache re-list failed; retrying');
        this.scheduleResync();
      });
    }, this.retryMs);
    // A pending re-list alone does not keep the process alive.
    this.retry.unref();
  }
}
