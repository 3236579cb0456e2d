import type { Store, KeyValue } from '../storage/store.js';
import type { WatchCache } from './cache/watch-cache.js';
import type { NamespaceMarks } from './namespace-lifecycle.js';
import { fromStored, type Obj } from './objects.js';
import { objectKey, type Registry, type Resource } from './registry.js';
import { parseRevision } from './request-options.js';
import { alreadyExists, conflict, isStoreError, notFound, storeErrorCode, type ApiError } from './status.js';

// Reads and writes of one stored object for the REST layer: the compare-and-swap retry loop
// every write shares, store errors mapped to API errors, and the one-object read.

/** What a REST write answers: the HTTP code and the body. */
export interface Result { code: number; body: unknown }

/** Told when a namespace starts terminating (the namespace finalizer drains it). */
/** Told of a namespace marked for deletion, with the revision of its stored mark. */
export type NamespaceHook = (name: string, revision: number) => void;

/** What the write paths go through: the Store, the served kinds (for cross-object admission), the watch cache if any. */
export interface StoreContext {
  store: Store;
  registry: Registry;
  /** Serves whole-collection lists and namespace checks it can (cache/read-policy.ts). */
  cache?: WatchCache;
  /** Namespaces this server marked for deletion that the cache may not show yet. */
  namespaceMarks?: NamespaceMarks;
  /** How long an object of this resource lives after its last write (Events: --event-ttl); undefined: for good. */
  ttlSeconds?: (r: Resource) => number | undefined;
}

/** An object read together with its stored form, whose modRevision a write compares against. */
export interface StoredObject { kv: KeyValue; obj: Obj }

const MAX_RETRIES = 64;

/** Small jittered pause before retrying a compare-and-swap that lost a race. */
function backoff(attempt: number): Promise<void> {
  if (attempt < 2) return Promise.resolve();
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** Math.min(attempt, 6))));
}

/**
 * The optimistic-concurrency loop of every write: `attempt` reads the object, decides, and
 * returns the write to make; a write that lost a compare-and-swap race (a store Conflict, or what
 * `lostRace` says) is retried from a fresh read, up to MAX_RETRIES times. Errors of the read and
 * the decision pass through as thrown; the write's are mapped to API errors (storeErr).
 */
export async function retryOnConflict<T>(
  r: Resource,
  name: string,
  attempt: (n: number) => Promise<() => Promise<T>>,
  lostRace: (err: unknown) => boolean = (err) => isStoreError(err, 'Conflict'),
): Promise<T> {
  for (let n = 0; ; n++) {
    const write = await attempt(n);
    try {
      return await write();
    } catch (err) {
      if (lostRace(err) && n < MAX_RETRIES) {
        await backoff(n);
        continue;
      }
      storeErr(err, r, name);
    }
  }
}

export function storeErr(err: unknown, r: Resource, name: string): never {
  if (isStoreError(err)) {
    const code = storeErrorCode(err);
    if (code === 'NotFound') throw notFound(r.def.plural, r.def.group, name);
    if (code === 'AlreadyExists') throw alreadyExists(r.def.plural, r.def.group, name);
    if (code === 'Conflict') throw modifiedConflict(r, name);
  }
  throw err;
}

/** kube's 409 for a write based on a version that is no longer the stored one. */
export function modifiedConflict(r: Resource, name: string): ApiError {
  return conflict(r.def.plural, r.def.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
}

/** A resourceVersion the request sets is a precondition on the stored object: 409 when it is another. */
export function resourceVersionMustMatch(r: Resource, name: string, cur: Obj, rv: unknown): void {
  if (rv === undefined || rv === cur.metadata.resourceVersion) return;
  parseRevision(rv, 'metadata.resourceVersion');
  throw modifiedConflict(r, name);
}

export async function readObject(store: Store, r: Resource, ns: string | undefined, name: string): Promise<StoredObject> {
  const kv = await store.get(objectKey(r, ns, name));
  if (!kv) throw notFound(r.def.plural, r.def.group, name);
  return { kv, obj: fromStored(kv.value, kv.modRevision) };
}
