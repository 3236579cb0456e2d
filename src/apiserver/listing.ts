import type { KeyValue, Store } from '../storage/store.js';
import type { WatchCache } from './cache/watch-cache.js';
import { cachedList } from './cache/read-policy.js';
import { fromStored, type Obj } from './objects.js';
import { queryInt } from './query-params.js';
import { collectionPrefix, type Resource } from './registry.js';
import { decodeContinue, encodeContinue, matches, parseRevision, parseSelectors, type Selectors } from './request-options.js';
import { ApiError, badRequest, isStoreError } from './status.js';

// LIST of a collection: served from the watch cache when its read policy allows
// (cache/read-policy.ts), else paged from the Store with kube's limit/continue semantics;
// selectors filter in both.

export interface ObjectList { items: Obj[]; metadata: Record<string, unknown> }

export async function listObjects(store: Store, cache: WatchCache | undefined, r: Resource, ns: string | undefined, q: URLSearchParams): Promise<ObjectList> {
  const sel = parseSelectors(r, q);
  // As in kube-apiserver, a limit of zero or less means no limit.
  const limitQ = queryInt(q, 'limit');
  const limit = limitQ !== undefined && limitQ > 0 ? limitQ : undefined;
  const rvRaw = q.get('resourceVersion');
  const rvMatch = q.get('resourceVersionMatch');
  let revision: number | undefined;
  if (rvRaw !== null && rvRaw !== '') {
    const rv = parseRevision(rvRaw);
    if (rvMatch === 'Exact') revision = rv;
  }
  const cont = q.get('continue');
  let token: string | undefined;
  if (cont) {
    const c = decodeContinue(cont);
    token = c.t;
    revision = undefined;
  }
  const prefix = collectionPrefix(r, ns);
  const fromCache = await cachedList(cache, r.def.plural, prefix, { limit, continued: Boolean(cont), rv: rvRaw, rvMatch });
  if (fromCache) {
    return { items: pushMatching([], fromCache.items, sel), metadata: { resourceVersion: String(fromCache.revision) } };
  }
  const items: Obj[] = [];
  let listRev = 0;
  let next: string | undefined;
  let remaining: number | undefined;
  try {
    for (;;) {
      const page = await store.list(prefix, { limit: limit ? limit - items.length : undefined, continue: token, revision });
      listRev = page.revision;
      pushMatching(items, page.items, sel);
      next = page.continue;
      remaining = page.remaining;
      if (!next || !limit || items.length >= limit) break;
      token = next;
    }
  } catch (err) {
    if (isStoreError(err, 'Expired')) {
      throw new ApiError('Expired', 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.');
    }
    if (isStoreError(err, 'NotFound')) throw badRequest('continue key is not valid');
    throw err;
  }
  const metadata: Record<string, unknown> = { resourceVersion: String(listRev) };
  if (next) {
    metadata.continue = encodeContinue(next, listRev);
    if (remaining !== undefined && sel.labels.length === 0 && sel.fields.length === 0) metadata.remainingItemCount = remaining;
  }
  return { items, metadata };
}

/** Appends to `items` the stored objects the selectors select. */
function pushMatching(items: Obj[], kvs: readonly KeyValue[], sel: Selectors): Obj[] {
  for (const kv of kvs) {
    const o = fromStored(kv.value, kv.modRevision);
    if (matches(sel, o)) items.push(o);
  }
  return items;
}
