// Scale benchmark: N Tasks over M hollow Nodes, all shipped processes. etcd (own child), the API
// server (`okube apiserver`), the controllers (`okube controllers`) and the hollow Docker engines
// (hack/bench/hollow-engine/server.ts, one unix socket per Node, a process of its own) each run
// apart, so the controllers pay what they pay on real engines: dockerode over HTTP, the events
// streams, per-Node pings, stats and container lists. This process is the client: it creates the
// Nodes and Tasks through the API (concurrency 16, like a parallel `kubectl apply`) and detects
// Running with a watch. Each repeat starts from a fresh stack; figures are median (min–max, n).
// Usage: npx tsx hack/bench/scale.ts [--tasks 10000] [--nodes 100] [--repeats 1] [--concurrency 16]
//          [--workers 8] [--settle-seconds 10] [--idle-seconds 30] [--cpu-prof-dir DIR: profiles of the API server and the controllers] [--timeout-seconds 1800]
import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoreV1Api } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import type { Node, Task } from '../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { fmt, inParallel, median, spread, isMain, numberOpt, procSample, runAsScript, sleep, type BenchResult, type ProcSample } from './lib.js';
import { forwardStderr, startStack, stopChild, waitForOutput } from './stack.js';
import { watchTasks } from './task-watch.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

export interface ScaleBenchOptions {
  tasks: number;
  nodes: number;
  repeats?: number;
  concurrency: number;
  workers: number;
  /** Seconds after convergence before the idle window opens. */
  settleSeconds?: number;
  /** The idle window's length in seconds. */
  idleSeconds: number;
  /** Profile the controllers process (node --cpu-prof) into this directory. */
  cpuProfDir?: string;
  timeoutMs?: number;
}

const PROCS = ['controllers', 'api', 'etcd', 'hollow', 'client'] as const;
type ProcName = (typeof PROCS)[number];
const PROC_TITLE: Record<ProcName, string> = { controllers: 'okube controllers', api: 'okube apiserver', etcd: 'etcd', hollow: 'hollow engines', client: 'bench client (creates, watches)' };

/** One repeat's figures. */
interface Sample {
  createSecs: number;
  scheduledSecs: number;
  /** NaN when the run did not converge within the timeout (then `runningAtTimeout` says how far it got). */
  runningSecs: number;
  runningAtTimeout?: number;
  boundAtTimeout?: number;
  spreadMin: number;
  spreadMax: number;
  writesPerTask: number;
  /** API server write requests until converged, per Task, by "VERB resource[/subresource]" (2xx only). */
  apiWritesPerTask: Record<string, number>;
  idleWrites: number;
  /** The idle window's etcd writes by resource (key prefix), and the controllers' reconciles by controller. */
  idleWritesBy: Record<string, number>;
  idleReconcilesBy: Record<string, number>;
  /** The idle window's requests to the hollow engines, by method and route. */
  idleEngineRequestsBy: Record<string, number>;
  /** From the first create to all Running: reconciles by controller, requests to the hollow engines by route. */
  convergeReconcilesBy: Record<string, number>;
  convergeEngineRequestsBy: Record<string, number>;
  /** Reconciles between convergence and the idle window (the tail: what the last writes set off). */
  settleReconcilesBy: Record<string, number>;
  idleWallSecs: number;
  load: { start: number; converged: number; idle: number };
  cpu: Record<ProcName, number>;
  peakRss: Record<ProcName, number>;
  idlePct: Record<ProcName, number>;
}

/** The requests all hollow engines served so far, by method and route (hollow-engine/server.ts). */
function hollowRequests(dir: string): Promise<Record<string, number>> {
  return new Promise((res, rej) => {
    get({ socketPath: join(dir, 'hollow-0.sock'), path: '/_hollow/requests' }, (r) => {
      let body = '';
      r.on('data', (c: Buffer) => (body += c.toString()));
      r.on('end', () => res(JSON.parse(body) as Record<string, number>));
    }).on('error', rej);
  });
}

/** The hollow engines as a child process: one unix socket per Node under `dir`. */
async function startHollow(dir: string, count: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'hack/bench/hollow-engine/server.ts'), '--dir', dir, '--count', String(count)], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  forwardStderr(child, 'hollow');
  await waitForOutput(child, /^ready \d+$/m, 'hollow engines');
  return child;
}

async function scaleRun(o: ScaleBenchOptions, repeat: number): Promise<Sample> {
  const timeoutMs = o.timeoutMs ?? 1_800_000;
  const dir = mkdtempSync(join(tmpdir(), 'okube-scale-'));
  const hollow = await startHollow(dir, o.nodes);
  const controllersNodeArgs = o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [];
  try {
    const stack = await startStack({ controllers: 'docker', workers: o.workers, controllersNodeArgs, apiNodeArgs: controllersNodeArgs });
    try {
      const { kc } = stack;
      const nodes = new ResourceClient<Node>(kc, NODES);
      const tasks = new ResourceClient<Task>(kc, TASKS);
      await inParallel(o.nodes, 8, (i) => nodes.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: `hollow-${i}` }, spec: { dockerHost: `unix://${join(dir, `hollow-${i}.sock`)}`, address: '127.0.0.1' } }));
      for (let i = 0; ; i++) {
        const ready = (await nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
        if (ready === o.nodes) break;
        if (i > 240) throw new Error(`only ${ready}/${o.nodes} hollow Nodes Ready after 2 min`);
        await sleep(500);
      }
      const ns = 'scale';
      await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
      const watch = await watchTasks(kc);
      const sample = (): Record<ProcName, ProcSample> => ({ ...stack.sample(), hollow: procSample(hollow.pid!), client: procSample(process.pid) });
      // Every etcd write is one revision: the difference counts the writes convergence took.
      const revision = async () => Number((await tasks.list({ namespace: ns, limit: 1 })).metadata?.resourceVersion ?? NaN);
      const rev0 = await revision();
      const writes0 = apiWrites(await stack.apiMetrics());
      const startReconciles = reconcilesBy(await stack.metrics());
      const startEngine = await hollowRequests(dir);
      const before = sample();
      const loadStart = loadavg()[0];
      const t0 = performance.now();
      const sinceStart = () => (performance.now() - t0) / 1000;
      // A run that does not converge in time still reports how far it got, not only an error.
      const scheduled = watch.until((t) => Boolean(t.spec.nodeName), o.tasks, timeoutMs).then(sinceStart, () => NaN);
      const running = watch.until((t) => t.status?.phase === 'Running', o.tasks, timeoutMs).then(sinceStart, () => NaN);
      const progress = setInterval(() => {
        const l = watch.informer.list();
        process.stderr.write(`scale #${repeat + 1}: ${fmt(sinceStart(), 0)} s: ${l.length} Tasks, ${l.filter((t) => t.spec.nodeName).length} bound, ${l.filter((t) => t.status?.phase === 'Running').length} Running (load ${fmt(loadavg()[0], 1)})\n`);
      }, 15_000);
      let createSecs: number, scheduledSecs: number, runningSecs: number;
      try {
        createSecs = await inParallel(o.tasks, o.concurrency, (i) =>
          tasks.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: `t${i}`, namespace: ns }, spec: { image: 'busybox', command: ['sleep', '3600'], resources: { requests: { cpu: '100m', memory: '64Mi' } } } }),
        );
        scheduledSecs = await scheduled;
        runningSecs = await running;
      } finally {
        clearInterval(progress);
      }
      const converged = sample();
      const loadConverged = loadavg()[0];
      const rev1 = await revision();
      const writes1 = apiWrites(await stack.apiMetrics());
      const convergedReconciles = reconcilesBy(await stack.metrics());
      const convergeReconcilesBy = diffCounts(startReconciles, convergedReconciles);
      const convergeEngineRequestsBy = diffCounts(startEngine, await hollowRequests(dir));
      const atEnd = watch.informer.list();
      const timedOut = Number.isNaN(runningSecs);
      // Not converged: no idle window (the controllers are still busy); the figures say so.
      await sleep(timedOut ? 0 : (o.settleSeconds ?? 10) * 1000);
      const idleRev = await revision();
      const reconciles0 = reconcilesBy(await stack.metrics());
      const engine0 = await hollowRequests(dir);
      const idleStart = sample();
      const tIdle = performance.now();
      await sleep(timedOut ? 0 : o.idleSeconds * 1000);
      const idleEnd = sample();
      const idleWallSecs = (performance.now() - tIdle) / 1000;
      const rev2 = await revision();
      const reconciles1 = reconcilesBy(await stack.metrics());
      const engine1 = await hollowRequests(dir);
      const idleEngineRequestsBy = diffCounts(engine0, engine1);
      const idleReconcilesBy = diffCounts(reconciles0, reconciles1);
      const settleReconcilesBy = diffCounts(convergedReconciles, reconciles0);
      const idleWritesBy = await writesByResource(stack.etcdEndpoints, idleRev, rev2).catch((err: unknown) => ({ [`unknown (${String(err)})`]: rev2 - idleRev }));
      watch.stop();

      const perNode = new Map<string, number>();
      for (const t of watch.informer.list()) perNode.set(t.spec.nodeName ?? '', (perNode.get(t.spec.nodeName ?? '') ?? 0) + 1);
      const spread = [...perNode.values()];
      const per = <T>(f: (k: ProcName) => T) => Object.fromEntries(PROCS.map((k) => [k, f(k)])) as Record<ProcName, T>;
      return {
        createSecs,
        scheduledSecs,
        runningSecs,
        ...(timedOut ? { runningAtTimeout: atEnd.filter((t) => t.status?.phase === 'Running').length, boundAtTimeout: atEnd.filter((t) => t.spec.nodeName).length } : {}),
        spreadMin: Math.min(...spread),
        spreadMax: Math.max(...spread),
        writesPerTask: (rev1 - rev0) / o.tasks,
        apiWritesPerTask: Object.fromEntries([...writes1].map(([k, v]) => [k, (v - (writes0.get(k) ?? 0)) / o.tasks]).filter(([, v]) => (v as number) > 0)),
        idleWrites: rev2 - rev1,
        idleWritesBy,
        idleReconcilesBy,
        convergeReconcilesBy,
        settleReconcilesBy,
        convergeEngineRequestsBy,
        idleEngineRequestsBy,
        idleWallSecs,
        load: { start: loadStart, converged: loadConverged, idle: loadavg()[0] },
        cpu: per((k) => converged[k].cpuSeconds - before[k].cpuSeconds),
        peakRss: per((k) => idleEnd[k].peakRssBytes),
        // The window's CPU over its real wall time (a sleep on a loaded machine overruns).
        idlePct: per((k) => (timedOut ? NaN : ((idleEnd[k].cpuSeconds - idleStart[k].cpuSeconds) / idleWallSecs) * 100)),
      };
    } finally {
      await stack.stop();
    }
  } finally {
    await stopChild(hollow);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per key, how much a counter grew between two readings (keys that did not grow left out). */
function diffCounts(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v));
}

/** controller_runtime_reconcile_total summed per controller, from Prometheus text. */
function reconcilesBy(metrics: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of metrics.matchAll(/^controller_runtime_reconcile_total\{controller="([^"]+)",[^}]*\} (\S+)$/gm)) out[m[1]] = (out[m[1]] ?? 0) + Number(m[2]);
  // Not reconciles: the Task events that set off none, being the Task controller's own writes coming back.
  const echoes = /^okube_task_own_write_echoes_total (\S+)$/m.exec(metrics);
  if (echoes) out['task (own-write echoes skipped)'] = Number(echoes[1]);
  return out;
}

/**
 * The etcd writes after revision `from` up to `to`, by resource: the key without its namespace
 * and name (/registry/<group>/<resource>), read back from etcd's history with a watch.
 */
async function writesByResource(endpoints: string[], from: number, to: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  if (to <= from) return out;
  const client = new Etcd3({ hosts: endpoints });
  try {
    const watcher = await client.watch().prefix('').startRevision(String(from + 1)).create();
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('history not read within 20 s')), 20_000);
      watcher.on('error', rej);
      watcher.on('data', (r) => {
        for (const ev of r.events) {
          if (Number(ev.kv.mod_revision) > to) continue;
          const k = ev.kv.key.toString().split('/').slice(0, 4).join('/');
          out[k] = (out[k] ?? 0) + 1;
        }
        if (r.events.some((ev) => Number(ev.kv.mod_revision) >= to)) {
          clearTimeout(timer);
          res();
        }
      });
    });
    await watcher.cancel();
  } finally {
    client.close();
  }
  return out;
}

/** Successful write requests in the API server's apiserver_request_total, by "VERB resource[/subresource]". */
function apiWrites(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY'].includes(labels.verb) || !labels.code?.startsWith('2')) continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** "median (min–max, n=k)", or the one value when n = 1. */
function summary(xs: number[], digits: number, unit = ''): string {
  if (!xs.length) return 'n/a';
  if (xs.length === 1) return `${fmt(xs[0], digits)}${unit}`;
  return spread(xs, digits, unit);
}

const byCount = (r: Record<string, number>) => Object.entries(r).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

export async function scaleBench(o: ScaleBenchOptions): Promise<BenchResult & { figures: Record<string, number> }> {
  const samples: Sample[] = [];
  for (let r = 0; r < (o.repeats ?? 1); r++) {
    samples.push(await scaleRun(o, r));
    process.stderr.write(`scale #${r + 1}: converged in ${fmt(samples[r].runningSecs, 1)} s\n`);
  }
  const col = (f: (s: Sample) => number) => samples.map(f);
  const mib = (b: number) => b / 1024 ** 2;
  const loads = (f: (s: Sample) => number) => samples.map((s) => fmt(f(s), 1)).join(', ');
  const rows: Array<[string, string]> = [
    [`create ${o.tasks} Tasks (API, concurrency ${o.concurrency})`, `${summary(col((s) => s.createSecs), 1, ' s')}`],
    ['all bound to a Node (seen by a watch)', summary(col((s) => s.scheduledSecs), 1, ' s')],
    ['**all Running (seen by a watch) — time to converge**', `${samples.some((s) => s.runningAtTimeout !== undefined) ? `not converged within ${fmt((o.timeoutMs ?? 1_800_000) / 1000, 0)} s in ${samples.filter((s) => s.runningAtTimeout !== undefined).length} of ${samples.length} repeats (then Running: ${samples.map((s) => s.runningAtTimeout ?? o.tasks).join(', ')}; bound: ${samples.map((s) => s.boundAtTimeout ?? o.tasks).join(', ')}); converged repeats: ` : ''}${summary(col((s) => s.runningSecs).filter(Number.isFinite), 1, ' s')}; load average (1 min) at start / at convergence: ${loads((s) => s.load.start)} / ${loads((s) => s.load.converged)}`],
    ['Tasks per Node, min / max', `${Math.min(...col((s) => s.spreadMin))} / ${Math.max(...col((s) => s.spreadMax))}`],
    ['etcd writes until converged per Task (revisions)', summary(col((s) => s.writesPerTask), 1)],
    ['API writes until converged per Task, by request (2xx; first repeat)', Object.entries(samples[0].apiWritesPerTask).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${fmt(v, 2)}`).join(', ')],
    [`etcd writes in the idle window (${o.idleSeconds} s)`, summary(col((s) => s.idleWrites), 0)],
    ['until converged: reconciles by controller, per repeat', samples.map((s) => byCount(s.convergeReconcilesBy)).join(' / ')],
    ['until converged: requests to the hollow engines by route, per repeat', samples.map((s) => byCount(s.convergeEngineRequestsBy)).join(' / ')],
    ['settle (after converged, before the idle window): reconciles by controller, per repeat', samples.map((s) => byCount(s.settleReconcilesBy)).join(' / ')],
    ['idle window: etcd writes by resource, per repeat', samples.map((s) => byCount(s.idleWritesBy)).join(' / ')],
    ['idle window: reconciles by controller, per repeat', samples.map((s) => byCount(s.idleReconcilesBy)).join(' / ')],
    ['idle window: requests to the hollow engines by route, per repeat', samples.map((s) => byCount(s.idleEngineRequestsBy)).join(' / ')],
  ];
  for (const k of PROCS) {
    rows.push([`${PROC_TITLE[k]}: CPU until converged / peak RSS (VmHWM)`, `${summary(col((s) => s.cpu[k]), 1, ' s')} / ${summary(col((s) => mib(s.peakRss[k])), 0, ' MiB')}`]);
  }
  for (const k of PROCS) {
    rows.push([`${PROC_TITLE[k]}: idle CPU, ${o.idleSeconds} s window after ${o.settleSeconds ?? 10} s settle`, `${summary(col((s) => s.idlePct[k]), 2, '%')} of a core; load average in the window: ${loads((s) => s.load.idle)}`]);
  }
  return {
    title: `Scale: ${o.tasks} Tasks on ${o.nodes} hollow Nodes (shipped processes, hollow engines over the Docker API)`,
    setup: `Each repeat starts fresh: etcd (own child), \`okube apiserver\` and \`okube controllers\` (${o.workers} Task workers; compiled dist/) as child processes, and one process of hollow Docker engines (hack/bench/hollow-engine: the Docker API subset DockerRuntime uses, answered over one unix socket per Node, instant create/start, 16 CPUs / 64 GiB per Node). Nodes point at \`unix:///tmp/…/hollow-<i>.sock\`, so the controllers pay dockerode, the events streams, pings, stats and container lists as on real engines. The bench process creates the Nodes and the Tasks (100m CPU / 64Mi, \`sleep 3600\`) through the API at concurrency ${o.concurrency} and detects Running with a watch; time from the first create. CPU = utime+stime from /proc/<pid>/stat; peak RSS = VmHWM from /proc/<pid>/status; idle CPU = the window's CPU / its measured wall time. ${samples.length} repeat(s).`,
    rows,
    figures: {
      createSecs: median(col((s) => s.createSecs)),
      scheduledSecs: median(col((s) => s.scheduledSecs)),
      runningSecs: median(col((s) => s.runningSecs)),
      controllersCpu: median(col((s) => s.cpu.controllers)),
      apiCpu: median(col((s) => s.cpu.api)),
      etcdCpu: median(col((s) => s.cpu.etcd)),
      controllersPeakRss: median(col((s) => s.peakRss.controllers)),
      apiPeakRss: median(col((s) => s.peakRss.api)),
      controllersIdlePct: median(col((s) => s.idlePct.controllers)),
      apiIdlePct: median(col((s) => s.idlePct.api)),
    },
  };
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  const profIdx = a.indexOf('--cpu-prof-dir');
  runAsScript(() =>
    scaleBench({
      tasks: numberOpt(a, 'tasks', 10_000),
      nodes: numberOpt(a, 'nodes', 100),
      repeats: numberOpt(a, 'repeats', 1),
      concurrency: numberOpt(a, 'concurrency', 16),
      workers: numberOpt(a, 'workers', 8),
      settleSeconds: numberOpt(a, 'settle-seconds', 10),
      idleSeconds: numberOpt(a, 'idle-seconds', 30),
      cpuProfDir: profIdx >= 0 ? a[profIdx + 1] : undefined,
      timeoutMs: numberOpt(a, 'timeout-seconds', 1800) * 1000,
    }),
  );
}
