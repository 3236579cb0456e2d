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

// Watch streams: newline-delimited JSON watch events over a chunked response, fed by a Store
// watch from a resource version, filtered by selectors, with bookmarks, timeouts and clean
// release of the Store subscription when either side goes away.

export interface WatchTracker { active: number }

const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface WatchParams {
  sel: Selectors;
  fromRevision?: number; // undefined: send current state first
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

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  tracker.active++;
  let done = false;
  let lastRev = from;
  const subRef: { sub?: Subscription } = {};
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (done) return;
    done = true;
    tracker.active--;
    closing.delete(finish);
    subRef.sub?.unsubscribe();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  closing.add(finish);
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);

  const wrap = (o: Obj): unknown => {
    if (!p.table) return o;
    return { ...(toTable(r.def, [o], { includeObject: p.includeObject, wide: true }) as Record<string, unknown>), apiVersion: `meta.k8s.io/${p.table}` };
  };
  let corked = false;
  const send = (type: string, object: unknown) => {
    if (done) return;
    // A client that stopped reading does not get to pin unbounded memory: drop it, it relists.
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      log.warn({ resource: r.def.plural, buffered: res.writableLength }, 'closing watch of a client that stopped reading');
      // Ending the response would queue behind the unread backlog, which then stays in memory
      // for as long as the client holds the connection open: cut the connection instead.
      res.destroy();
      finish();
      return;
    }
    // Events of one etcd response arrive together: one TLS record and syscall for the burst.
    if (!corked) {
      corked = true;
      res.cork();
      process.nextTick(() => {
        corked = false;
        res.uncork();
      });
    }
    res.write(JSON.stringify({ type, object }) + '\n');
  };
  const bookmark = (extra?: Record<string, string>) =>
    send('BOOKMARK', { kind: r.def.kind, apiVersion: r.apiVersion, metadata: { resourceVersion: String(lastRev), ...(extra ? { annotations: extra } : {}) } });

  for (const o of initial) send('ADDED', wrap(o));
  if (p.sendInitialEvents && p.bookmarks) bookmark({ 'k8s.io/initial-events-end': 'true' });

  timers.push(setTimeout(finish, p.timeoutMs));
  if (p.bookmarks) {
    const tick = () => {
      if (done) return;
      bookmark();
      timers.push(setTimeout(tick, bookmarkIntervalMs));
    };
    timers.push(setTimeout(tick, bookmarkIntervalMs));
  }
  if (done) return;
  subRef.sub = store.watch(prefix, from).subscribe({
    next: (ev) => {
      lastRev = ev.revision;
      try {
        const out = translate(ev, p.sel);
        if (out) send(out.type, wrap(out.object));
      } catch (err) {
        log.warn({ err, key: ev.key }, 'dropping undecodable watch event');
      }
    },
    error: (err: unknown) => {
      if (isStoreError(err, 'Expired')) {
        send('ERROR', statusFor('Expired', `too old resource version: ${from}`));
      } else {
        log.warn({ err }, 'store watch failed');
        const e = err instanceof ApiError ? err : new ApiError('InternalError', 'watch failed: storage unavailable');
        send('ERROR', e.toStatus());
      }
      finish();
    },
    complete: finish,
  });
  if (done) subRef.sub.unsubscribe();
}
