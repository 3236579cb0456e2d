// Task benchmark (needs `bash hack/dev-env.sh up`): on the main test Docker engine, in one run,
//  1. apply → all Running for N Tasks through okube, next to raw Docker create+start of the same
//     N containers at the same parallelism (what `docker run -d` does), next to Docker Swarm (a
//     service with N replicas on a swarm initialised for the row and left afterwards);
//  2. container exit → status visible through a watch, p50/p99 over many crashes;
//  3. crash-loop restart time vs the promised status.backoff.nextRestartAt: p50/p99 error, the
//     earliest (negative: early), p99 of |error|, and when okube called start.
//  2 and 3 run on Docker, then on a hollow Node (an in-process Runtime: okube's own share).
// all.ts runs 2 and 3 only: its apply → all Running row is apply-running.ts (the shipped `okube up`
// driven by kubectl, repeated, detected by Docker's start events), which a user would trust over 1.
// Usage: npx tsx hack/bench/tasks.ts [--counts 10,100] [--parallel 8] [--crashes 40] [--loops 1] [--no-swarm]
//   --loops N: N crash loops on Docker (a fresh Task each), their restarts pooled, and each loop's
//   p99 reported as median (min–max, n): one loop's p99 of 39 restarts is its latest restart.
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../src/api/types.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { HollowEngines, HollowRuntime } from '../../src/runtime/hollow-runtime.js';
import type { Runtime } from '../../src/runtime/runtime.js';
import { startLeadMs } from '../../src/controllers/task/plan/start-lead.js';
import { startCluster, type TestCluster } from '../../test/support/cluster.js';
import { testEnv, uniqueName } from '../../test/support/env.js';
import { nodeObject, taskObject } from '../../test/support/tasks.js';
import { fmt, inParallel, isMain, listOpt, median, numberOpt, pct, runAsScript, sleep, type BenchResult } from './lib.js';
import { hollowDockerHost, runtimeForHollow, shellLifetime } from './hollow.js';
import { swarmServiceStartup, withSwarm } from './swarm.js';
import { watchTasks } from './task-watch.js';

export interface TasksBenchOptions {
  counts: number[];
  /** Parallelism of API creates, raw docker create+start, and the Task controller's workers. */
  parallel: number;
  crashes: number;
  /** Crash loops on Docker, each with a fresh Task (default 1). */
  loops?: number;
  swarm: boolean;
  /** The in-process apply → all Running rows (all.ts runs apply-running.ts, the shipped processes, instead). */
  startup?: boolean;
}

interface Rig {
  cluster: TestCluster;
  manager: ControllerManager;
  docker: DockerRuntime;
  nodeName: string;
  image: string;
  dockerHost: string;
}

const TIMEOUT_MS = 600_000;
/** The crash loops' backoff delay. */
const CRASH_DELAY_SECONDS = 1;

async function removeAll(docker: DockerRuntime, labels: Record<string, string>): Promise<void> {
  const list = await docker.list(labels);
  await inParallel(list.length, 8, (i) => docker.remove(list[i].id));
}

async function rawDocker(rig: Rig, n: number, parallel: number): Promise<number> {
  const label = { 'okube.bench': `raw-${process.pid}` };
  try {
    return await inParallel(n, parallel, async (i) => {
      const id = await rig.docker.create({ name: `okube-bench-raw-${process.pid}-${i}`, image: rig.image, command: ['sleep', '3600'], labels: label });
      await rig.docker.start(id);
    });
  } finally {
    await removeAll(rig.docker, label);
  }
}

async function okubeStartup(rig: Rig, n: number, parallel: number): Promise<{ secs: number; createSecs: number }> {
  const ns = uniqueName('bench');
  await rig.cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const watch = await watchTasks(rig.cluster.kc);
  try {
    const t0 = performance.now();
    const running = watch.until((t) => t.metadata.namespace === ns && t.status?.phase === 'Running', n, TIMEOUT_MS);
    const createSecs = await inParallel(n, parallel, (i) => rig.manager.tasks.create(taskObject(ns, `t${i}`, { image: rig.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 0 })));
    await running;
    const secs = (performance.now() - t0) / 1000;
    const tasks = (await rig.manager.tasks.list({ namespace: ns })).items;
    await inParallel(tasks.length, parallel, (i) => rig.manager.tasks.delete(tasks[i].metadata.name!, ns));
    for (let i = 0; i < 3000 && watch.informer.list().some((t) => t.metadata.namespace === ns); i++) await sleep(200);
    for (let i = 0; i < 600 && (await rig.docker.list({ [LABELS.namespace]: ns })).length; i++) await sleep(200);
    return { secs, createSecs };
  } finally {
    watch.stop();
  }
}

/** When each container's start was called (ms since epoch) and the start lead then in force, by container id; both engines' runtimes. */
function startCalls(leadOf: (rt: Runtime) => number): Map<string, StartCall> {
  const calls = new Map<string, StartCall>();
  for (const proto of [DockerRuntime.prototype, HollowRuntime.prototype] as unknown as Array<Record<string, (id: string) => Promise<void>>>) {
    const start = proto.start;
    proto.start = function (this: Runtime, id: string) {
      calls.set(id, { at: Date.now(), lead: leadOf(this) });
      return start.call(this, id);
    };
  }
  return calls;
}

interface StartCall {
  at: number;
  /** The lead the plan had to go by (plan/start-lead.ts), for a pre-created container. */
  lead: number;
}

interface CrashLoop {
  exitToWatch: number[];
  /** The next container's startedAt − the promised nextRestartAt (negative: early). */
  restartError: number[];
  /** okube's start call for that container − the promised nextRestartAt (negative: before it). */
  startCall: number[];
  /** The start lead in force at that call. */
  lead: number[];
  /** The start call − (nextRestartAt − lead): how late okube called start against its own plan. */
  callVsPlan: number[];
  /** The engine's own start time: the container's startedAt − okube's start call. */
  engineStart: number[];
}

/** Several loops' samples as one. */
function pooled(loops: CrashLoop[]): CrashLoop {
  const all = (k: keyof CrashLoop) => loops.flatMap((l) => l[k]);
  return { exitToWatch: all('exitToWatch'), restartError: all('restartError'), startCall: all('startCall'), lead: all('lead'), callVsPlan: all('callVsPlan'), engineStart: all('engineStart') };
}

/** One crash-looping Task: exit→watch latency per crash, and restart time vs the promise. */
async function crashLoop(rig: Rig, crashes: number, nodeName: string, calls: Map<string, StartCall>): Promise<CrashLoop> {
  const ns = uniqueName('bench');
  await rig.cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const watch = await watchTasks(rig.cluster.kc);
  const exitToWatch: number[] = [];
  const restartError: number[] = [];
  const startCall: number[] = [];
  const lead: number[] = [];
  const callVsPlan: number[] = [];
  const engineStart: number[] = [];
  const seenExit = new Set<string>();
  const seenStart = new Set<string>();
  const promisedFor = new Set<string>();
  // The promise made after container X exited: the next container must start at `at`.
  let promise: { after: string; at: string } | undefined;
  try {
    await new Promise<void>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`crash loop: ${exitToWatch.length}/${crashes} crashes seen`)), TIMEOUT_MS);
      const sub = watch.informer.events$.subscribe((e) => {
        const t = e.object as Task;
        if (t.metadata.namespace !== ns || !t.status) return;
        const now = Date.now();
        const s = t.status;
        const term = s.lastState?.terminated ?? s.state?.terminated;
        // A container's start, from whichever state shows it first.
        const started = s.state?.running && s.containerID ? { id: s.containerID, at: s.state.running.startedAt } : term?.containerID && term.startedAt ? { id: term.containerID, at: term.startedAt } : undefined;
        if (started && !seenStart.has(started.id)) {
          seenStart.add(started.id);
          if (promise && promise.after !== started.id) {
            restartError.push(Date.parse(started.at) - Date.parse(promise.at));
            const called = calls.get(started.id);
            if (called !== undefined) {
              startCall.push(called.at - Date.parse(promise.at));
              lead.push(called.lead);
              callVsPlan.push(called.at - (Date.parse(promise.at) - called.lead));
              engineStart.push(Date.parse(started.at) - called.at);
            }
          }
          promise = undefined;
        }
        if (term?.containerID && term.finishedAt && !seenExit.has(term.containerID)) {
          seenExit.add(term.containerID);
          exitToWatch.push(now - Date.parse(term.finishedAt));
        }
        if (term?.containerID && s.backoff?.nextRestartAt && !promisedFor.has(term.containerID)) {
          promisedFor.add(term.containerID);
          promise = { after: term.containerID, at: s.backoff.nextRestartAt };
        }
        if (exitToWatch.length >= crashes) {
          clearTimeout(timer);
          sub.unsubscribe();
          done();
        }
      });
      void rig.manager.tasks
        .create(taskObject(ns, 'crasher', { nodeName, image: rig.image, command: ['sh', '-c', 'sleep 0.3; exit 1'], terminationGracePeriodSeconds: 0, backoff: { initialDelaySeconds: CRASH_DELAY_SECONDS, factor: 1 } }))
        .catch(fail);
    });
    await rig.manager.tasks.delete('crasher', ns);
    return { exitToWatch, restartError, startCall, lead, callVsPlan, engineStart };
  } finally {
    watch.stop();
  }
}

export async function tasksBench(o: TasksBenchOptions): Promise<Array<BenchResult & { figures: Record<string, number> }>> {
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const cluster = await startCluster();
  const engines = new HollowEngines({ lifetime: shellLifetime });
  const manager = new ControllerManager({ kc: cluster.kc, workers: o.parallel, nodePeriodMs: 2000, runtimeFor: runtimeForHollow(engines) });
  const nodeName = uniqueName('bench');
  const hollowNode = `${nodeName}-hollow`;
  const rig: Rig = { cluster, manager, docker, nodeName, image: env.image, dockerHost: env.dockerHost };
  await manager.nodes.create(nodeObject(nodeName, env.dockerHost));
  // Unschedulable: only the Task pinned to it runs there, the startup rows stay on Docker.
  await manager.nodes.create({ ...nodeObject(hollowNode, hollowDockerHost(hollowNode)), spec: { ...nodeObject(hollowNode, hollowDockerHost(hollowNode)).spec, unschedulable: true } });
  await manager.start();
  const figures: Record<string, number> = {};
  // The crash loops' backoff is 1 s: the lead the plan computes for a pre-created container.
  const calls = startCalls((rt) => startLeadMs(manager.taskReconciler.startLatencies.latency(rt), CRASH_DELAY_SECONDS));
  try {
    for (let i = 0; i < 600 && !(manager.registry.get(nodeName)?.ready && manager.registry.get(hollowNode)?.ready); i++) await sleep(50);
    const rows: Array<[string, string]> = [];
    const notes: string[] = [];
    for (const n of o.startup === false ? [] : o.counts) {
      const raw = await rawDocker(rig, n, o.parallel);
      const ok = await okubeStartup(rig, n, o.parallel);
      // A swarm that cannot be had (the engine is already in one) costs its row, not the others.
      const swarm = o.swarm
        ? await withSwarm(env.dockerHost, () => swarmServiceStartup(env.dockerHost, env.image, n, TIMEOUT_MS)).catch((err: unknown) => {
            notes.push(`Swarm row for ${n} skipped: ${(err as Error).message}`);
            return undefined;
          })
        : undefined;
      Object.assign(figures, { [`raw${n}`]: raw, [`okube${n}`]: ok.secs, ...(swarm !== undefined ? { [`swarm${n}`]: swarm } : {}) });
      rows.push([`${n}: raw docker create+start, ${o.parallel} in parallel`, `${fmt(raw, 2)} s (${fmt(n / raw)}/s)`]);
      rows.push([`${n}: okube apply → all Running (seen by a watch)`, `${fmt(ok.secs, 2)} s (${fmt(n / ok.secs)}/s; the API creates took ${fmt(ok.createSecs, 2)} s)`]);
      if (swarm !== undefined) rows.push([`${n}: Docker Swarm service, ${n} replicas → all Running`, `${fmt(swarm, 2)} s (${fmt(n / swarm)}/s)`]);
      rows.push([`${n}: okube ÷ raw docker`, `${fmt(ok.secs / raw, 2)}×`]);
      if (swarm !== undefined) rows.push([`${n}: okube ÷ Swarm`, `${fmt(ok.secs / swarm, 2)}×`]);
    }
    const startup = {
      title: 'apply → all Running: okube vs raw docker vs Docker Swarm',
      setup: `One Docker engine (${env.dockerHost}), image ${env.image} running \`sleep 3600\`. okube: its own etcd + API server, controllers in-process with ${o.parallel} Task workers, Tasks created ${o.parallel} at a time, timed from the first create until a separate watch saw every Task Running. raw: dockerode create+start (what \`docker run -d\` does), ${o.parallel} at a time. Swarm: \`docker swarm init\` on the same engine for that row only, \`docker service create --replicas N --no-resolve-image\`, timed until \`docker service ps\` shows N Running (Swarm's own parallelism).`,
      rows,
      notes,
      figures,
    };

    const loops: CrashLoop[] = [];
    for (let i = 0; i < (o.loops ?? 1); i++) loops.push(await crashLoop(rig, o.crashes, nodeName, calls));
    const crash = pooled(loops);
    const hollow = await crashLoop(rig, o.crashes, hollowNode, calls);
    const ms = (x: number) => `${fmt(x, 0)} ms`;
    const abs = (xs: number[]) => xs.map(Math.abs);
    const crashRows = (where: string, c: CrashLoop): Array<[string, string]> => [
      [`${where}: container exit → status seen by a watch, p50 / p99 (${c.exitToWatch.length} exits)`, `${ms(pct(c.exitToWatch, 50))} / ${ms(pct(c.exitToWatch, 99))}`],
      [`${where}: restart time − promised nextRestartAt, p50 / p99 (${c.restartError.length} restarts)`, `${ms(pct(c.restartError, 50))} / ${ms(pct(c.restartError, 99))}`],
      [`${where}: earliest (negative: early) / latest restart`, `${ms(Math.min(...c.restartError))} / ${ms(Math.max(...c.restartError))}`],
      [`${where}: |restart time − nextRestartAt|, p50 / p99`, `${ms(pct(abs(c.restartError), 50))} / ${ms(pct(abs(c.restartError), 99))}`],
      [`${where}: start call − nextRestartAt, p50 / p99 / earliest (${c.startCall.length} calls)`, `${ms(pct(c.startCall, 50))} / ${ms(pct(c.startCall, 99))} / ${ms(Math.min(...c.startCall))}`],
      [`${where}: start lead in force, p50 / max`, `${ms(pct(c.lead, 50))} / ${ms(Math.max(...c.lead))}`],
      [`${where}: start call − (nextRestartAt − lead), p50 / p99 / earliest`, `${ms(pct(c.callVsPlan, 50))} / ${ms(pct(c.callVsPlan, 99))} / ${ms(Math.min(...c.callVsPlan))}`],
      [`${where}: the engine's start (startedAt − start call), min / p50 / p90 / max`, `${ms(Math.min(...c.engineStart))} / ${ms(pct(c.engineStart, 50))} / ${ms(pct(c.engineStart, 90))} / ${ms(Math.max(...c.engineStart))}`],
    ];
    const perLoop = loops.map((l) => pct(l.restartError, 99));
    const loopRows: Array<[string, string]> = loops.length > 1 ? [[`Docker: each loop's p99 of restart − nextRestartAt, median (min–max, n)`, `${ms(median(perLoop))} (${ms(Math.min(...perLoop))}–${ms(Math.max(...perLoop))}, n=${loops.length})`]] : [];
    const loop = {
      title: 'Exit → status through a watch, and crash-loop restart accuracy',
      setup: `One Task running \`sh -c 'sleep 0.3; exit 1'\` with backoff initialDelaySeconds 1, factor 1, watched by a separate client for ${o.crashes} crashes: first on the Docker engine (${o.loops ?? 1} loop(s), a fresh Task each, pooled), then on a hollow Node (in-process HollowRuntime simulating the same exit), which leaves only okube's own share (timer, reconcile, API writes). Exit latency = when the watch delivered the Task whose lastState.terminated is that container − the runtime's finishedAt. Restart error = the next container's startedAt − the status.backoff.nextRestartAt okube promised (positive: late, negative: early; on Docker it includes the engine's start). Start call = when okube called the runtime's start for that container − nextRestartAt; the start lead (plan/start-lead.ts: the median of the Node's last 16 engine starts, at most 1 s and 90 % of the 1 s delay) is read from the controller at that call.`,
      rows: [...crashRows('Docker', crash), ...loopRows, ...crashRows('hollow Node', hollow)],
      figures: {
        exitP50: pct(crash.exitToWatch, 50),
        exitP99: pct(crash.exitToWatch, 99),
        restartErrP50: pct(crash.restartError, 50),
        restartErrP99: pct(crash.restartError, 99),
        restartErrP99LoopMedian: median(perLoop),
        engineStartP50: pct(crash.engineStart, 50),
        engineStartMax: Math.max(...crash.engineStart),
        restartErrMin: Math.min(...crash.restartError),
        restartAbsErrP99: pct(abs(crash.restartError), 99),
        startCallP50: pct(crash.startCall, 50),
        leadP50: pct(crash.lead, 50),
        callVsPlanP50: pct(crash.callVsPlan, 50),
        callVsPlanP99: pct(crash.callVsPlan, 99),
        hollowExitP50: pct(hollow.exitToWatch, 50),
        hollowExitP99: pct(hollow.exitToWatch, 99),
        hollowRestartErrP50: pct(hollow.restartError, 50),
        hollowRestartErrP99: pct(hollow.restartError, 99),
        hollowRestartAbsErrP99: pct(abs(hollow.restartError), 99),
      },
    };
    return o.startup === false ? [loop] : [startup, loop];
  } finally {
    await manager.stop();
    engines.shutdown();
    await removeAll(docker, { [LABELS.node]: nodeName });
    await cluster.stop();
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() => tasksBench({ counts: listOpt(a, 'counts', [10, 100]), parallel: numberOpt(a, 'parallel', 8), crashes: numberOpt(a, 'crashes', 40), loops: numberOpt(a, 'loops', 1), swarm: !a.includes('--no-swarm') }));
}
