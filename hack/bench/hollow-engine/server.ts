// Many hollow Docker engines (engine.ts) in one process, each behind its own unix socket
// <dir>/hollow-<i>.sock, so each hollow Node is a separate dockerHost the Node CRD admits
// (unix:///…). Run as a process of its own by the scale benchmark, so the engines' CPU is not
// the controllers':
//   npx tsx hack/bench/hollow-engine/server.ts --dir /tmp/x --count 100
// prints `ready <count>` once every socket listens; SIGTERM closes them and removes the sockets.
// `GET /_hollow/requests` on any socket answers the requests all engines served so far, by
// method and route (ids folded), so a benchmark can say which engine calls an idle window made.
import { createServer, type Server } from 'node:http';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HollowEngine, type HollowEngineOptions } from './engine.js';
import { isMain, numberOpt } from '../lib.js';

export interface HollowEngines {
  engines: HollowEngine[];
  /** unix:///…/hollow-<i>.sock, one per engine, in order. */
  dockerHosts: string[];
  close(): Promise<void>;
}

export const hollowSocket = (dir: string, i: number) => join(dir, `hollow-${i}.sock`);

export async function startHollowEngines(dir: string, count: number, opts: Omit<HollowEngineOptions, 'name'> = {}): Promise<HollowEngines> {
  mkdirSync(dir, { recursive: true });
  const engines: HollowEngine[] = [];
  const servers: Server[] = [];
  const served = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const path = hollowSocket(dir, i);
    rmSync(path, { force: true });
    const engine = new HollowEngine({ ...opts, name: `hollow-${i}` });
    const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      const path = (req.url ?? '/').split('?')[0].replace(/^\/v\d+\.\d+(?=\/)/, '');
      if (path === '/_hollow/requests') return void res.setHeader('content-type', 'application/json').end(JSON.stringify(Object.fromEntries(served)));
      const route = `${req.method} ${path.replace(/\/(containers|images|volumes|exec)\/(?!json$)[^/]+/, '/$1/{id}')}`;
      served.set(route, (served.get(route) ?? 0) + 1);
      engine.handle(req, res);
    });
    server.requestTimeout = 0; // events streams and waits stay open
    await new Promise<void>((res, rej) => server.once('error', rej).listen(path, () => res()));
    engines.push(engine);
    servers.push(server);
  }
  return {
    engines,
    dockerHosts: engines.map((_, i) => `unix://${hollowSocket(dir, i)}`),
    close: async () => {
      for (const e of engines) e.shutdown();
      await Promise.all(servers.map((s) => new Promise<void>((res) => {
        s.closeAllConnections();
        s.close(() => res());
      })));
      for (let i = 0; i < count; i++) rmSync(hollowSocket(dir, i), { force: true });
    },
  };
}

if (isMain(import.meta.url)) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--dir');
  const dir = i >= 0 ? args[i + 1] : undefined;
  if (!dir) {
    process.stderr.write('usage: server.ts --dir DIR --count N\n');
    process.exit(2);
  }
  const count = numberOpt(args, 'count', 1);
  const set = await startHollowEngines(dir, count);
  process.stdout.write(`ready ${count}\n`);
  const stop = async () => {
    const containers = set.engines.reduce((n, e) => n + e.size, 0);
    await set.close();
    process.stdout.write(`stopped; hollow containers: ${containers}\n`);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}
