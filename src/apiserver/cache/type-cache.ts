import type { KeyValue } from '../../storage/store.js';
import { EventWindow } from './event-window.js';
import { ObjectStore } from './object-store.js';
import type { CachedEvent } from './cached-event.js';

// The watch cache of one resource type (one storage prefix, e.g. /registry/okube.io/tasks/):
// its objects at the latest revision, the window of its recent events, and the watchers it fans
// each event out to. Everything is synchronous: a watcher that takes the window's backlog and
// subscribes in one call can neither miss nor repeat an event.

export interface CacheWatcher {
  /** One event, in revision order. */
  deliver(ev: CachedEvent): void;
  /** The cache lost continuity (re-list): the watcher must end; its client resumes from its last revision. */
  end(): void;
}

export class TypeCache {
  readonly objects = new ObjectStore();
  readonly window: EventWindow;
  private readonly watchers = new Set<CacheWatcher>();

  constructor(
    readonly prefix: string,
    windowSize: number,
    startRevision: number,
    windowBytes?: number,
  ) {
    this.window = new EventWindow(windowSize, startRevision, windowBytes);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /** The caller settles `ev` once every consumer has had it. */
  apply(ev: CachedEvent, kv: KeyValue | undefined): void {
    if (kv) this.objects.put(kv);
    else this.objects.delete(ev.key);
    this.window.push(ev);
    for (const w of this.watchers) w.deliver(ev);
  }

  /**
   * The backlog after `revision` and a subscription to what follows, atomically; undefined (and
   * no subscription) when the window does not reach back to `revision`.
   */
  subscribe(revision: number, w: CacheWatcher): CachedEvent[] | undefined {
    const backlog = this.window.since(revision);
    if (backlog) this.watchers.add(w);
    return backlog;
  }

  unsubscribe(w: CacheWatcher): void {
    this.watchers.delete(w);
  }

  /** A re-list at `revision`: new contents, empty window, every watcher ended. */
  replace(kvs: KeyValue[], revision: number): void {
    this.objects.replace(kvs);
    this.window.reset(revision);
    this.endAll();
  }

  endAll(): void {
    const ws = [...this.watchers];
    this.watchers.clear();
    for (const w of ws) w.end();
  }
}
