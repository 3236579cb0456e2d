// Benchmark of watch fan-out and create throughput through the shipped API server process
// (`node bin/okube.js apiserver`, compiled dist/) on a private etcd, with the watch cache on and
// off (`--no-watch-cache`) in the same run, sides rotated per repetition:
// - API server CPU per delivered event (from /proc) with 10 and with 100 watchers, each watcher
//   receiving every one of `--events` creates;
// - API creates/s over HTTPS (no watchers) next to raw etcd3 puts/s at the same concurrency, and
//   the API server's CPU per create (from /proc), after `--warmup` untimed creates.
// The client is what client-go is: HTTP/1.1 keep-alive over TLS, so each of the `--concurrency`
// connections does one TLS handshake and then carries request after request.
// Every figure is the median of `--reps` repetitions with min–max and the sample count.
// `--only creates` skips the fan-out rows (a creates-only run takes about a minute); `--sides cache`
// (or `nocache`) runs one side only. Each repetition's figures go to stderr as they come.
// `--profile DIR` runs the servers under node --cpu-prof (one .cpuprofile per server process);
// `hack/bench/profile-top.ts FILE --after serveCollection --per N` reads one per create.
//
//   npm run build && npx tsx hack/bench/watch-fanout.ts [--reps 5] [--events 1000] [--watchers 10,100] [--creates 1000] [--warmup 200] [--concurrency 16] [--only creates] [--sides cache|nocache|both] [--profile DIR]
import { spawn, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbeddedEtcd } from '../../src/storage/index.js';
import { freePort } from '../../src/util/free-port.js';
import { staleReason } from '../dist-stamp.mjs';
import { fmt, inParallel, isMain, listOpt, numberOpt, procSample, runAsScript, sleep, type BenchResult } from './lib.js';
import { rawEtcdPutsPerSec } from './store.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

interface Server { proc: ChildProcess; url: string; ca: string; token: string; agent: Agent; stop(): Promise<void> }

async function startServer(endpoints: string[], cache: boolean, profileDir: string | undefined): Promise<Server> {
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-fanout-'));
  const port = await freePort();
  const nodeArgs = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `apiserver-${cache ? 'cache' : 'nocache'}-${Date.now()}.cpuprofile`] : [];
  const args = [...nodeArgs, join(REPO, 'bin/okube.js'), 'apiserver', '--etcd-endpoints', endpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', dir, '--log-level', 'warn', ...(cache ? [] : ['--no-watch-cache'])];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `https://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`okube apiserver exited: ${err}`);
    try {
      const ca = readFileSync(join(dir, 'pki', 'ca.crt'), 'utf8');
      const token = readFileSync(join(dir, 'token'), 'utf8').trim();
      const agent = new Agent({ keepAlive: true, maxSockets: 1024, ca });
      const s: Server = {
        proc,
        url,
        ca,
        token,
        agent,
        async stop() {
          agent.destroy();
          proc.kill('SIGTERM');
          await new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
          rmSync(dir, { recursive: true, force: true });
        },
      };
      if ((await call(s, 'GET', '/readyz')).status === 200) return s;
    } catch {
      // not up yet
    }
    if (i > 600) throw new Error(`okube apiserver did not become ready: ${err}`);
    await sleep(100);
  }
}

function call(s: Server, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(new URL(path, s.url), { method, agent: s.agent, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' } }, (r) => {
      let b = '';
      r.on('data', (d: Buffer) => (b += d.toString()));
      r.on('end', () => res({ status: r.statusCode ?? 0, body: b }));
    });
    req.on('error', rej);
    req.end(data);
  });
}

const task = (name: string) => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name }, spec: { image: 'busybox' } });
const tasksPath = (ns: string) => `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks`;

async function namespace(s: Server, ns: string): Promise<void> {
  const r = await call(s, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  if (r.status !== 201) throw new Error(`namespace ${ns}: ${r.status} ${r.body}`);
}

async function createMany(s: Server, ns: string, n: number, concurrency: number, prefix: string): Promise<number> {
  return inParallel(n, concurrency, async (i) => {
    const r = await call(s, 'POST', tasksPath(ns), task(`${prefix}-${i}`));
    if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
  });
}

/** W watchers from the collection's current revision; resolves with a counter of events per watcher and a closer. */
async function openWatchers(s: Server, ns: string, w: number): Promise<{ counts: number[]; close(): void }> {
  const rv = JSON.parse((await call(s, 'GET', tasksPath(ns))).body).metadata.resourceVersion as string;
  const counts = new Array<number>(w).fill(0);
  const reqs: Array<{ destroy(): void }> = [];
  await Promise.all(
    counts.map(
      (_, i) =>
        new Promise<void>((ok, fail) => {
          const req = request(new URL(`${tasksPath(ns)}?watch=1&resourceVersion=${rv}`, s.url), { agent: s.agent, headers: { Authorization: `Bearer ${s.token}` } }, (res) => {
            res.on('data', (d: Buffer) => {
              for (let j = 0; j < d.length; j++) if (d[j] === 10) counts[i]++;
            });
            ok();
          });
          req.on('error', (e) => (reqs.length ? undefined : fail(e)));
          req.end();
          reqs.push(req);
        }),
    ),
  );
  return { counts, close: () => reqs.forEach((r) => r.destroy()) };
}

/** Server CPU seconds per delivered event for `w` watchers each receiving `events` creates. */
async function fanout(s: Server, ns: string, w: number, events: number, concurrency: number): Promise<number> {
  await namespace(s, ns);
  const ws = await openWatchers(s, ns, w);
  await sleep(200);
  const before = procSample(s.proc.pid!).cpuSeconds;
  await createMany(s, ns, events, concurrency, 'e');
  for (let i = 0; ws.counts.some((c) => c < events); i++) {
    if (i > 1200) throw new Error(`watchers got ${Math.min(...ws.counts)} of ${events} events`);
    await sleep(50);
  }
  const cpu = procSample(s.proc.pid!).cpuSeconds - before;
  ws.close();
  return cpu / (w * events);
}

function summary(xs: number[], scale: number, digits: number): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return `${fmt(med * scale, digits)} (${fmt(s[0] * scale, digits)}–${fmt(s[s.length - 1] * scale, digits)}, n=${s.length})`;
}

export async function watchFanoutBench(args: string[]): Promise<BenchResult> {
  const reason = staleReason(REPO);
  if (reason) throw new Error(`${reason}: run npm run build first`);
  const reps = numberOpt(args, 'reps', 5);
  const events = numberOpt(args, 'events', 1000);
  const creates = numberOpt(args, 'creates', 1000);
  const concurrency = numberOpt(args, 'concurrency', 16);
  const warmup = numberOpt(args, 'warmup', 200);
  const oi = args.indexOf('--only');
  const only = oi >= 0 ? args[oi + 1] : undefined;
  if (only !== undefined && only !== 'creates') throw new Error(`--only ${only}: only "creates" is known`);
  const watcherCounts = only === 'creates' ? [] : listOpt(args, 'watchers', [10, 100]);
  const pi = args.indexOf('--profile');
  const profileDir = pi >= 0 ? resolve(args[pi + 1]) : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-fanout-etcd-'));
  const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false });
  const { endpoints } = await etcd.start();
  const si = args.indexOf('--sides');
  const sidesOpt = si >= 0 ? args[si + 1] : 'both';
  if (!['cache', 'nocache', 'both'].includes(sidesOpt)) throw new Error(`--sides ${sidesOpt}: cache, nocache or both`);
  const sides = sidesOpt === 'cache' ? [true] : sidesOpt === 'nocache' ? [false] : [true, false];
  const perEvent = new Map<string, number[]>();
  const createRates = new Map<string, number[]>();
  const createCpu = new Map<string, number[]>();
  const etcdRates: number[] = [];
  const push = (m: Map<string, number[]>, k: string, v: number) => m.set(k, [...(m.get(k) ?? []), v]);
  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 ? [...sides].reverse() : sides;
      for (const cache of order) {
        const side = cache ? 'watch cache' : 'no cache';
        const s = await startServer(endpoints, cache, profileDir);
        try {
          for (const w of watcherCounts) push(perEvent, `${side}|${w}`, await fanout(s, `fan-${rep}-${cache ? 'c' : 'n'}-${w}`, w, events, concurrency));
          const ns = `cr-${rep}-${cache ? 'c' : 'n'}`;
          await namespace(s, ns);
          if (warmup > 0) await createMany(s, ns, warmup, concurrency, 'w');
          const before = procSample(s.proc.pid!).cpuSeconds;
          push(createRates, side, creates / (await createMany(s, ns, creates, concurrency, 'c')));
          push(createCpu, side, (procSample(s.proc.pid!).cpuSeconds - before) / creates);
          process.stderr.write(`rep ${rep} ${side}: ${fmt(createRates.get(side)!.at(-1)!, 0)} creates/s, ${fmt(createCpu.get(side)!.at(-1)! * 1e6, 0)} µs server CPU per create\n`);
        } finally {
          await s.stop();
        }
      }
      etcdRates.push(await rawEtcdPutsPerSec(endpoints, creates, concurrency, `/bench-raw-${rep}`));
      process.stderr.write(`rep ${rep}: raw etcd3 ${fmt(etcdRates.at(-1)!, 0)} puts/s\n`);
    }
  } finally {
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: Array<[string, string]> = [];
  for (const cache of sides) {
    const side = cache ? 'watch cache' : 'no cache';
    for (const w of watcherCounts) rows.push([`${side}: API server CPU per delivered event, ${w} watchers × ${events} events (µs)`, summary(perEvent.get(`${side}|${w}`)!, 1e6, 1)]);
    if (watcherCounts.length >= 2) {
      const [lo, hi] = [watcherCounts[0], watcherCounts[watcherCounts.length - 1]];
      const ratios = perEvent.get(`${side}|${hi}`)!.map((x, i) => x / perEvent.get(`${side}|${lo}`)![i]);
      rows.push([`${side}: CPU per event, ${hi} vs ${lo} watchers (×)`, summary(ratios, 1, 2)]);
    }
    rows.push([`${side}: API creates/s over HTTPS (concurrency ${concurrency}, no watchers)`, summary(createRates.get(side)!, 1, 0)]);
    rows.push([`${side}: API creates/s ÷ raw etcd3 puts/s (×)`, summary(createRates.get(side)!.map((x, i) => x / etcdRates[i]), 1, 2)]);
    rows.push([`${side}: API server CPU per create (µs, user + sys)`, summary(createCpu.get(side)!, 1e6, 0)]);
  }
  rows.push([`raw etcd3 puts/s (concurrency ${concurrency})`, summary(etcdRates, 1, 0)]);
  return {
    title: 'API server watch fan-out and create throughput (shipped process, watch cache on/off)',
    setup: `\`okube apiserver\` (compiled dist/) on a private etcd ${endpoints.join(',')}; ${reps} repetitions, sides rotated; ${watcherCounts.length ? `${events} creates per fan-out run, ` : 'creates only (no fan-out rows), '}${creates} creates for throughput after ${warmup} untimed ones, concurrency ${concurrency} over HTTP/1.1 keep-alive connections (one TLS handshake each).`,
    rows,
  };
}

if (isMain(import.meta.url)) runAsScript(() => watchFanoutBench(process.argv.slice(2)));
