import type Docker from 'dockerode';
import { Observable } from 'rxjs';
import type { Logger } from '../util/logger.js';
import { RECONNECTED, type RuntimeEvent } from './runtime.js';

// Docker's container event stream as an Observable that outlives the connection: lost streams
// reconnect with backoff and ask for events `since` the last one seen (deduplicated), so the
// controllers miss no exit across an engine hiccup. A stream the HTTP client's idle timeout ends
// is expected on a quiet engine and reconnects at once without a warning. A stream that was lost
// (not ended by that timeout) is followed, once connected again, by a RECONNECTED event: a
// restarted engine replays nothing from before its restart. The first connect, too, asks for
// events since just before the subscription: a call made at once over a kept connection can beat
// the stream's own connect, and what it set off would be lost. A `since` in the engine's future
// (its clock behind ours) replays nothing but still delivers live events, so skew costs no event.

export interface DockerEventStreamOptions {
  log: Logger;
  idleTimeoutMs: number;
  onConnected: (stream: NodeJS.ReadableStream) => void;
}

/** Docker's event stream, reconnected with backoff; a reconnect asks for what it missed. */
export function dockerEventStream(docker: Docker, opts: DockerEventStreamOptions): Observable<RuntimeEvent> {
  return new Observable<RuntimeEvent>((subscriber) => {
    let stopped = false;
    let current: NodeJS.ReadableStream | undefined;
    let retryTimer: NodeJS.Timeout | undefined;
    let attempt = 0;
    /** The stream was lost (not the idle timeout): say so once it is back. */
    let lost = false;
    // Whole seconds, as the engine's events carry them; one second back for the clocks' rounding.
    let sinceSeconds = Math.floor(Date.now() / 1000) - 1;
    const seen = new Set<string>();

    const connect = async () => {
      if (stopped) return;
      try {
        const filters = { type: ['container'] } as Docker.GetEventsOptions['filters'];
        const stream = (await docker.getEvents({ filters, since: sinceSeconds })) as unknown as NodeJS.ReadableStream;
        if (stopped) return void (stream as unknown as { destroy?: () => void }).destroy?.();
        current = stream;
        opts.onConnected(stream);
        attempt = 0;
        if (lost) {
          lost = false;
          subscriber.next({ action: RECONNECTED, containerId: '', labels: {}, time: Date.now() });
        }
        let buffer = '';
        let lastData = Date.now();
        stream.on('data', (chunk: Buffer) => {
          lastData = Date.now();
          buffer += chunk.toString();
          let nl: number;
          while ((nl = buffer.indexOf('\n')) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (line) handle(line);
          }
        });
        const reconnect = (why: string) => {
          if (stopped || current !== stream) return;
          current = undefined;
          // The client's idle timeout ends a quiet stream: expected, so reconnect at once and quietly.
          if (Date.now() - lastData >= opts.idleTimeoutMs - 100) {
            opts.log.debug({ why }, 'docker events stream idle; reconnecting');
            return void connect();
          }
          schedule(why);
        };
        stream.on('end', () => reconnect('stream ended'));
        stream.on('close', () => reconnect('stream closed'));
        stream.on('error', (err: Error) => reconnect(err.message));
      } catch (err) {
        schedule((err as Error).message);
      }
    };

    const handle = (line: string) => {
      let ev: { Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; time?: number; timeNano?: number };
      try {
        ev = JSON.parse(line);
      } catch {
        return;
      }
      const action = (ev.Action ?? ev.status ?? '').split(':')[0];
      const id = ev.Actor?.ID ?? ev.id ?? '';
      const dedupeKey = `${ev.timeNano}:${id}:${action}`;
      if (seen.has(dedupeKey)) return;
      seen.add(dedupeKey);
      if (seen.size > 10_000) seen.clear();
      const attrs = ev.Actor?.Attributes ?? {};
      const exit = attrs.exitCode;
      if (ev.time !== undefined) sinceSeconds = ev.time;
      subscriber.next({
        action,
        containerId: id,
        labels: attrs,
        exitCode: exit !== undefined ? Number(exit) : undefined,
        time: ev.timeNano ? Math.floor(ev.timeNano / 1e6) : (ev.time ?? 0) * 1000,
      });
    };

    const schedule = (why: string) => {
      if (stopped) return;
      lost = true;
      const delay = Math.min(100 * 2 ** attempt++, 5000);
      opts.log.warn({ why, delayMs: delay }, 'docker events stream lost; reconnecting');
      retryTimer = setTimeout(connect, delay);
      retryTimer.unref();
    };

    void connect();
    return () => {
      stopped = true;
      clearTimeout(retryTimer);
      (current as unknown as { destroy?: () => void })?.destroy?.();
    };
  });
}
