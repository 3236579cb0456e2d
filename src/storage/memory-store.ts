import { Observable } from 'rxjs';
import { StoreError } from './errors.js';
import { decodeContinue, encodeContinue } from './continue-token.js';
import type { KeyValue, ListOptions, ListResult, Store, StoreWatchEvent, WriteTtl } from './store.js';

// A Store with etcd's semantics in process memory, so the layers above can be tested fast and
// without etcd. It must not drift from the etcd Store: the same conformance suite runs against
// both.

interface Change {
  revision: number;
  key: string;
  /** State after the change (undefined: deleted). */
  next?: KeyValue;
  /** State before the change (undefined: created). */
  prev?: KeyValue;
}

interface Watcher {
  prefix: string;
  emit(event: StoreWatchEvent): void;
}

/**
 * An in-memory Store with etcd's semantics (one global revision, CAS on mod revision, history
 * for watch-from-revision, compaction). Upper layers test against it for speed; the same
 * conformance suite runs against it and the etcd Store so the two cannot drift.
 */
export class MemoryStore implements Store {
  private revision = 1;
  private compacted = 0;
  private readonly data = new Map<string, KeyValue>();
  private readonly history: Change[] = [];
  private readonly watchers = new Set<Watcher>();
  /** Keys written with a TTL: the timer that deletes each (etcd's lease expiry). */
  private readonly expiries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  async get(key: string): Promise<KeyValue | undefined> {
    this.assertOpen();
    const kv = this.data.get(key);
    return kv && { ...kv };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.assertOpen();
    const token = opts.continue ? decodeContinue(opts.continue, prefix) : undefined;
    const revision = token?.revision ?? opts.revision ?? this.revision;
    if (revision < this.compacted) throw new StoreError('Expired', `revision ${revision} has been compacted (oldest is ${this.compacted})`);
    if (revision > this.revision) throw new StoreError('Expired', `revision ${revision} is in the future (newest is ${this.revision})`);
    const snapshot = this.snapshotAt(revision);
    const start = token?.start ?? prefix;
    const keys = [...snapshot.keys()].filter((k) => k.startsWith(prefix) && k >= start).sort();
    const limit = opts.limit && opts.limit > 0 ? opts.limit : keys.length;
    const page = keys.slice(0, limit);
    const result: ListResult = { items: page.map((k) => ({ ...snapshot.get(k)! })), revision };
    if (keys.length > page.length) {
      result.continue = encodeContinue({ start: keys[page.length], revision, prefix });
      result.remaining = keys.length - page.length;
    }
    return result;
  }

  async create(key: string, value: string, opts?: WriteTtl): Promise<number> {
    this.assertOpen();
    if (this.data.has(key)) throw new StoreError('AlreadyExists', `key ${key} already exists`, key);
    const revision = ++this.revision;
    this.apply({ revision, key, next: { key, value, modRevision: revision, createRevision: revision } });
    this.expireAfter(key, opts);
    return revision;
  }

  async update(key: string, value: string, expectedRevision: number, opts?: WriteTtl): Promise<number> {
    this.assertOpen();
    const prev = this.data.get(key);
    if (!prev) throw new StoreError('NotFound', `key ${key} not found`, key);
    if (prev.modRevision !== expectedRevision) {
      throw new StoreError('Conflict', `key ${key} changed: expected revision ${expectedRevision}, found ${prev.modRevision}`, key);
    }
    const revision = ++this.revision;
    this.apply({ revision, key, prev, next: { key, value, modRevision: revision, createRevision: prev.createRevision } });
    this.expireAfter(key, opts);
    return revision;
  }

  /** As etcd's put: with a TTL the key goes when it ends (a delete every watcher sees); without one it stays. */
  private expireAfter(key: string, opts: WriteTtl | undefined): void {
    this.cancelExpiry(key);
    if (!opts?.ttlSeconds) return;
    const timer = setTimeout(() => {
      this.expiries.delete(key);
      const prev = this.data.get(key);
      if (prev && !this.closed) this.apply({ revision: ++this.revision, key, prev });
    }, opts.ttlSeconds * 1000);
    timer.unref();
    this.expiries.set(key, timer);
  }

  private cancelExpiry(key: string): void {
    clearTimeout(this.expiries.get(key));
    this.expiries.delete(key);
  }

  async delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }> {
    this.assertOpen();
    const prev = this.data.get(key);
    if (!prev) throw new StoreError('NotFound', `key ${key} not found`, key);
    if (expectedRevision !== undefined && prev.modRevision !== expectedRevision) {
      throw new StoreError('Conflict', `key ${key} changed: expected revision ${expectedRevision}, found ${prev.modRevision}`, key);
    }
    const revision = ++this.revision;
    this.apply({ revision, key, prev });
    this.cancelExpiry(key);
    return { revision, prev: { ...prev } };
  }

  watch(prefix: string, fromRevision: number): Observable<StoreWatchEvent> {
    return new Observable<StoreWatchEvent>((subscriber) => {
      if (this.closed) {
        subscriber.error(new StoreError('Unavailable', 'store is closed'));
        return;
      }
      // Like etcd: history from `fromRevision + 1` on must still exist.
      if (fromRevision + 1 < this.compacted) {
        subscriber.error(new StoreError('Expired', `revision ${fromRevision} has been compacted (oldest is ${this.compacted})`));
        return;
      }
      for (const change of this.history) {
        if (change.revision > fromRevision && change.key.startsWith(prefix)) subscriber.next(toEvent(change));
      }
      const watcher: Watcher = { prefix, emit: (e) => subscriber.next(e) };
      this.watchers.add(watcher);
      return () => this.watchers.delete(watcher);
    });
  }

  async compact(revision: number): Promise<void> {
    this.assertOpen();
    if (revision > this.revision) throw new StoreError('Expired', `cannot compact to future revision ${revision}`);
    if (revision <= this.compacted) throw new StoreError('Expired', `revision ${revision} has already been compacted`);
    this.compacted = revision;
    // Keep changes at or after the compaction revision (etcd keeps the state at `revision`).
    const keepFrom = this.history.findIndex((c) => c.revision >= revision);
    this.history.splice(0, keepFrom === -1 ? this.history.length : keepFrom);
  }

  async currentRevision(): Promise<number> {
    this.assertOpen();
    return this.revision;
  }

  /** Number of open watches: tests use it to prove that watches are released. */
  get activeWatches(): number {
    return this.watchers.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
    for (const t of this.expiries.values()) clearTimeout(t);
    this.expiries.clear();
  }

  private apply(change: Change): void {
    if (change.next) this.data.set(change.key, change.next);
    else this.data.delete(change.key);
    this.history.push(change);
    const event = toEvent(change);
    for (const w of [...this.watchers]) if (change.key.startsWith(w.prefix)) w.emit(event);
  }

  /** The key space as it was at `revision`, by undoing later changes. */
  private snapshotAt(revision: number): Map<string, KeyValue> {
    if (revision === this.revision) return this.data;
    const snapshot = new Map(this.data);
    for (let i = this.history.length - 1; i >= 0 && this.history[i].revision > revision; i--) {
      const { key, prev } = this.history[i];
      if (prev) snapshot.set(key, prev);
      else snapshot.delete(key);
    }
    return snapshot;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('Unavailable', 'store is closed');
  }
}

function toEvent(change: Change): StoreWatchEvent {
  return change.next
    ? {
        type: 'put',
        key: change.key,
        value: change.next.value,
        prevValue: change.prev?.value,
        revision: change.revision,
        createRevision: change.next.createRevision,
      }
    : { type: 'delete', key: change.key, prevValue: change.prev?.value, revision: change.revision };
}
