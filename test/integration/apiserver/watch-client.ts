import { request } from 'node:https';
import type { TestServer } from './helpers.js';

// A raw watch over HTTPS for API server tests: every event line parsed, in arrival order.

export interface WatchEv { type: string; object: { kind?: string; code?: number; reason?: string; metadata: { name?: string; resourceVersion?: string; annotations?: Record<string, string> } } }

export interface OpenWatch {
  events: WatchEv[];
  /** Resolves when the server ends the stream or the connection goes. */
  ended: Promise<void>;
  close(): void;
}

export function openWatch(api: { url: string; caPem: string; token: string }, path: string, headers: Record<string, string> = {}): OpenWatch {
  const events: WatchEv[] = [];
  let close = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    const req = request(new URL(path, api.url), { ca: api.caPem, headers: { Authorization: `Bearer ${api.token}`, ...headers } }, (res) => {
      let buf = '';
      res.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buf.slice(0, i)) as WatchEv);
          buf = buf.slice(i + 1);
        }
      });
      res.on('end', () => resolve());
      res.on('error', () => resolve());
    });
    req.on('error', (err) => (String(err).includes('socket hang up') || String(err).includes('aborted') || String(err).includes('ECONNRESET') ? resolve() : reject(err)));
    req.end();
    close = () => req.destroy();
  });
  return { events, ended, close: () => close() };
}

export function watchOf(ts: TestServer, path: string, headers: Record<string, string> = {}): OpenWatch {
  return openWatch(ts.api, path, headers);
}
