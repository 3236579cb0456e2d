// Benchmark of the API server: creates/s through HTTPS next to raw Store creates/s, and watch
// fan-out latency (one change → N watchers) — all in one run, on the same Store kind.
//
//   npx tsx hack/bench/apiserver.ts [--objects 1000] [--concurrency 16] [--watchers 20] [--etcd]
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedEtcd, EtcdStore, MemoryStore, type Store } from '../../src/storage/index.js';
import { createApiServer, type ApiServer } from '../../src/apiserver/index.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const OBJECTS = opt('objects', 1000);
const CONCURRENCY = opt('concurrency', 16);
const WATCHERS = opt('watchers', 20);
const WATCH_EVENTS = opt('watch-events', 200);
const USE_ETCD = args.includes('--etcd');

interface StoreHandle { store: Store; name: string; close(): Promise<void> }

async function makeStore(): Promise<StoreHandle> {
  if (USE_ETCD) {
    const dir = mkdtempSync(join(tmpdir(), 'okube-bench-etcd-'));
    const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd') });
    const { endpoints } = await etcd.start();
    const store = new EtcdStore({ endpoints });
    return {
      store,
      name: 'etcd (embedded)',
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

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await fn(next++);
  }));
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

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function main(): Promise<void> {
  const h = await makeStore();
  const dataDir = mkdtempSync(join(tmpdir(), 'okube-bench-api-'));
  const api = await createApiServer({ store: h.store, crdDir: join(REPO, 'crds'), dataDir, listen: { host: '127.0.0.1', port: 0 } });
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: api.caPem });
  const rows: Array<[string, string]> = [];
  try {
    // 1. raw Store creates
    let t0 = performance.now();
    await pool(OBJECTS, CONCURRENCY, (i) => h.store.create(`/bench/raw/${i}`, JSON.stringify(task('raw', `t${i}`))));
    const rawSecs = (performance.now() - t0) / 1000;
    rows.push([`Store.create (${OBJECTS}, concurrency ${CONCURRENCY})`, `${(OBJECTS / rawSecs).toFixed(0)} /s`]);

    // 2. HTTPS creates through the API server
    await call(api, agent, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
    const lat: number[] = [];
    t0 = performance.now();
    await pool(OBJECTS, CONCURRENCY, async (i) => {
      const s = performance.now();
      const code = await call(api, agent, 'POST', '/apis/okube.dev/v1alpha1/namespaces/bench/tasks', task('bench', `t${i}`));
      if (code !== 201) throw new Error(`create t${i}: HTTP ${code}`);
      lat.push(performance.now() - s);
    });
    const apiSecs = (performance.now() - t0) / 1000;
    rows.push([`HTTP POST create (${OBJECTS}, concurrency ${CONCURRENCY})`, `${(OBJECTS / apiSecs).toFixed(0)} /s`]);
    rows.push(['  create latency p50 / p99', `${pct(lat, 50).toFixed(1)} / ${pct(lat, 99).toFixed(1)} ms`]);
    rows.push(['  API overhead vs Store', `${(rawSecs > 0 ? apiSecs / rawSecs : NaN).toFixed(1)}x`]);

    // 3. watch fan-out: WATCHERS watches, WATCH_EVENTS sequential patches, latency from write to each delivery
    const sentAt = new Map<string, number>();
    const delays: number[] = [];
    let delivered = 0;
    const reqs: Array<ReturnType<typeof request>> = [];
    const rev = String(await h.store.currentRevision());
    await Promise.all(Array.from({ length: WATCHERS }, () => new Promise<void>((res, rej) => {
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
    t0 = performance.now();
    for (let i = 0; i < WATCH_EVENTS; i++) {
      const mark = `m${i}`;
      sentAt.set(mark, performance.now());
      await new Promise<number>((res, rej) => {
        const data = JSON.stringify({ metadata: { labels: { mark } } });
        const req = request(new URL(`/apis/okube.dev/v1alpha1/namespaces/bench/tasks/t${i % OBJECTS}`, api.url), { method: 'PATCH', agent, ca: api.caPem, headers: { Authorization: `Bearer ${api.token}`, 'Content-Type': 'application/merge-patch+json', 'Content-Length': Buffer.byteLength(data) } }, (r) => {
          r.resume();
          r.on('end', () => res(r.statusCode ?? 0));
        });
        req.on('error', rej);
        req.end(data);
      });
    }
    const want = WATCHERS * WATCH_EVENTS;
    const deadline = Date.now() + 30_000;
    while (delivered < want && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const fanSecs = (performance.now() - t0) / 1000;
    rows.push([`watch fan-out (${WATCHERS} watchers × ${WATCH_EVENTS} patches)`, `${delivered}/${want} events in ${fanSecs.toFixed(2)} s`]);
    rows.push(['  write→watcher latency p50 / p99 / max', `${pct(delays, 50).toFixed(1)} / ${pct(delays, 99).toFixed(1)} / ${Math.max(...delays).toFixed(1)} ms`]);
    rows.push(['  events delivered /s', `${(delivered / fanSecs).toFixed(0)} /s`]);
    for (const r of reqs) r.destroy();
  } finally {
    agent.destroy();
    await api.close();
    await h.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const w = Math.max(...rows.map((r) => r[0].length));
  process.stdout.write(`okube API server benchmark — store: ${h.name}, node ${process.version}\n`);
  process.stdout.write(`${'-'.repeat(w + 30)}\n`);
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
