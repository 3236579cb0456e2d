import type { Store, KeyValue } from '../storage/store.js';
import { fromStored, type Obj } from './objects.js';
import { objectKey, type Resource } from './registry.js';
import { alreadyExists, conflict, isStoreError, notFound, storeErrorCode } from './status.js';

// The handlers' edge to the Store: reads that 404 as the API does, and the one mapping from
// StoreError codes to API Statuses (NotFound, AlreadyExists, Conflict) so every handler answers
// a lost race or a missing key the same way. The retry pause keeps compare-and-swap loops from
// spinning in lock-step under contention.

export const MAX_RETRIES = 64;

/** Small jittered pause before retrying a compare-and-swap that lost a race. */
export function backoff(attempt: number): Promise<void> {
  if (attempt < 2) return Promise.resolve();
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 ** Math.min(attempt, 6))));
}

export function storeErr(err: unknown, r: Resource, name: string): never {
  if (isStoreError(err)) {
    const code = storeErrorCode(err);
    if (code === 'NotFound') throw notFound(r.def.plural, r.def.group, name);
    if (code === 'AlreadyExists') throw alreadyExists(r.def.plural, r.def.group, name);
    if (code === 'Conflict') throw conflict(r.def.plural, r.def.group, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  throw err;
}

export async function readObject(store: Store, r: Resource, ns: string | undefined, name: string): Promise<{ kv: KeyValue; obj: Obj }> {
  const kv = await store.get(objectKey(r, ns, name));
  if (!kv) throw notFound(r.def.plural, r.def.group, name);
  return { kv, obj: fromStored(kv.value, kv.modRevision) };
}
