// Scale benchmark: N Tasks over M hollow Nodes (an in-process Runtime under the real
// controllers), against the real API server and etcd. Three processes are measured apart:
// etcd, the API server (`okube apiserver`, a child), the controllers (hack/bench/hollow-controllers.ts,
// a child). This process only creates objects and watches, like a user with kubectl.
// Usage: npx tsx hack/bench/scale.ts [--tasks 10000] [--nodes 100] [--concurrency 16] [--workers 8] [--idle-seconds 10]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Node, Task } from '../../src/api/types.js';
import { loadKubeConfig } from '../../src/client/kubeconfig.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { EmbeddedEtcd } from '../../src/storage/embedded-etcd.js';
import { fmt, inParallel, isMain, mib, numberOpt, procSample, runAsScript, sleep, type BenchResult, type ProcSample } from './lib.js';
import { hollowDockerHost } from './hollow.js';
import { watchTasks } from './task-watch.js';

export interface ScaleBenchOptions {
  tasks: number;
  nodes: number;
  concurrency: number;
  workers: number;
  idleSeconds: number;
  timeoutMs?: number;
}

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

/** Resolves when the child prints a line matching `re` on stdout or stderr. */
function waitForOutput(child: ChildProcess, re: RegExp, what: string, timeoutMs = 120_000): Promise<void> {
  return new Promise((res, rej) => {
    let seen = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start within ${timeoutMs / 1000} s; output: ${seen.slice(-2000)}`)), timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (re.test(seen)) {
        clearTimeout(timer);
        res();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${what} exited with ${code}; output: ${seen.slice(-2000)}`));
    });
  });
}

/** Children log at warn level: pass it on, so a run that goes wrong says why. */
function forwardStderr(child: ChildProcess, name: string): void {
  child.stderr?.on('data', (d: Buffer) => process.stderr.write(d.toString().replace(/^(?=.)/gm, `[${name}] `)));
}

async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

interface Procs { etcd: number; api: number; controllers: number }
type Samples = Record<keyof Procs, ProcSample>;
const sampleAll = (p: Procs): Samples => ({ etcd: procSample(p.etcd), api: procSample(p.api), controllers: procSample(p.controllers) });

export async function scaleBench(o: ScaleBenchOptions): Promise<BenchResult & { figures: Record<string, number> }> {
  const timeoutMs = o.timeoutMs ?? 1_800_000;
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-scale-'));
  const etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false });
  let api: ChildProcess | undefined;
  let controllers: ChildProcess | undefined;
  try {
    const { endpoints } = await etcd.start();
    const port = await freePort();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${randomBytes(24).toString('hex')}\n`, { mode: 0o600 });
    const childEnv = { ...process.env, OKUBE_LOG_LEVEL: 'warn' };
    api = spawn(process.execPath, [join(REPO, 'bin/okube.js'), 'apiserver', '--etcd-endpoints', endpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', join(dir, 'api'), '--token-file', tokenFile], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    forwardStderr(api, 'apiserver');
    await waitForOutput(api, /listening on/, 'okube apiserver');
    const server = `https://127.0.0.1:${port}`;
    const caFile = join(dir, 'api', 'pki', 'ca.crt');
    const kc = loadKubeConfig({ server, tokenFile, certificateAuthority: caFile });

    controllers = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'hack/bench/hollow-controllers.ts')], {
      cwd: REPO,
      env: { ...childEnv, OKUBE_BENCH_SERVER: server, OKUBE_BENCH_TOKEN_FILE: tokenFile, OKUBE_BENCH_CA_FILE: caFile, OKUBE_BENCH_WORKERS: String(o.workers) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    forwardStderr(controllers, 'controllers');
    await waitForOutput(controllers, /^ready$/m, 'hollow controllers');
    const procs: Procs = { etcd: etcd.pid!, api: api.pid!, controllers: controllers.pid! };

    const nodes = new ResourceClient<Node>(kc, NODES);
    const tasks = new ResourceClient<Task>(kc, TASKS);
    await inParallel(o.nodes, 8, (i) => nodes.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: `hollow-${i}` }, spec: { dockerHost: hollowDockerHost(`node-${i}`), address: '127.0.0.1' } }));
    for (let i = 0; ; i++) {
      const ready = (await nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (ready === o.nodes) break;
      if (i > 240) throw new Error(`only ${ready}/${o.nodes} hollow Nodes Ready after 2 min`);
      await sleep(500);
    }
    const ns = 'scale';
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    const watch = await watchTasks(kc);
    // Every etcd write is one revision: the difference counts the writes convergence took.
    const revision = async () => Number((await tasks.list({ namespace: ns, limit: 1 })).metadata?.resourceVersion ?? NaN);
    const rev0 = await revision();
    const before = sampleAll(procs);
    const t0 = performance.now();
    const sinceStart = () => (performance.now() - t0) / 1000;
    const scheduled = watch.until((t) => Boolean(t.spec.nodeName), o.tasks, timeoutMs).then(sinceStart);
    const running = watch.until((t) => t.status?.phase === 'Running', o.tasks, timeoutMs).then(sinceStart);
    // Print progress: a 10,000-Task run on a loaded machine takes minutes.
    const progress = setInterval(() => {
      const l = watch.informer.list();
      process.stderr.write(`scale: ${fmt(sinceStart(), 0)} s: ${l.length} Tasks, ${l.filter((t) => t.spec.nodeName).length} bound, ${l.filter((t) => t.status?.phase === 'Running').length} Running\n`);
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
    const converged = sampleAll(procs);
    const rev1 = await revision();
    await sleep(o.idleSeconds * 1000);
    const idle = sampleAll(procs);
    const rev2 = await revision();
    watch.stop();

    const perNode = new Map<string, number>();
    for (const t of watch.informer.list()) perNode.set(t.spec.nodeName ?? '', (perNode.get(t.spec.nodeName ?? '') ?? 0) + 1);
    const spread = [...perNode.values()];

    const cpu = (k: keyof Procs) => converged[k].cpuSeconds - before[k].cpuSeconds;
    const idlePct = (k: keyof Procs) => ((idle[k].cpuSeconds - converged[k].cpuSeconds) / o.idleSeconds) * 100;
    const rows: Array<[string, string]> = [
      [`create ${o.tasks} Tasks (API, concurrency ${o.concurrency})`, `${fmt(createSecs, 1)} s (${fmt(o.tasks / createSecs, 0)}/s)`],
      ['all bound to a Node (seen by a watch)', `${fmt(scheduledSecs, 1)} s`],
      ['all Running (seen by a watch) — time to converge', `${fmt(runningSecs, 1)} s (${fmt(o.tasks / runningSecs, 0)} Tasks/s)`],
      ['Tasks per Node, min / max', `${Math.min(...spread)} / ${Math.max(...spread)}`],
      ['etcd writes until converged (revisions), per Task', `${rev1 - rev0}, ${fmt((rev1 - rev0) / o.tasks, 1)} (Task, binding, finalizer, status, Events, Node status and Leases)`],
      [`etcd writes while idle (${o.idleSeconds} s)`, `${rev2 - rev1}`],
    ];
    for (const k of ['controllers', 'api', 'etcd'] as const) {
      const name = { controllers: 'controllers', api: 'API server', etcd: 'etcd' }[k];
      rows.push([`${name}: CPU until converged / peak RSS / RSS after`, `${fmt(cpu(k), 1)} s (${fmt((cpu(k) / runningSecs) * 100, 0)}% of a core) / ${mib(idle[k].peakRssBytes)} / ${mib(idle[k].rssBytes)}`]);
    }
    for (const k of ['controllers', 'api', 'etcd'] as const) {
      const name = { controllers: 'controllers', api: 'API server', etcd: 'etcd' }[k];
      rows.push([`${name}: idle CPU over ${o.idleSeconds} s after convergence`, `${fmt(idlePct(k), 1)}% of a core`]);
    }
    return {
      title: `Scale: ${o.tasks} Tasks on ${o.nodes} hollow Nodes`,
      setup: `Real etcd (own child), real API server (\`okube apiserver\` child process), real ControllerManager (${o.workers} Task workers) in a child process whose Runtime for each Node at \`tcp://<name>.hollow:2375\` is an in-process HollowRuntime (src/runtime/hollow-runtime.ts: instant create/start, 16 CPUs / 64 GiB per Node). Tasks request 100m CPU / 64Mi. The bench process creates Nodes and Tasks and watches like a client; CPU from /proc/<pid>/stat (utime+stime), RSS from /proc/<pid>/status (VmRSS, peak VmHWM).`,
      rows,
      figures: {
        createSecs,
        scheduledSecs,
        runningSecs,
        controllersCpu: cpu('controllers'),
        apiCpu: cpu('api'),
        etcdCpu: cpu('etcd'),
        controllersPeakRss: idle.controllers.peakRssBytes,
        apiPeakRss: idle.api.peakRssBytes,
        controllersIdlePct: idlePct('controllers'),
        apiIdlePct: idlePct('api'),
      },
    };
  } finally {
    await stopChild(controllers);
    await stopChild(api);
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() =>
    scaleBench({
      tasks: numberOpt(a, 'tasks', 10_000),
      nodes: numberOpt(a, 'nodes', 100),
      concurrency: numberOpt(a, 'concurrency', 16),
      workers: numberOpt(a, 'workers', 8),
      idleSeconds: numberOpt(a, 'idle-seconds', 10),
    }),
  );
}
