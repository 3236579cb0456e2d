import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../util/logger.js';
import type { Resource } from './registry.js';

// The HTTP side of one watch, whatever feeds it (an etcd watch in watch.ts, the watch cache in
// cache/cached-watch.ts): a chunked response of newline-delimited events, corked per burst, cut
// off when the client stops reading, bookmarks on a timer, the watch's timeout, and one `finish`
// that releases everything exactly once whichever side goes away first.

export interface WatchTracker { active: number }

const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface WatchStreamOptions {
  r: Resource;
  timeoutMs: number;
  /** Send BOOKMARK events every bookmarkMs, at the revision `bookmarkRevision` says. */
  bookmarks: boolean;
  bookmarkMs: number;
  bookmarkRevision: () => number;
  tracker: WatchTracker;
  closing: Set<() => void>;
  log: Logger;
  /** Called once when the stream ends (release the feed). */
  onFinish: () => void;
}

export interface WatchStream {
  /** One pre-serialised event line (ending in a newline). */
  sendLine(line: string): void;
  send(type: string, object: unknown): void;
  bookmark(extra?: Record<string, string>): void;
  /** Starts the timeout and bookmark timers (after the initial events). */
  startTimers(): void;
  finish(): void;
  readonly done: boolean;
}

export function openWatchStream(req: IncomingMessage, res: ServerResponse, o: WatchStreamOptions): WatchStream {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();
  o.tracker.active++;
  let done = false;
  const timers: NodeJS.Timeout[] = [];
  const finish = () => {
    if (done) return;
    done = true;
    o.tracker.active--;
    o.closing.delete(finish);
    o.onFinish();
    for (const t of timers) clearTimeout(t);
    if (!res.writableEnded && !res.destroyed) res.end();
  };
  o.closing.add(finish);
  req.on('close', finish);
  res.on('close', finish);
  res.on('error', finish);

  let corked = false;
  const sendLine = (line: string) => {
    if (done) return;
    // A client that stopped reading does not get to pin unbounded memory: drop it, it relists.
    if (res.writableLength > MAX_BUFFERED_BYTES) {
      o.log.warn({ resource: o.r.def.plural, buffered: res.writableLength }, 'closing watch of a client that stopped reading');
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
    res.write(line);
  };
  const send = (type: string, object: unknown) => sendLine(JSON.stringify({ type, object }) + '\n');
  const bookmark = (extra?: Record<string, string>) =>
    send('BOOKMARK', { kind: o.r.def.kind, apiVersion: o.r.apiVersion, metadata: { resourceVersion: String(o.bookmarkRevision()), ...(extra ? { annotations: extra } : {}) } });
  const startTimers = () => {
    if (done) return;
    timers.push(setTimeout(finish, o.timeoutMs));
    if (o.bookmarks) {
      const tick = () => {
        if (done) return;
        bookmark();
        timers.push(setTimeout(tick, o.bookmarkMs));
      };
      timers.push(setTimeout(tick, o.bookmarkMs));
    }
  };
  return {
    sendLine,
    send,
    bookmark,
    startTimers,
    finish,
    get done() {
      return done;
    },
  };
}
