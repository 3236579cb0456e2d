import type { Observable } from 'rxjs';

// The storage contract (DESIGN.md "Storage contract"). Values are opaque strings (the API
// server stores JSON); revisions are etcd-style store revisions: one global, monotonically
// increasing counter, bumped by every write.

export interface KeyValue {
  key: string;
  value: string;
  /** Revision of the key's last change (etcd mod_revision). */
  modRevision: number;
  /** Revision at which the key was created (etcd create_revision). */
  createRevision: number;
}

export interface ListOptions {
  /** At most this many items; a `continue` token is returned when more remain. */
  limit?: number;
  /** Token from a previous page; the page is read at that page's revision. */
  continue?: string;
  /** Read at this revision (consistent snapshot); default: the newest. */
  revision?: number;
}

export interface ListResult {
  items: KeyValue[];
  /** The store revision the list was read at; watch from it to see every later change. */
  revision: number;
  continue?: string;
  remaining?: number;
}

export interface StoreWatchEvent {
  type: 'put' | 'delete';
  key: string;
  /** New value for put; undefined for delete. */
  value?: string;
  /** Previous value when known (always for delete). */
  prevValue?: string;
  /** Revision of this change; strictly increasing along one watch. */
  revision: number;
  /** create_revision of the key (put only): equals `revision` when the key was created. */
  createRevision?: number;
}

/** How long a written key lives (etcd: a lease): Events expire this way, as kube-apiserver's --event-ttl. */
export interface WriteTtl {
  /** The key is deleted this many seconds after the write (at least; a store may round up a little), unless written again. */
  ttlSeconds?: number;
}

export interface Store {
  get(key: string): Promise<KeyValue | undefined>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** Fails with StoreError('AlreadyExists') when the key exists. Returns the new revision. */
  create(key: string, value: string, opts?: WriteTtl): Promise<number>;
  /**
   * Compare-and-swap on the key's modRevision. Fails with 'Conflict' when the key changed since
   * `expectedRevision`, 'NotFound' when it is gone. Returns the new revision.
   */
  update(key: string, value: string, expectedRevision: number, opts?: WriteTtl): Promise<number>;
  /** Deletes, guarded by revision when given. Returns the deletion's revision and the old value. */
  delete(key: string, expectedRevision?: number): Promise<{ revision: number; prev: KeyValue }>;
  /**
   * Every change under `prefix` with revision > fromRevision, in order, with no gaps, across
   * reconnects. Errors with StoreError('Expired') when fromRevision was compacted away.
   * Unsubscribing releases the underlying watch.
   */
  watch(prefix: string, fromRevision: number): Observable<StoreWatchEvent>;
  /** Discards history at or below `revision`. */
  compact(revision: number): Promise<void>;
  currentRevision(): Promise<number>;
  close(): Promise<void>;
}
