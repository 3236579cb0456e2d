import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { Subject, type Observable } from 'rxjs';
import type { KubeList, KubeObject } from '../api/types.js';
import { OkubeError } from '../util/errors.js';
import { loggerFor, type Logger } from '../util/logger.js';
import { objectKey } from './resource-client.js';

// An informer: list + watch of one resource as an RxJS stream, with a read-only cache. It never
// dies silently: 410 Gone relists (and reports what changed meanwhile, deletions included), any
// other error or an idle stream rewatches with backoff, and a periodic resync re-emits everything.

export type InformerEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC';

export interface InformerEvent<T> {
  type: InformerEventType;
  object: T;
  /** The cached object before this event (MODIFIED, DELETED). */
  old?: T;
}

export interface InformerOptions<T> {
  kc: KubeConfig;
  /** Collection path to watch, e.g. /apis/okube.dev/v1alpha1/tasks. */
  path: string;
  /** One page of the list. */
  list(opts: { limit: number; continue?: string }): Promise<KubeList<T & KubeObject>>;
  /** Re-emit every cached object this often (0: never). Default 5 min. */
  resyncMs?: number;
  /** Rewatch when nothing (not even a bookmark) arrived for this long. Default 6 min. */
  idleMs?: number;
  /** Server-side watch timeout in seconds. Default 300. */
  watchTimeoutSeconds?: number;
  name?: string;
}

/** What the relist found compared with the cache: pure, so it is tested with plain data. */
export function diffRelist<T extends KubeObject>(cached: ReadonlyMap<string, T>, listed: T[]): InformerEvent<T>[] {
  const events: InformerEvent<T>[] = [];
  const seen = new Set<string>();
  for (const obj of listed) {
    const key = objectKey(obj);
    seen.add(key);
    const old = cached.get(key);
    if (!old) events.push({ type: 'ADDED', object: obj });
    else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) events.push({ type: 'MODIFIED', object: obj, old });
  }
  for (const [key, old] of cached) if (!seen.has(key)) events.push({ type: 'DELETED', object: old, old });
  return events;
}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly indexers = new Map<string, (obj: T) => string[]>();
  /** index name → value → keys: byIndex is a lookup, not a scan (10,000 Tasks). */
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private readonly subject = new Subject<InformerEvent<T>>();
  private readonly log: Logger;
  private resourceVersion = '';
  private abort?: AbortController;
  private running = false;
  private synced = false;
  private syncedWaiters: Array<() => void> = [];
  private failures = 0;
  private idleTimer?: NodeJS.Timeout;
  private resyncTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private generation = 0;

  readonly events$: Observable<InformerEvent<T>> = this.subject.asObservable();

  constructor(private readonly opts: InformerOptions<T>) {
    this.log = loggerFor('informer', opts.name ?? opts.path);
  }

  addIndex(name: string, fn: (obj: T) => string[]): void {
    this.indexers.set(name, fn);
    const index = new Map<string, Set<string>>();
    this.indexes.set(name, index);
    for (const [key, obj] of this.cache) for (const v of fn(obj)) addTo(index, v, key);
  }

  private put(key: string, obj: T | undefined): void {
    const old = this.cache.get(key);
    for (const [name, fn] of this.indexers) {
      const index = this.indexes.get(name)!;
      if (old) for (const v of fn(old)) removeFrom(index, v, key);
      if (obj) for (const v of fn(obj)) addTo(index, v, key);
    }
    if (obj) this.cache.set(key, obj);
    else this.cache.delete(key);
  }

  get(key: string): T | undefined {
    return this.cache.get(key);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new OkubeError('Internal', `informer has no index ${name}`);
    return [...(index.get(value) ?? [])].map((k) => this.cache.get(k)!);
  }

  /** The resourceVersion the cache is current to (client-go's LastSyncResourceVersion; '' before the first list). */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    return this.synced ? Promise.resolve() : new Promise((resolve) => this.syncedWaiters.push(resolve));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.relist();
    const resync = this.opts.resyncMs ?? 300_000;
    if (resync > 0) {
      this.resyncTimer = setInterval(() => {
        for (const object of this.cache.values()) this.subject.next({ type: 'RESYNC', object });
      }, resync);
      this.resyncTimer.unref();
    }
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearInterval(this.resyncTimer);
    clearTimeout(this.idleTimer);
    clearTimeout(this.retryTimer);
    this.abort?.abort();
    this.subject.complete();
  }

  private async relist(): Promise<void> {
    const gen = ++this.generation;
    try {
      const items: T[] = [];
      let token: string | undefined;
      let rv = '';
      do {
        const page = await this.opts.list({ limit: 500, continue: token });
        items.push(...(page.items as T[]));
        token = page.metadata.continue || undefined;
        rv ||= page.metadata.resourceVersion ?? '';
      } while (token);
      if (gen !== this.generation || !this.running) return;
      const events = diffRelist(this.cache, items);
      for (const e of events) this.put(objectKey(e.object), e.type === 'DELETED' ? undefined : e.object);
      this.resourceVersion = rv;
      for (const e of events) this.subject.next(e);
      if (!this.synced) {
        this.synced = true;
        this.syncedWaiters.splice(0).forEach((w) => w());
      }
      this.failures = 0;
      this.log.debug({ count: items.length, resourceVersion: rv }, 'listed');
      void this.watch(gen);
    } catch (err) {
      this.retry(gen, 'list failed', err, () => this.relist());
    }
  }

  private async watch(gen: number): Promise<void> {
    if (gen !== this.generation || !this.running) return;
    let ended = false;
    const finish = (why: 'relist' | 'rewatch' | 'retry', err?: unknown) => {
      if (ended) return;
      ended = true;
      clearTimeout(this.idleTimer);
      this.abort?.abort();
      if (gen !== this.generation || !this.running) return;
      if (why === 'relist') void this.relist();
      else if (why === 'rewatch') void this.watch(gen);
      else this.retry(gen, 'watch failed', err, () => this.watch(gen));
    };
    const bumpIdle = () => {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => {
        this.log.warn({ resourceVersion: this.resourceVersion }, 'watch idle; rewatching');
        finish('rewatch');
      }, this.opts.idleMs ?? 360_000);
      this.idleTimer.unref();
    };
    try {
      bumpIdle();
      this.abort = await new Watch(this.opts.kc).watch(
        this.opts.path,
        { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 },
        (type: string, obj: T & { code?: number; reason?: string; message?: string }) => {
          if (ended) return;
          bumpIdle();
          if (type === 'ERROR') {
            if (obj.code === 410) {
              this.log.info({ resourceVersion: this.resourceVersion }, 'watch expired (410); relisting');
              finish('relist');
            } else finish('retry', new Error(`watch error ${obj.code ?? ''} ${obj.reason ?? ''}: ${obj.message ?? ''}`));
            return;
          }
          if (obj?.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
          if (type === 'BOOKMARK') return;
          this.apply(type, obj);
        },
        (err: unknown) => {
          if (!err) finish('rewatch');
          else if ((err as { code?: number; statusCode?: number }).code === 410 || /\b410\b/.test(String((err as Error).message))) finish('relist');
          else finish('retry', err);
        },
      );
      this.failures = 0;
    } catch (err) {
      if ((err as { code?: number }).code === 410 || /\b410\b|Gone/.test(String((err as Error)?.message))) finish('relist');
      else finish('retry', err);
    }
  }

  private apply(type: string, obj: T): void {
    const key = objectKey(obj);
    const old = this.cache.get(key);
    if (type === 'DELETED') {
      this.put(key, undefined);
      this.subject.next({ type: 'DELETED', object: obj, old });
    } else if (type === 'ADDED' || type === 'MODIFIED') {
      this.put(key, obj);
      this.subject.next({ type: old ? 'MODIFIED' : 'ADDED', object: obj, old });
    }
  }

  private retry(gen: number, what: string, err: unknown, again: () => Promise<void>): void {
    if (gen !== this.generation || !this.running) return;
    const delay = Math.min(200 * 2 ** this.failures++, 30_000);
    this.log.warn({ err: (err as Error)?.message ?? String(err), delayMs: delay }, `${what}; retrying`);
    this.retryTimer = setTimeout(() => void again(), delay);
    this.retryTimer.unref();
  }
}

function addTo(index: Map<string, Set<string>>, value: string, key: string): void {
  let keys = index.get(value);
  if (!keys) index.set(value, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, value: string, key: string): void {
  const keys = index.get(value);
  keys?.delete(key);
  if (keys?.size === 0) index.delete(value);
}
