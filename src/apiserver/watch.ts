import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Subscription } from 'rxjs';
import type { Store, StoreWatchEvent } from '../storage/store.js';
import type { Logger } from '../util/logger.js';
import { toTable } from './schema/index.js';
import { fromStored, type Obj } from './objects.js';
import { collectionPrefix, type Resource } from './registry.js';
import { queryBool, queryInt } from './query-params.js';
import { matches, parseRevision, parseSelectors, type Selectors } from './request-options.js';
import { ApiError, badRequest, isStoreError, statusFor } from './status.js';
import { openWatchStream, type WatchTracker } from './watch-stream.js';

// Watch parameters and event translation shared by both watch paths, and the uncached path: a
// watch fed by its own Store watch from a resource version, filtered by selectors (the HTTP
// stream itself is watch-stream.ts's; the cached path is cache/cached-watch.ts).

export type { WatchTracker } from './watch-stream.js';

export interface WatchParams {
  sel: Selectors;
  fromRevision?: number; // undefined: send current state first
  /** resourceVersion=0: any recent state will do (a cache may serve it without a freshness check). */
  anyState: boolean;
  bookmarks: boolean;
  sendInitialEvents: boolean;
  timeoutMs: number;
  table?: 'v1' | 'v1beta1';
  includeObject: 'None' | 'Object' | 'Metadata';
}

export function parseWatchParams(r: Resource, q: URLSearchParams, table: 'v1' | 'v1beta1' | undefined, maxTimeoutMs: number): WatchParams {
  const sel = parseSelectors(r, q);
  const rvRaw = q.get('resourceVersion');
  const fromRevision = rvRaw === null || rvRaw === '' || rvRaw === '0' ? undefined : parseRevision(rvRaw);
  // kube-apiserver: absent or 0 means the server's own timeout; a negative value a timer that
  // has already fired, so the watch ends right after its initial events.
  const t = queryInt(q, 'timeoutSeconds');
  let timeoutMs = maxTimeoutMs;
  if (t !== undefined && t !== 0) timeoutMs = t < 0 ? 0 : Math.min(t * 1000, maxTimeoutMs);
  const io = q.get('includeObject') ?? 'Metadata';
  if (io !== 'None' && io !== 'Object' && io !== 'Metadata') throw badRequest(`includeObject: Unsupported value: "${io}"`);
  return {
    sel,
    fromRevision,
    anyState: rvRaw === '0',
    bookmarks: queryBool(q, 'allowWatchBookmarks') === true,
    sendInitialEvents: queryBool(q, 'sendInitialEvents') === true,
    timeoutMs,
    table,
    includeObject: io,
  };
}

type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** Pure: a store change → the watch event this watcher sees (selector transitions included). */
export function translate(ev: StoreWatchEvent, sel: Selectors): { type: EventType; object: Obj } | undefined {
  if (ev.type === 'delete') {
    if (!ev.prevValue) return undefined;
    const o = fromStored(ev.prevValue, ev.revision);
    return matches(sel, o) ? { type: 'DELETED', object: o } : undefined;
  }
  const o = fromStored(ev.value!, ev.revision);
  const created = ev.createRevision !== undefined && ev.createRevision === ev.revision;
  const nowIn = matches(sel, o);
  if (created || ev.prevValue === undefined) return nowIn ? { type: created ? 'ADDED' : 'MODIFIED', object: o } : undefined;
  const wasIn = matches(sel, fromStored(ev.prevValue, ev.revision));
  if (nowIn && wasIn) return { type: 'MODIFIED', object: o };
  if (nowIn) return { type: 'ADDED', object: o };
  if (wasIn) return { type: 'DELETED', object: o };
  return undefined;
}

/** What a watcher with these params receives for an object: itself, or a Table row of it. */
export function renderFor(r: Resource, p: WatchParams): (o: Obj) => unknown {
  if (!p.table) return (o) => o;
  const table = p.table;
  return (o) => ({ ...(toTable(r.def, [o], { includeObject: p.includeObject, wide: true }) as Record<string, unknown>), apiVersion: `meta.k8s.io/${table}` });
}

/** The encoding a watcher's events are serialised in: watchers with equal keys share the bytes. */
export function encodingKey(p: WatchParams): string {
  return p.table ? `table/${p.table}/${p.includeObject}` : 'json';
}

/** A watch served straight from a Store watch (no watch cache, or the cache cannot serve it). */
export async function serveWatch(
  req: IncomingMessage,
  res: ServerResponse,
  store: Store,
  r: Resource,
  ns: string | undefined,
  p: WatchParams,
  tracker: WatchTracker,
  log: Logger,
  bookmarkIntervalMs: number,
  closing: Set<() => void>,
): Promise<void> {
  const prefix = collectionPrefix(r, ns);
  let initial: Obj[] = [];
  let from: number;
  if (p.fromRevision === undefined || p.sendInitialEvents) {
    const all: Obj[] = [];
    let token: string | undefined;
    let rev = 0;
    do {
      const page = await store.list(prefix, { continue: token, limit: 500 });
      rev = page.revision;
      for (const kv of page.items) {
        const o = fromStored(kv.value, kv.modRevision);
        if (matches(p.sel, o)) all.push(o);
      }
      token = page.continue;
    } while (token);
    initial = all;
    from = rev;
  } else from = p.fromRevision;

  let lastRev = from;
  const subRef: { sub?: Subscription } = {};
  const w = openWatchStream(req, res, {
    r,
    timeoutMs: p.timeoutMs,
    bookmarks: p.bookmarks,
    bookmarkMs: bookmarkIntervalMs,
    bookmarkRevision: () => lastRev,
    tracker,
    closing,
    log,
    onFinish: () => subRef.sub?.unsubscribe(),
  });
  const wrap = renderFor(r, p);
  for (const o of initial) w.send('ADDED', wrap(o));
  if (p.sendInitialEvents && p.bookmarks) w.bookmark({ 'k8s.io/initial-events-end': 'true' });
  w.startTimers();
  if (w.done) return;
  subRef.sub = store.watch(prefix, from).subscribe({
    next: (ev) => {
      lastRev = ev.revision;
      try {
        const out = translate(ev, p.sel);
        if (out) w.send(out.type, wrap(out.object));
      } catch (err) {
        log.warn({ err, key: ev.key }, 'dropping undecodable watch event');
      }
    },
    error: (err: unknown) => {
      if (isStoreError(err, 'Expired')) {
        w.send('ERROR', statusFor('Expired', `too old resource version: ${from}`));
      } else {
        log.warn({ err }, 'store watch failed');
        const e = err instanceof ApiError ? err : new ApiError('InternalError', 'watch failed: storage unavailable');
        w.send('ERROR', e.toStatus());
      }
      w.finish();
    },
    complete: () => w.finish(),
  });
  if (w.done) subRef.sub.unsubscribe();
}
