// Where a crash-loop restart's lateness goes (issue 21 item 3), on the main test Docker engine:
// one Task running `sh -c 'sleep 0.3; exit 1'` with a 1 s backoff (as hack/bench/tasks.ts), the
// controllers in-process, and per restart the time from status.backoff.nextRestartAt (the promise)
// to each step on the way to the container's start:
//   timer     — the work queue's delayed add fired (setTimeout slack, and a busy event loop);
//   queue     — a Task worker took the key;
//   reconcile — runtime.start was called (what the reconcile does first: Docker list + inspects,
//               image check, config, plan), with the Docker list/image calls it made summed apart;
//   start     — Docker's State.StartedAt of the container (the engine's share of `start`).
// Profiling only: it wraps WorkQueue and DockerRuntime methods in this process to time them.
// Usage: npx tsx hack/bench/restart-profile.ts [--crashes 30]
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../src/api/types.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { WorkQueue } from '../../src/controllers/workqueue.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { startCluster } from '../../test/support/cluster.js';
import { testEnv, uniqueName } from '../../test/support/env.js';
import { nodeObject, taskObject } from '../../test/support/tasks.js';
import { fmt, isMain, numberOpt, pct, runAsScript, sleep, type BenchResult } from './lib.js';
import { watchTasks } from './task-watch.js';

interface Marks {
  adds: number[];
  picks: number[];
  dockerMs: Array<{ at: number; ms: number }>;
  starts: Map<string, number>;
  /** Read right after each start: the Task keeps two containers, so older ones are gone by the end. */
  started: Map<string, { labels: Record<string, string>; startedAt?: string }>;
}

/** Wraps the queue and the runtime so that the target key's adds/picks and Docker calls are timed. */
function instrument(target: () => string | undefined): Marks {
  const marks: Marks = { adds: [], picks: [], dockerMs: [], starts: new Map(), started: new Map() };
  const wq = WorkQueue.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const add = wq.add;
  wq.add = function (this: unknown, key: unknown) {
    if (key === target()) marks.adds.push(Date.now());
    return add.call(this, key);
  };
  const handOut = wq.handOut;
  wq.handOut = function (this: unknown, key: unknown, to: unknown) {
    if (key === target()) marks.picks.push(Date.now());
    return handOut.call(this, key, to);
  };
  const rt = DockerRuntime.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of ['list', 'imagePresent', 'imageUser']) {
    const orig = rt[name];
    rt[name] = async function (this: unknown, ...args: unknown[]) {
      const t0 = Date.now();
      try {
        return await orig.apply(this, args);
      } finally {
        marks.dockerMs.push({ at: t0, ms: Date.now() - t0 });
      }
    };
  }
  const start = rt.start;
  const inspect = rt.inspect;
  rt.start = async function (this: unknown, id: unknown) {
    marks.starts.set(id as string, Date.now());
    const r = await start.call(this, id);
    const c = (await inspect.call(this, id)) as { labels: Record<string, string>; startedAt?: string } | undefined;
    if (c) marks.started.set(id as string, { labels: c.labels, startedAt: c.startedAt });
    return r;
  };
  return marks;
}

export async function restartProfile(o: { crashes: number }): Promise<BenchResult & { figures: Record<string, number> }> {
  const env = testEnv();
  let key: string | undefined;
  const marks = instrument(() => key);
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const cluster = await startCluster();
  const manager = new ControllerManager({ kc: cluster.kc, nodePeriodMs: 2000 });
  const nodeName = uniqueName('bench');
  await manager.nodes.create(nodeObject(nodeName, env.dockerHost));
  await manager.start();
  const rows = { timer: [] as number[], queue: [] as number[], reconcile: [] as number[], dockerReads: [] as number[], start: [] as number[], total: [] as number[] };
  try {
    for (let i = 0; i < 600 && !manager.registry.get(nodeName)?.ready; i++) await sleep(50);
    const ns = uniqueName('bench');
    await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    key = `${ns}/crasher`;
    const watch = await watchTasks(cluster.kc);
    // nextRestartAt promised after each exit, by the exited container's id.
    const promises = new Map<string, number>();
    const sub = watch.informer.events$.subscribe((e) => {
      const t = e.object as Task;
      const term = t.status?.lastState?.terminated;
      if (t.metadata.namespace === ns && term?.containerID && t.status?.backoff?.nextRestartAt && !promises.has(term.containerID)) promises.set(term.containerID, Date.parse(t.status.backoff.nextRestartAt));
    });
    try {
      await manager.tasks.create(taskObject(ns, 'crasher', { nodeName, image: env.image, command: ['sh', '-c', 'sleep 0.3; exit 1'], terminationGracePeriodSeconds: 0, backoff: { initialDelaySeconds: 1, factor: 1 } }));
      for (let i = 0; i < 3000 && promises.size < o.crashes + 1; i++) await sleep(100);
      await manager.tasks.delete('crasher', ns);
    } finally {
      sub.unsubscribe();
      watch.stop();
    }
    // Restart n+1 is the container whose restart label is n+1; its promise came with container n's exit.
    const byRestart = new Map<number, { id: string; startedAt?: string }>();
    for (const [id, c] of marks.started) {
      if (c.labels[LABELS.namespace] === ns) byRestart.set(Number(c.labels[LABELS.restart]), { id, startedAt: c.startedAt });
    }
    const idOf = new Map([...byRestart].map(([n, c]) => [n, c.id]));
    for (const [n, c] of byRestart) {
      const prev = idOf.get(n - 1);
      const due = prev ? promises.get(prev) : undefined;
      const called = marks.starts.get(c.id);
      if (due === undefined || called === undefined || !c.startedAt) continue;
      const fired = marks.adds.find((t) => t >= due - 2);
      const picked = fired === undefined ? undefined : marks.picks.find((t) => t >= fired);
      if (fired === undefined || picked === undefined || picked > called) continue;
      rows.timer.push(fired - due);
      rows.queue.push(picked - fired);
      rows.reconcile.push(called - picked);
      rows.dockerReads.push(marks.dockerMs.filter((d) => d.at >= picked && d.at < called).reduce((a, d) => a + d.ms, 0));
      rows.start.push(Date.parse(c.startedAt) - called);
      rows.total.push(Date.parse(c.startedAt) - due);
    }
  } finally {
    await manager.stop();
    for (const c of await docker.list({ [LABELS.node]: nodeName })) await docker.remove(c.id);
    await cluster.stop();
  }
  const row = (label: string, xs: number[]): [string, string] => [label, `${fmt(pct(xs, 50), 0)} ms / ${fmt(pct(xs, 99), 0)} ms`];
  return {
    title: 'Where a crash-loop restart is late (p50 / p99 per step)',
    setup: `One Task \`sh -c 'sleep 0.3; exit 1'\`, backoff 1 s, factor 1, controllers in-process on ${env.dockerHost}; ${rows.total.length} restarts measured. Each step is timed from the previous one; the Docker reads are part of "reconcile".`,
    rows: [
      row('timer: nextRestartAt → delayed requeue fired', rows.timer),
      row('queue: fired → a worker took the Task', rows.queue),
      row('reconcile: taken → runtime.start called', rows.reconcile),
      row('  of which Docker list/inspect/image calls', rows.dockerReads),
      row("start: runtime.start called → Docker's StartedAt", rows.start),
      row('total: nextRestartAt → StartedAt', rows.total),
    ],
    figures: { restarts: rows.total.length, totalP50: pct(rows.total, 50), totalP99: pct(rows.total, 99), startP50: pct(rows.start, 50), reconcileP50: pct(rows.reconcile, 50), timerP50: pct(rows.timer, 50) },
  };
}

if (isMain(import.meta.url)) {
  runAsScript(() => restartProfile({ crashes: numberOpt(process.argv.slice(2), 'crashes', 30) }));
}
