// Benchmark of the API server: creates/s through HTTPS next to raw Store creates/s (and, on
// etcd, raw etcd puts/s), and watch fan-out latency (one change → N watchers) — all in one run.
//
//   npx tsx hack/bench/apiserver.ts [--objects 1000] [--concurrency 16] [--watchers 20] [--watch-events 200] [--etcd]
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEtcd, EtcdStore, MemoryStore, type Store } from '../../src/storage/index.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';
import { CRD_DIR } from '../../src/standalone/standalone.js';
import { fmt, inParallel, isMain, numberOpt, pct, runAsScript, sleep, type BenchResult } from './lib.js';
import { rawEtcdPutsPerSec } from './store.js';

export interface ApiBenchOptions {
  objects: number;
  concurrency: number;
  watchers: number;
  watchEvents: number;
  etcd: boolean;
}

export interface ApiFigures {
  apiCreatesPerSec: number;
  storeCreatesPerSec: number;
  rawEtcdPutsPerSec?: number;
  watchP50Ms: number;
  watchP99Ms: number;
  eventsPerSec: number;
}

interface StoreHandle { store: Store; name: string; endpoints?: string[]; close(): Promise<void> }

async function makeStore(useEtcd: boolean): Promise<StoreHandle> {
  if (useEtcd) {
    const dir = mkdtempSync(join(tmpdir(), 'okube-bench-etcd-'));
    const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false });
    const { endpoints } = await etcd.start();
    const store = new EtcdStore({ endpoints });
    return {
      store,
      name: 'etcd (embedded)',
      endpoints,
      close: async () => {
        await store.close();
        await etcd.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const store = new MemoryStore();
  return { store, name: 'memory', close: () => store.close() };
}

function call(api: ApiServer, agent: Agent, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(new URL(path, api.url), {
      method,
      agent,
      ca: api.caPem,
      headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/json', ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) },
    }, (r) => {
      r.resume();
      r.on('end', () => res(r.statusCode ?? 0));
    });
    req.on('error', rej);
    req.end(data);
  });
}

const task = (ns: string, name: string) => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: ns, labels: { bench: 'yes' } }, spec: { image: 'busybox' } });

export async function apiServerBench(o: ApiBenchOptions): Promise<BenchResult & { figures: ApiFigures }> {
  const h = await makeStore(o.etcd);
  const dataDir = mkdtempSync(join(tmpdir(), 'okube-bench-api-'));
  const api = await createApiServer({ store: h.store, crdDir: CRD_DIR, dataDir, listen: { host: '127.0.0.1', port: 0 } });
  const agent = new Agent({ keepAlive: true, maxSockets: o.concurrency, ca: api.caPem });
  const rows: Array<[string, string]> = [];
  const { objects, concurrency } = o;
  try {
    // 1. raw etcd puts and raw Store creates on the same store
    const rawEtcd = h.endpoints ? await rawEtcdPutsPerSec(h.endpoints, objects, concurrency, '/bench/etcd') : undefined;
    if (rawEtcd !== undefined) rows.push([`raw etcd3 put (${objects}, concurrency ${concurrency})`, `${fmt(rawEtcd, 0)} /s`]);
    const rawSecs = await inParallel(objects, concurrency, (i) => h.store.create(`/bench/raw/${i}`, JSON.stringify(task('raw', `t${i}`))));
    rows.push([`Store.create (${objects}, concurrency ${concurrency})`, `${fmt(objects / rawSecs, 0)} /s`]);

    // 2. HTTPS creates through the API server
    await call(api, agent, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const lat: number[] = [];
    const apiSecs = await inParallel(objects, concurrency, async (i) => {
      const s = performance.now();
      const code = await call(api, agent, 'POST', '/apis/okube.dev/v1alpha1/namespaces/bench/tasks', task('bench', `t${i}`));
      if (code !== 201) throw new Error(`create t${i}: HTTP ${code}`);
      lat.push(performance.now() - s);
    });
    const apiRate = objects / apiSecs;
    rows.push([`API server HTTPS POST create (${objects}, concurrency ${concurrency})`, `${fmt(apiRate, 0)} /s`]);
    rows.push(['  create latency p50 / p99', `${fmt(pct(lat, 50))} / ${fmt(pct(lat, 99))} ms`]);
    rows.push(['  API creates/s ÷ Store creates/s', `${fmt((apiRate * rawSecs) / objects, 2)}`]);
    if (rawEtcd !== undefined) rows.push(['  API creates/s ÷ raw etcd puts/s', `${fmt(apiRate / rawEtcd, 2)}`]);

    // 3. watch fan-out: `watchers` watches, `watchEvents` sequential patches, latency from write to each delivery
    const sentAt = new Map<string, number>();
    const delays: number[] = [];
    let delivered = 0;
    const reqs: Array<ReturnType<typeof request>> = [];
    const rev = String(await h.store.currentRevision());
    await Promise.all(Array.from({ length: o.watchers }, () => new Promise<void>((res, rej) => {
      const req = request(new URL(`/apis/okube.dev/v1alpha1/namespaces/bench/tasks?watch=1&resourceVersion=${rev}`, api.url), { ca: api.caPem, headers: { Authorization: `Bearer ${api.token}` } }, (r) => {
        let buf = '';
        r.on('data', (d: Buffer) => {
          buf += d.toString();
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            const ev = JSON.parse(line) as { object: { metadata: { labels?: Record<string, string> } } };
            const mark = ev.object.metadata.labels?.mark;
            const at = mark ? sentAt.get(mark) : undefined;
            if (at !== undefined) {
              delays.push(performance.now() - at);
              delivered++;
            }
          }
        });
        res();
      });
      req.on('error', rej);
      req.end();
      reqs.push(req);
    })));
    const t0 = performance.now();
    for (let i = 0; i < o.watchEvents; i++) {
      const mark = `m${i}`;
      sentAt.set(mark, performance.now());
      await new Promise<number>((res, rej) => {
        const data = JSON.stringify({ metadata: { labels: { mark } } });
        const req = request(new URL(`/apis/okube.dev/v1alpha1/namespaces/bench/tasks/t${i % objects}`, api.url), { method: 'PATCH', agent, ca: api.caPem, headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/merge-patch+json', 'Content-Length': Buffer.byteLength(data) } }, (r) => {
          r.resume();
          r.on('end', () => res(r.statusCode ?? 0));
        });
        req.on('error', rej);
        req.end(data);
      });
    }
    const want = o.watchers * o.watchEvents;
    const deadline = Date.now() + 30_000;
    while (delivered < want && Date.now() < deadline) await sleep(20);
    const fanSecs = (performance.now() - t0) / 1000;
    rows.push([`watch fan-out (${o.watchers} watchers × ${o.watchEvents} patches)`, `${delivered}/${want} events in ${fmt(fanSecs, 2)} s`]);
    rows.push(['  write→watcher latency p50 / p99 / max', `${fmt(pct(delays, 50))} / ${fmt(pct(delays, 99))} / ${fmt(Math.max(...delays))} ms`]);
    rows.push(['  events delivered /s', `${fmt(delivered / fanSecs, 0)} /s`]);
    for (const r of reqs) r.destroy();
    return {
      title: 'API server: creates/s and watch fan-out',
      setup: `Store: ${h.name}; ${objects} creates at concurrency ${concurrency} over HTTPS (keep-alive, bearer token); ${o.watchers} watchers of one namespace, ${o.watchEvents} sequential merge patches.`,
      rows,
      figures: { apiCreatesPerSec: apiRate, storeCreatesPerSec: objects / rawSecs, rawEtcdPutsPerSec: rawEtcd, watchP50Ms: pct(delays, 50), watchP99Ms: pct(delays, 99), eventsPerSec: delivered / fanSecs },
    };
  } finally {
    agent.destroy();
    await api.close();
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() =>
    apiServerBench({
      objects: numberOpt(a, 'objects', 1000),
      concurrency: numberOpt(a, 'concurrency', 16),
      watchers: numberOpt(a, 'watchers', 20),
      watchEvents: numberOpt(a, 'watch-events', 200),
      etcd: a.includes('--etcd'),
    }),
  );
}
