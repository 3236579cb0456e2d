// Slow engine calls and the Task workers, through the real `okube apiserver` + `okube controllers`
// + Docker (hack/bench/stack.ts):
//  a. `delete namespace` with N Tasks whose PID 1 ignores SIGTERM (each stop waits out
//     terminationGracePeriodSeconds): elapsed ÷ grace; reference: `docker stop` of N such
//     containers at once, in the same run.
//  b. a Task created in another namespace once all those Tasks are marked for deletion: time to Running.
//  c. liveness restarts: M Tasks whose /healthz is missing (404 from the first probe); from the
//     first failing probe (status.probes.liveness.time) to the kill (lastState.terminated
//     .finishedAt) and to the restart being visible in status; the app exits on SIGTERM, so
//     the figure is okube's, not the grace period's. Reference: `docker stop` of such a
//     container, and the earliest a verdict can come, periodSeconds × (failureThreshold − 1).
// Usage: npx tsx hack/bench/stops.ts [--tasks 100] [--grace 10] [--liveness-tasks 10]
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Node, type Task } from '../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { isOkubeError } from '../../src/util/errors.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { testEnv } from '../../test/support/env.js';
import { nodeObject } from '../../test/support/tasks.js';
import { fmt, inParallel, isMain, numberOpt, pct, runAsScript, sleep, type BenchResult } from './lib.js';
import { startStack, type Stack } from './stack.js';
import { watchTasks } from './task-watch.js';

export interface StopsBenchOptions {
  tasks: number;
  graceSeconds: number;
  livenessTasks: number;
}

type Figures = Record<string, number>;
const TIMEOUT_MS = 600_000;
const PERIOD_S = 1;
const THRESHOLD = 3;
// sh as PID 1 with a TERM trap: exits at once on SIGTERM (`wait` returns for the trap).
const SICK_APP = 'mkdir -p /www && echo hi > /www/index.html && httpd -f -p 8080 -h /www & trap "exit 143" TERM; wait';

const task = (ns: string, name: string, spec: Task['spec']): Task => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: ns }, spec });

/** `docker stop` of n containers running `sleep 3600` (SIGTERM ignored), all at once: seconds. */
async function dockerStopReference(docker: DockerRuntime, image: string, n: number, grace: number): Promise<number> {
  const label = { 'okube-bench': `stops-${process.pid}` };
  const ids: string[] = [];
  try {
    await inParallel(n, 8, async (i) => {
      const id = await docker.create({ name: `okube-bench-stop-${process.pid}-${i}`, image, command: ['sleep', '3600'], labels: label });
      await docker.start(id);
      ids.push(id);
    });
    const t0 = performance.now();
    // A stop call that gives up (a swamped engine) does not stop the stop: time until all exited.
    await Promise.all(ids.map((id) => docker.stop(id, grace).catch(() => undefined)));
    while ((await docker.list(label)).some((c) => c.running)) await sleep(100);
    return (performance.now() - t0) / 1000;
  } finally {
    const left = await docker.list(label);
    await inParallel(left.length, 8, (i) => docker.remove(left[i].id));
  }
}

async function namespaceDeletion(stack: Stack, image: string, o: StopsBenchOptions): Promise<{ elapsedS: number; lateRunningS: number }> {
  const tasks = new ResourceClient<Task>(stack.kc, TASKS);
  const core = stack.kc.makeApiClient(CoreV1Api);
  const ns = `bench-stops-${process.pid}`;
  const other = `bench-late-${process.pid}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await core.createNamespace({ body: { metadata: { name: other } } });
  const watch = await watchTasks(stack.kc);
  try {
    const running = watch.until((t) => t.metadata.namespace === ns && t.status?.phase === 'Running', o.tasks, TIMEOUT_MS);
    await inParallel(o.tasks, 8, (i) => tasks.create(task(ns, `t${i}`, { image, command: ['sleep', '3600'], terminationGracePeriodSeconds: o.graceSeconds })));
    await running;

    const t0 = performance.now();
    await core.deleteNamespace({ name: ns });
    // b: a Task created once every Task of the namespace is being deleted (so stopped, or queued to be).
    // (Counted as ever seen marked: the first may already be gone when the last is marked.)
    const marked = new Set<string>();
    const sub = watch.informer.events$.subscribe((e) => {
      if (e.object.metadata.namespace === ns && (e.object.metadata.deletionTimestamp || e.type === 'DELETED')) marked.add(e.object.metadata.name!);
    });
    try {
      while (marked.size < o.tasks) {
        for (const t of watch.informer.list()) if (t.metadata.namespace === ns && t.metadata.deletionTimestamp) marked.add(t.metadata.name!);
        if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`only ${marked.size}/${o.tasks} Tasks marked for deletion`);
        await sleep(20);
      }
    } finally {
      sub.unsubscribe();
    }
    const lateRunning = watch.until((t) => t.metadata.namespace === other && t.status?.phase === 'Running', 1, TIMEOUT_MS);
    const t1 = performance.now();
    await tasks.create(task(other, 'late', { image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 0 }));
    await lateRunning;
    const lateRunningS = (performance.now() - t1) / 1000;
    for (;;) {
      try {
        await core.readNamespace({ name: ns });
      } catch {
        break; // gone (404)
      }
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`namespace ${ns} not gone within ${TIMEOUT_MS / 1000} s`);
      await sleep(100);
    }
    const elapsedS = (performance.now() - t0) / 1000;
    await tasks.delete('late', other).catch((err: unknown) => {
      if (!isOkubeError(err, 'NotFound')) throw err;
    });
    return { elapsedS, lateRunningS };
  } finally {
    watch.stop();
  }
}

async function livenessRestarts(stack: Stack, image: string, o: StopsBenchOptions): Promise<{ killS: number[]; visibleS: number[] }> {
  const tasks = new ResourceClient<Task>(stack.kc, TASKS);
  const ns = `bench-liveness-${process.pid}`;
  await stack.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const watch = await watchTasks(stack.kc);
  const seen = new Map<string, number>(); // name → wall time the restart was seen
  const sub = watch.informer.events$.subscribe((e) => {
    const t = e.object;
    if (t.metadata.namespace === ns && (t.status?.restartCount ?? 0) >= 1 && !seen.has(t.metadata.name!)) seen.set(t.metadata.name!, Date.now());
  });
  try {
    const restarted = watch.until((t) => t.metadata.namespace === ns && (t.status?.restartCount ?? 0) >= 1, o.livenessTasks, TIMEOUT_MS);
    await inParallel(o.livenessTasks, 8, (i) =>
      tasks.create(task(ns, `sick${i}`, {
        image,
        command: ['sh', '-c', SICK_APP],
        ports: [{ name: 'http', containerPort: 8080 }],
        // A long backoff keeps each Task at its first restart while the others catch up.
        backoff: { initialDelaySeconds: 300 },
        livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: PERIOD_S, failureThreshold: THRESHOLD },
      })),
    );
    await restarted;
    const killS: number[] = [];
    const visibleS: number[] = [];
    for (const t of (await tasks.list({ namespace: ns })).items) {
      const firstFailure = Date.parse(t.status!.probes!.liveness!.time!);
      killS.push((Date.parse(t.status!.lastState!.terminated!.finishedAt!) - firstFailure) / 1000);
      visibleS.push((seen.get(t.metadata.name!)! - firstFailure) / 1000);
    }
    const list = (await tasks.list({ namespace: ns })).items;
    await inParallel(list.length, 8, (i) => tasks.delete(list[i].metadata.name!, ns));
    return { killS, visibleS };
  } finally {
    sub.unsubscribe();
    watch.stop();
  }
}

export async function stopsBench(o: StopsBenchOptions): Promise<BenchResult & { figures: Figures }> {
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const dockerStopS = await dockerStopReference(docker, env.image, o.tasks, o.graceSeconds);
  const stack = await startStack({ controllers: 'docker', workers: 8 });
  const nodeName = `bench-stops-${process.pid}`;
  try {
    const node = nodeObject(nodeName, env.dockerHost);
    await new ResourceClient<Node>(stack.kc, NODES).create({ ...node, spec: { ...node.spec, maxTasks: Math.max(110, o.tasks + o.livenessTasks + 1) } });
    const del = await namespaceDeletion(stack, env.image, o);
    const live = await livenessRestarts(stack, env.image, o);
    // The engine's own kill of the same app (its floor for the kill part of c).
    const probeId = await docker.create({ name: `okube-bench-sick-${process.pid}`, image: env.image, command: ['sh', '-c', SICK_APP], labels: { 'okube-bench': `stops-${process.pid}` } });
    await docker.start(probeId);
    await sleep(500);
    const s0 = performance.now();
    await docker.stop(probeId, 30);
    const appStopS = (performance.now() - s0) / 1000;
    await docker.remove(probeId);
    const target = PERIOD_S * THRESHOLD + 2;
    return {
      title: `Slow stops: delete namespace with ${o.tasks} Tasks ignoring SIGTERM (grace ${o.graceSeconds} s); liveness restarts of ${o.livenessTasks} Tasks`,
      setup: `\`okube controllers\` (8 workers) + \`okube apiserver\` + etcd as processes, one Node on the main test Docker engine (${env.dockerHost}). a) ${o.tasks} Tasks running \`sleep 3600\` (PID 1 ignores SIGTERM), terminationGracePeriodSeconds ${o.graceSeconds}; \`delete namespace\` until the namespace is gone. b) one Task created in another namespace once all of them are marked for deletion, until Running (seen through a watch). c) ${o.livenessTasks} httpd Tasks without /healthz, liveness httpGet every ${PERIOD_S} s, failureThreshold ${THRESHOLD}; the app exits on SIGTERM.`,
      rows: [
        ['a. delete namespace: elapsed', `${fmt(del.elapsedS, 1)} s = ${fmt(del.elapsedS / o.graceSeconds, 2)}× grace (target ≤ 1.5×)`],
        [`a. reference: docker stop of ${o.tasks} such containers at once`, `${fmt(dockerStopS, 1)} s = ${fmt(dockerStopS / o.graceSeconds, 2)}× grace`],
        ['b. Task created during the deletion: time to Running', `${fmt(del.lateRunningS, 2)} s (target ≤ 5 s)`],
        ['c. first failing probe → container killed, p50 / max', `${fmt(pct(live.killS, 50), 2)} / ${fmt(Math.max(...live.killS), 2)} s (target ≤ ${target} s)`],
        ['c. first failing probe → restart visible in status (watch), p50 / max', `${fmt(pct(live.visibleS, 50), 2)} / ${fmt(Math.max(...live.visibleS), 2)} s`],
        ['c. reference: earliest verdict, period × (threshold − 1)', `${fmt(PERIOD_S * (THRESHOLD - 1), 0)} s`],
        ['c. reference: docker stop of the same app', `${fmt(appStopS, 2)} s`],
      ],
      figures: { deleteS: del.elapsedS, dockerStopS, lateRunningS: del.lateRunningS, killP50: pct(live.killS, 50), killMax: Math.max(...live.killS), visibleP50: pct(live.visibleS, 50), visibleMax: Math.max(...live.visibleS), graceSeconds: o.graceSeconds },
    };
  } finally {
    await stack.stop();
    const left = [...(await docker.list({ [LABELS.node]: nodeName })), ...(await docker.list({ 'okube-bench': `stops-${process.pid}` }))];
    await inParallel(left.length, 8, (i) => docker.remove(left[i].id));
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() => stopsBench({ tasks: numberOpt(a, 'tasks', 100), graceSeconds: numberOpt(a, 'grace', 10), livenessTasks: numberOpt(a, 'liveness-tasks', 10) }));
}
