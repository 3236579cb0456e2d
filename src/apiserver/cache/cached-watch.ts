import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../util/logger.js';
import { fromStored } from '../objects.js';
import { collectionPrefix, type Resource } from '../registry.js';
import { matches } from '../request-options.js';
import { encodingKey, renderFor, type WatchParams } from '../watch.js';
import { openWatchStream, type WatchStream, type WatchTracker } from '../watch-stream.js';
import { transition } from './cached-event.js';
import type { CacheWatcher } from './type-cache.js';
import type { Freshness, WatchCache } from './watch-cache.js';

// A watch served from the watch cache. Where it starts is the consistency policy:
// - no resourceVersion / sendInitialEvents: the collection from the cache (as fresh as the request
//   asks: rv=0 any state, rv=N at least N, none at least etcd's current revision), then live;
// - from revision N: the window's events after N, then live — when the window reaches back to N
//   and etcd still has that history (so a compacted revision is 410 Gone exactly as before).
// Anything else (cache not ready or behind, N before the window) answers false and the caller
// serves the watch from etcd. Events are serialised once per encoding for all watchers.

export interface CachedWatchSettings {
  tracker: WatchTracker;
  closing: Set<() => void>;
  bookmarkMs: number;
  log: Logger;
}

/** Serves the watch from the cache and returns true, or returns false having sent nothing. */
export async function serveCachedWatch(
  req: IncomingMessage,
  res: ServerResponse,
  cache: WatchCache,
  r: Resource,
  ns: string | undefined,
  p: WatchParams,
  s: CachedWatchSettings,
): Promise<boolean> {
  const prefix = collectionPrefix(r, ns);
  const withState = p.fromRevision === undefined || p.sendInitialEvents;
  if (withState) {
    const f: Freshness = p.anyState ? { kind: 'any' } : p.fromRevision !== undefined ? { kind: 'notOlderThan', revision: p.fromRevision } : { kind: 'consistent' };
    if (!(await cache.fresh(f))) return false;
  } else {
    const from = p.fromRevision!;
    if (from > cache.revision && !(await cache.fresh({ kind: 'notOlderThan', revision: from }))) return false;
    if (from < cache.revision && !(await cache.historyAvailable(from))) return false;
  }
  // From here on, synchronous until subscribed: no event can slip between state and subscription.
  if (!cache.ready || req.destroyed) return false;
  const t = cache.typeFor(prefix);
  if (!t) return false;
  const from = withState ? cache.revision : p.fromRevision!;
  const enc = encodingKey(p);
  const render = renderFor(r, p);
  // Set right after subscribing, in the same tick (no event can arrive in between).
  const ref: { stream?: WatchStream } = {};
  const watcher: CacheWatcher = {
    deliver(ev) {
      const stream = ref.stream;
      if (!stream || stream.done || !ev.key.startsWith(prefix)) return;
      try {
        const type = transition(ev, p.sel);
        if (type) stream.sendLine(ev.line(type, enc, render));
      } catch (err) {
        s.log.warn({ err, key: ev.key }, 'dropping undecodable watch event');
      }
    },
    end: () => ref.stream?.finish(),
  };
  const backlog = t.subscribe(from, watcher);
  if (!backlog) return false;
  const stream = (ref.stream = openWatchStream(req, res, {
    r,
    timeoutMs: p.timeoutMs,
    bookmarks: p.bookmarks,
    bookmarkMs: s.bookmarkMs,
    bookmarkRevision: () => cache.revision,
    tracker: s.tracker,
    closing: s.closing,
    log: s.log,
    onFinish: () => t.unsubscribe(watcher),
  }));
  if (withState) {
    for (const kv of t.objects.list(prefix)) {
      try {
        const o = fromStored(kv.value, kv.modRevision);
        if (matches(p.sel, o)) stream.send('ADDED', render(o));
      } catch (err) {
        s.log.warn({ err, key: kv.key }, 'dropping undecodable object');
      }
    }
    if (p.sendInitialEvents && p.bookmarks) stream.bookmark({ 'k8s.io/initial-events-end': 'true' });
  }
  for (const ev of backlog) {
    watcher.deliver(ev);
    ev.settle(); // the window keeps raw values only
  }
  stream.startTimers();
  return true;
}
