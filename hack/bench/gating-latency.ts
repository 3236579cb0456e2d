// Gating latency (issue 18): from okube writing a Task's Ready condition to HAProxy having the
// server drained or back in rotation, over many flips — beside the floor, a plain HAProxy
// `set server state` through the Runtime API measured in the same run.
//
// okube side: a real `okube up` (API server, controllers, supervised HAProxy) on the main test
// Docker engine; a TaskSet of 3 busybox httpd replicas behind a TaskService; one replica's
// readiness (httpGet on a file, period 1 s) is flipped by removing / recreating the file with
// docker exec. For each flip, three times on one clock in this process:
//   written   — this process's watch delivers the Task with the new Ready status (the write, plus
//               one watch fan-out, which the endpoints controller's own watch also pays);
//   sliced    — this process's watch delivers the EndpointSlice with the new conditions.ready;
//   applied   — HAProxy's admin socket, polled every ~2 ms, shows the server's new state.
// Floor: a second HAProxy under okube's supervisor with one static backend, whose server this
// process sets drain / ready: command round trip, and command → seen by the same poller.
// Usage: npx tsx hack/bench/gating-latency.ts [--flips 100]
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EndpointSlice, Task, TaskService, TaskSet } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { loadKubeConfig } from '../../src/client/kubeconfig.js';
import { ENDPOINTSLICES, ResourceClient, TASKS, TASKSERVICES, TASKSETS } from '../../src/client/resource-client.js';
import { safeName } from '../../src/proxy/plan.js';
import { backendName, renderConfig } from '../../src/proxy/render.js';
import { runtimeApply, runtimeCommand } from '../../src/proxy/runtime-api.js';
import { parseServersState } from '../../src/proxy/runtime-state.js';
import { HaproxySupervisor } from '../../src/proxy/supervisor.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { freePort } from '../../src/util/free-port.js';
import { testEnv, uniqueName } from '../../test/support/env.js';
import { removeContainersOf, startUp } from '../../test/support/okube-cli.js';
import { fmt, isMain, numberOpt, pct, runAsScript, sleep, type BenchResult } from './lib.js';

const HTTPD = 'mkdir -p /w && hostname > /w/index.html && echo ok > /w/ready && exec httpd -f -p 8080 -h /w';

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, everyMs = 2): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Polls one server's admin state until stop(); `seen(state, after)` = first time it was `state` at or after `after`. */
function pollServer(socket: string, backend: string, server: string) {
  const changes: Array<{ at: number; state: string }> = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const state = await runtimeCommand(socket, `show servers state ${backend}`, 1000)
        .then((t) => parseServersState(t).find((s) => s.name === server)?.state ?? 'absent')
        .catch(() => 'unknown');
      if (changes.at(-1)?.state !== state) changes.push({ at: performance.now(), state });
      await sleep(2);
    }
  })();
  return {
    seen: (want: (s: string) => boolean, after: number) => changes.find((c) => c.at >= after && want(c.state))?.at,
    current: () => changes.at(-1)?.state,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

export async function gatingLatencyBench(opts: { flips: number }): Promise<BenchResult> {
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const dataDir = mkdtempSync('/tmp/okb-');
  const ns = uniqueName('bench-gating');
  const rangeStart = 20_000 + Math.floor(Math.random() * 240) * 40;
  const up = await startUp({ dataDir, port: await freePort(), nodeName: uniqueName('bench'), extraArgs: ['--proxy-port-range', `${rangeStart}-${rangeStart + 9}`] });
  const floorDir = mkdtempSync('/tmp/okb-floor-');
  const floor = new HaproxySupervisor({ dir: floorDir, supervise: false });
  const backendHttp = createServer((_, res) => res.end('ok')).listen(0, '127.0.0.1');
  try {
    const kc = loadKubeConfig({ kubeconfig: up.kubeconfig });
    const tasks = new ResourceClient<Task>(kc, TASKS);
    const taskSets = new ResourceClient<TaskSet>(kc, TASKSETS);
    const services = new ResourceClient<TaskService>(kc, TASKSERVICES);
    const slices = new ResourceClient<EndpointSlice>(kc, ENDPOINTSLICES);
    await createNamespace(kc, ns);
    await taskSets.create({
      apiVersion: 'okube.dev/v1alpha1',
      kind: 'TaskSet',
      metadata: { name: 'web', namespace: ns },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            image: env.image,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', HTTPD],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
            terminationGracePeriodSeconds: 2,
          },
        },
      },
    });
    await services.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskService', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 0, targetPort: 'http' }] } });
    await until('3 ready endpoints, routed', async () => {
      const s = await services.get('web', ns);
      return s.status?.readyEndpoints === 3 && s.status.conditions?.some((c) => c.type === 'Routed' && c.status === 'True') ? true : undefined;
    }, 180_000, 200);

    const victim = (await tasks.list({ namespace: ns })).items.find((t) => t.status?.containerID)!;
    const name = victim.metadata.name!;
    // Watches of this process: when it sees the Task's Ready change and the slice's ready change.
    const readyOf = (t: Task) => t.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    const taskSeen: Array<{ at: number; ready: boolean }> = [];
    const sliceSeen: Array<{ at: number; ready: boolean }> = [];
    const taskInformer = new Informer<Task>({ kc, name: 'bench-tasks', path: tasks.collectionPath(ns), list: (o) => tasks.list({ ...o, namespace: ns }), resyncMs: 0 });
    const sliceInformer = new Informer<EndpointSlice>({ kc, name: 'bench-slices', path: slices.collectionPath(ns), list: (o) => slices.list({ ...o, namespace: ns }), resyncMs: 0 });
    taskInformer.events$.subscribe((e) => {
      if (e.object.metadata.name !== name) return;
      const r = readyOf(e.object);
      if (taskSeen.at(-1)?.ready !== r) taskSeen.push({ at: performance.now(), ready: r });
    });
    sliceInformer.events$.subscribe((e) => {
      for (const ep of e.object.endpoints ?? []) {
        if (ep.targetRef?.name !== name) continue;
        const r = ep.conditions?.ready === true;
        if (sliceSeen.at(-1)?.ready !== r) sliceSeen.push({ at: performance.now(), ready: r });
      }
    });
    taskInformer.start();
    sliceInformer.start();
    await Promise.all([taskInformer.waitForSync(), sliceInformer.waitForSync()]);

    const poller = pollServer(join(dataDir, 'haproxy', 'admin.sock'), backendName({ id: safeName(`${ns}.web.http`) }), safeName(name));
    const written: number[] = [];
    const sliced: number[] = [];
    const applied: number[] = [];
    let ready = true;
    for (let i = 0; i < opts.flips; i++) {
      const t0 = performance.now();
      await docker.exec(victim.status!.containerID!, ready ? ['rm', '/w/ready'] : ['sh', '-c', 'echo ok > /w/ready'], 5000);
      ready = !ready;
      const want = ready;
      const w = await until(`flip ${i}: Ready=${want} seen`, () => taskSeen.find((s) => s.at >= t0 && s.ready === want)?.at);
      const s = await until(`flip ${i}: slice ready=${want} seen`, () => sliceSeen.find((x) => x.at >= t0 && x.ready === want)?.at);
      const a = await until(`flip ${i}: HAProxy state`, () => poller.seen((st) => (want ? st === 'ready' : st !== 'ready' && st !== 'unknown'), t0));
      written.push(a - w);
      sliced.push(s - w);
      applied.push(a - s);
    }
    await poller.stop();
    taskInformer.stop();
    sliceInformer.stop();

    // The floor: one HAProxy, one backend, one server; this process flips it through the Runtime API.
    const port = (backendHttp.address() as AddressInfo).port;
    const fe = { id: 'floor', namespace: 'x', service: 'floor', portName: 'http', bindAddress: '127.0.0.1', bindPort: await freePort(), mode: 'http' as const, servers: [{ name: 's', address: '127.0.0.1', port, ready: true }] };
    await floor.start(renderConfig([fe], { dir: floorDir }));
    const floorPoller = pollServer(floor.socketPath, backendName(fe), 's');
    const rtt: number[] = [];
    const seen: number[] = [];
    for (let i = 0; i < opts.flips; i++) {
      const toReady = i % 2 === 1;
      const t0 = performance.now();
      await runtimeApply(floor.socketPath, `set server ${backendName(fe)}/s state ${toReady ? 'ready' : 'drain'}`);
      rtt.push(performance.now() - t0);
      const at = await until('floor state seen', () => floorPoller.seen((st) => (toReady ? st === 'ready' : st === 'drain'), t0));
      seen.push(at - t0);
    }
    await floorPoller.stop();

    const row = (xs: number[]) => `p50 ${fmt(pct(xs, 50))} ms, p99 ${fmt(pct(xs, 99))} ms, max ${fmt(Math.max(...xs))} ms`;
    return {
      title: `Gating latency: readiness written → HAProxy updated (${opts.flips} flips), beside a plain HAProxy server-state change`,
      setup:
        `okube up (API server, controllers, supervised HAProxy 2.6) on ${env.dockerHost}; a TaskSet of 3 busybox httpd replicas behind a TaskService (HTTP mode); ` +
        `one replica's readiness (httpGet, period 1 s) flipped ${opts.flips} times (half to unready, half back) by docker exec. Times on one clock in the benchmark process: ` +
        `its watch seeing the Task's new Ready condition ("written"), its watch seeing the EndpointSlice's new conditions.ready, and HAProxy's admin socket (polled every ~2 ms) showing the server's new state. ` +
        `Floor, same run: a second HAProxy with one static server whose state the benchmark sets (set server … state drain|ready) ${opts.flips} times.`,
      rows: [
        [`okube: Ready written → HAProxy updated (${written.length} flips)`, row(written)],
        ['  of which Ready written → EndpointSlice updated (endpoints controller)', row(sliced)],
        ['  of which EndpointSlice updated → HAProxy updated (data plane)', row(applied)],
        [`floor: plain HAProxy \`set server state\` round trip (${rtt.length})`, row(rtt)],
        ['floor: command sent → state seen by the same poller', row(seen)],
      ],
      notes: ['"written" is when the benchmark\'s own watch delivered the write; the endpoints controller\'s watch gets it at about the same time, so the okube figures leave out one watch fan-out (a few ms, see benchmark 4).'],
    };
  } finally {
    await floor.stop().catch(() => undefined);
    backendHttp.close();
    await up.stop();
    await removeContainersOf([ns]).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(floorDir, { recursive: true, force: true });
  }
}

async function createNamespace(kc: ReturnType<typeof loadKubeConfig>, ns: string): Promise<void> {
  const { CoreV1Api } = await import('@kubernetes/client-node');
  await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
}

if (isMain(import.meta.url)) runAsScript(() => gatingLatencyBench({ flips: numberOpt(process.argv.slice(2), 'flips', 100) }));
