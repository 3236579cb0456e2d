import type { ListResult } from '../../storage/store.js';
import type { Freshness, WatchCache } from './watch-cache.js';
import { countCacheRead } from '../../metrics/watch-cache.js';

// Which LISTs the watch cache answers, and how fresh it must be for them (kube-apiserver's
// shouldDelegateList with ConsistentListFromCache). Correctness first: anything whose semantics
// the cache does not reproduce exactly goes to etcd —
// - paged lists (limit or continue): their continue tokens and remainingItemCount are etcd's;
// - resourceVersionMatch=Exact: a snapshot at a past revision;
// and the cache only answers once it is as fresh as the request demands (WatchCache.fresh).

export interface ListRequest {
  /** The positive limit, if any. */
  limit?: number;
  continued: boolean;
  rv: string | null;
  rvMatch: string | null;
}

/** Pure: the freshness a list from the cache must have, or undefined when etcd must serve it. */
export function listFreshness(q: ListRequest): Freshness | undefined {
  if (q.limit !== undefined || q.continued) return undefined;
  if (q.rvMatch === 'Exact') return undefined;
  if (q.rv === null || q.rv === '') return { kind: 'consistent' };
  const rv = Number(q.rv);
  if (!Number.isSafeInteger(rv) || rv < 0) return undefined;
  // rv=0 means "any"; an explicit rv (NotOlderThan, or no match given) means "at least rv".
  return rv === 0 ? { kind: 'any' } : { kind: 'notOlderThan', revision: rv };
}

/** The list from the cache, or undefined when etcd must serve it. */
export async function cachedList(cache: WatchCache | undefined, resource: string, prefix: string, q: ListRequest): Promise<ListResult | undefined> {
  if (!cache) return undefined;
  const f = listFreshness(q);
  if (!f) return undefined;
  const out = await cache.list(prefix, f);
  countCacheRead('LIST', resource, out !== undefined);
  return out;
}
