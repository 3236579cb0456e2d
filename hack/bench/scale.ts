// Scale benchmark: N Tasks over M hollow Nodes (an in-process Runtime under the real
// controllers), against the real API server and etcd. Three processes are measured apart:
// etcd, the API server (`okube apiserver`, a child), the controllers (hack/bench/hollow-controllers.ts,
// a child). This process only creates objects and watches, like a user with kubectl.
// Usage: npx tsx hack/bench/scale.ts [--tasks 10000] [--nodes 100] [--concurrency 16] [--workers 8] [--idle-seconds 10]
import { CoreV1Api } from '@kubernetes/client-node';
import type { Node, Task } from '../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { fmt, inParallel, isMain, mib, numberOpt, runAsScript, sleep, type BenchResult } from './lib.js';
import { hollowDockerHost } from './hollow.js';
import { startStack } from './stack.js';
import { watchTasks } from './task-watch.js';

export interface ScaleBenchOptions {
  tasks: number;
  nodes: number;
  concurrency: number;
  workers: number;
  idleSeconds: number;
  timeoutMs?: number;
}

export async function scaleBench(o: ScaleBenchOptions): Promise<BenchResult & { figures: Record<string, number> }> {
  const timeoutMs = o.timeoutMs ?? 1_800_000;
  const stack = await startStack({ controllers: 'hollow', workers: o.workers });
  try {
    const { kc } = stack;
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
    const before = stack.sample();
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
    const converged = stack.sample();
    const rev1 = await revision();
    await sleep(o.idleSeconds * 1000);
    const idle = stack.sample();
    const rev2 = await revision();
    watch.stop();

    const perNode = new Map<string, number>();
    for (const t of watch.informer.list()) perNode.set(t.spec.nodeName ?? '', (perNode.get(t.spec.nodeName ?? '') ?? 0) + 1);
    const spread = [...perNode.values()];

    const cpu = (k: keyof typeof before) => converged[k].cpuSeconds - before[k].cpuSeconds;
    const idlePct = (k: keyof typeof before) => ((idle[k].cpuSeconds - converged[k].cpuSeconds) / o.idleSeconds) * 100;
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
    await stack.stop();
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
