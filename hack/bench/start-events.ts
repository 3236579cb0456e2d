// Container start events straight from the engine's own stream (`GET /events`), filtered by the
// engine to one label: the same "it is running" signal for every side of a benchmark, whatever
// started the containers (okube, `docker run`, Swarm), stamped with the engine's clock.
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface StartEvents {
  /** Epoch milliseconds (engine clock) of the nth start seen; rejects after timeoutMs. */
  nth(n: number, timeoutMs: number): Promise<number>;
  /** Epoch milliseconds of every start seen so far, in arrival order. */
  readonly starts: readonly number[];
  stop(): void;
}

/** Where a DOCKER_HOST points: a unix socket path, or host and port for tcp:// (no TLS). */
function endpoint(dockerHost: string): { socketPath?: string; host?: string; port?: number } {
  if (dockerHost.startsWith('unix://')) return { socketPath: dockerHost.slice('unix://'.length) };
  const u = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  return { host: u.hostname, port: Number(u.port || 2375) };
}

/**
 * Subscribes to start events of containers carrying `label` (KEY=VALUE). Resolves once the engine
 * has answered the request, so a container started after that is not missed.
 */
export function startEvents(dockerHost: string, label: string): Promise<StartEvents> {
  const filters = JSON.stringify({ type: ['container'], event: ['start'], label: [label] });
  const starts: number[] = [];
  let waiters: Array<() => void> = [];
  let failed: Error | undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ ...endpoint(dockerHost), method: 'GET', path: `/events?filters=${encodeURIComponent(filters)}` }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /events: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          starts.push((JSON.parse(line) as { timeNano: number }).timeNano / 1e6);
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('error', (err) => {
        failed = err;
        for (const w of waiters.splice(0)) w();
      });
      resolve({
        starts,
        async nth(n, timeoutMs) {
          const until = Date.now() + timeoutMs;
          while (starts.length < n) {
            if (failed) throw failed;
            if (Date.now() > until) throw new Error(`only ${starts.length}/${n} containers labelled ${label} started within ${timeoutMs / 1000} s`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 1000);
            });
          }
          return starts[n - 1];
        },
        stop() {
          waiters = [];
          req.destroy();
        },
      });
    });
    req.on('error', (err) => {
      failed = err;
      reject(err);
    });
    req.end();
  });
}
