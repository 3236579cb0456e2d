// Probe cost, two ways in one run:
//  1. Controllers: the real `okube controllers` process (own etcd + API server beside it) on the
//     main test Docker engine, N idle busybox httpd Tasks for a period — first without probes,
//     then with liveness + readiness httpGet every second. The difference in the controllers'
//     CPU is what probing N Tasks costs.
//  2. ProbeManager alone, in this process, against N loopback listeners, next to the CPU of the
//     same number of plain http.get calls: okube's share of a probe against Node's floor.
// Usage: npx tsx hack/bench/probes.ts [--seconds 60] [--tasks 200]
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Node, type Task, type TaskSpec } from '../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { CountingProbeMetrics, ProbeManager } from '../../src/probes/index.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { testEnv } from '../../test/support/env.js';
import { nodeObject } from '../../test/support/tasks.js';
import { fmt, inParallel, isMain, numberOpt, runAsScript, sleep, type BenchResult } from './lib.js';
import { startStack, type Stack } from './stack.js';
import { watchTasks } from './task-watch.js';

export interface ProbesBenchOptions {
  seconds: number;
  tasks: number;
}

type Figures = Record<string, number>;
const HTTPD = 'mkdir -p /srv && echo ok > /srv/healthz && exec httpd -f -p 8080 -h /srv';
const TIMEOUT_MS = 600_000;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Sum of a Prometheus counter's samples whose labels match `labels`. */
function counterSum(text: string, name: string, labels: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** apiserver_request_total differences by verb and resource, largest first. */
function requestCounts(before: string, after: string): string {
  const counts = (text: string) => {
    const m = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line.startsWith('apiserver_request_total{')) continue;
      const verb = /verb="([^"]*)"/.exec(line)?.[1];
      const resource = /resource="([^"]*)"/.exec(line)?.[1];
      const key = `${verb} ${resource}`;
      m.set(key, (m.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    return m;
  };
  const b = counts(before);
  const diff = [...counts(after)].map(([k, v]) => [k, v - (b.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
  return diff.sort((x, y) => y[1] - x[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
}

interface IdleRun {
  controllersCpuS: number;
  apiCpuS: number;
  /** API requests while idle, by verb and resource ("PUT tasks 12, …"). */
  apiRequests: string;
  probes: number;
  failures: number;
  restarts: number;
}

/** N httpd Tasks Running (and Ready), then `seconds` of idling measured; the Tasks are deleted after. */
async function idleRun(stack: Stack, docker: DockerRuntime, image: string, ns: string, o: ProbesBenchOptions, probes: Partial<TaskSpec>): Promise<IdleRun> {
  const tasks = new ResourceClient<Task>(stack.kc, TASKS);
  await stack.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  const watch = await watchTasks(stack.kc);
  try {
    const ready = watch.until((t) => t.metadata.namespace === ns && t.status?.ready === true, o.tasks, TIMEOUT_MS);
    await inParallel(o.tasks, 8, (i) =>
      tasks.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: `t${i}`, namespace: ns }, spec: { image, command: ['sh', '-c', HTTPD], ports: [{ name: 'http', containerPort: 8080 }], terminationGracePeriodSeconds: 0, ...probes } }),
    );
    await ready;
    await sleep(5000); // let the last status writes and Events settle
    const m0 = await stack.metrics();
    const a0 = await stack.apiMetrics();
    const s0 = stack.sample();
    await sleep(o.seconds * 1000);
    const s1 = stack.sample();
    const m1 = await stack.metrics();
    const a1 = await stack.apiMetrics();
    const probesRun = (labels: string) => counterSum(m1, 'okube_probe_results_total', labels) - counterSum(m0, 'okube_probe_results_total', labels);
    const list = (await tasks.list({ namespace: ns })).items;
    const restarts = list.reduce((n, t) => n + (t.status?.restartCount ?? 0), 0);
    await inParallel(list.length, 8, (i) => tasks.delete(list[i].metadata.name!, ns));
    for (let i = 0; i < 3000 && watch.informer.list().some((t) => t.metadata.namespace === ns); i++) await sleep(200);
    for (let i = 0; i < 600 && (await docker.list({ [LABELS.namespace]: ns })).length; i++) await sleep(200);
    return {
      controllersCpuS: s1.controllers.cpuSeconds - s0.controllers.cpuSeconds,
      apiCpuS: s1.api.cpuSeconds - s0.api.cpuSeconds,
      apiRequests: requestCounts(a0, a1),
      probes: probesRun(''),
      failures: probesRun('result="failure"'),
      restarts,
    };
  } finally {
    watch.stop();
  }
}

async function controllersBench(o: ProbesBenchOptions): Promise<BenchResult & { figures: Figures }> {
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const stack = await startStack({ controllers: 'docker', workers: 8 });
  const nodeName = `bench-probes-${process.pid}`;
  try {
    // kubelet's default of 110 Tasks per Node would leave the rest Pending.
    const node = nodeObject(nodeName, env.dockerHost);
    await new ResourceClient<Node>(stack.kc, NODES).create({ ...node, spec: { ...node.spec, maxTasks: Math.max(110, o.tasks) } });
    const probe = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 };
    const plain = await idleRun(stack, docker, env.image, `bench-plain-${process.pid}`, o, {});
    const probed = await idleRun(stack, docker, env.image, `bench-probed-${process.pid}`, o, { livenessProbe: probe, readinessProbe: probe });
    const pctOfCore = (s: number) => `${fmt((s / o.seconds) * 100)}% of one core`;
    const extraS = probed.controllersCpuS - plain.controllersCpuS;
    return {
      title: `Probe CPU: ${o.tasks} probed idle Tasks on Docker, controllers over ${o.seconds} s`,
      setup: `\`okube controllers\` as its own process (8 workers) with its own etcd and \`okube apiserver\`, one Node on the main test Docker engine (${env.dockerHost}). ${o.tasks} Tasks running busybox httpd with a published port, all Ready, then ${o.seconds} s idle measured from /proc/<pid>/stat: first without probes, then (new Tasks) with liveness + readiness httpGet /healthz every second through the published port. Probe counts from the controllers' okube_probe_results_total.`,
      rows: [
        [`controllers CPU, ${o.tasks} Tasks without probes`, `${fmt(plain.controllersCpuS, 2)} s (${pctOfCore(plain.controllersCpuS)})`],
        [`controllers CPU, ${o.tasks} Tasks with liveness + readiness every 1 s`, `${fmt(probed.controllersCpuS, 2)} s (${pctOfCore(probed.controllersCpuS)})`],
        ['probes run / failed while measured', `${probed.probes} (${fmt(probed.probes / o.seconds, 0)}/s) / ${probed.failures}`],
        ['probing cost: CPU difference per probe', `${fmt(extraS, 2)} s, ${fmt((extraS / probed.probes) * 1e6, 0)} µs/probe`],
        ['API server CPU without / with probes', `${fmt(plain.apiCpuS, 2)} s / ${fmt(probed.apiCpuS, 2)} s`],
        ['API requests while measured, without probes', plain.apiRequests],
        ['API requests while measured, with probes', probed.apiRequests],
        ['restarts among the probed Tasks', `${probed.restarts}`],
      ],
      figures: { plainCpuS: plain.controllersCpuS, probedCpuS: probed.controllersCpuS, probes: probed.probes, probeFailures: probed.failures, restarts: probed.restarts },
    };
  } finally {
    await stack.stop();
    const left = await docker.list({ [LABELS.node]: nodeName });
    await inParallel(left.length, 8, (i) => docker.remove(left[i].id));
  }
}

async function probeManagerBench(o: ProbesBenchOptions): Promise<BenchResult & { figures: Figures }> {
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < o.tasks; i++) {
      const s = createServer((_req, res) => res.writeHead(200).end('ok'));
      await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
      servers.push(s);
      ports.push((s.address() as AddressInfo).port);
    }
    const metrics = new CountingProbeMetrics();
    const manager = new ProbeManager(() => undefined, metrics);
    let c0 = cpuMs();
    let t0 = performance.now();
    ports.forEach((port, i) => {
      const task: Task = {
        apiVersion: 'okube.dev/v1alpha1',
        kind: 'Task',
        metadata: { name: `t${i}`, namespace: 'bench' },
        spec: { image: 'x', ports: [{ name: 'http', containerPort: 8080 }], livenessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 }, readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 1 } },
      };
      manager.ensure(`bench/t${i}`, task, `c${i}`, { address: '127.0.0.1', ports: [{ containerPort: 8080, hostPort: port, protocol: 'TCP' }], exec: async () => ({ exitCode: 0, output: '', timedOut: false }) });
    });
    await sleep(o.seconds * 1000);
    manager.stopAll();
    const probeCpuMs = cpuMs() - c0;
    const wallS = (performance.now() - t0) / 1000;
    const probes = [...metrics.counts.values()].reduce((a, b) => a + b, 0);

    // Reference: the same number of plain HTTP GETs, 64 at a time. The listeners run in this
    // process in both measurements, so the ratio compares like with like.
    c0 = cpuMs();
    t0 = performance.now();
    let sent = 0;
    await Promise.all(Array.from({ length: 64 }, async () => {
      while (sent < probes) {
        sent++;
        await new Promise<void>((resolve) => get({ host: '127.0.0.1', port: ports[sent % ports.length], path: '/', agent: false }, (res) => { res.resume(); res.on('end', resolve); }).on('error', () => resolve()));
      }
    }));
    const rawCpuMs = cpuMs() - c0;
    return {
      title: 'Probe CPU: ProbeManager alone vs plain http.get',
      setup: `${o.tasks} Tasks × (liveness + readiness httpGet, period 1 s) for ${fmt(wallS, 0)} s against loopback listeners in the same process.`,
      rows: [
        ['probes run', `${probes} (${fmt(probes / wallS, 0)}/s)`],
        ['CPU, ProbeManager + loopback listeners', `${fmt(probeCpuMs / 1000, 2)} s = ${fmt((probeCpuMs / (wallS * 1000)) * 100)}% of one core, ${fmt((probeCpuMs / probes) * 1000, 0)} µs/probe`],
        ['CPU, same number of plain http.get + listeners', `${fmt(rawCpuMs / 1000, 2)} s, ${fmt((rawCpuMs / probes) * 1000, 0)} µs/request`],
        ['ProbeManager / plain http.get CPU', `${fmt(probeCpuMs / rawCpuMs, 2)}×`],
      ],
      figures: { probes, probeCpuMs, rawCpuMs },
    };
  } finally {
    for (const s of servers) s.close();
  }
}

export async function probesBench(o: ProbesBenchOptions): Promise<Array<BenchResult & { figures: Figures }>> {
  const controllers = await controllersBench(o);
  const alone = await probeManagerBench({ ...o, seconds: Math.min(o.seconds, 20) });
  return [controllers, alone];
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() => probesBench({ seconds: numberOpt(a, 'seconds', 60), tasks: numberOpt(a, 'tasks', 200) }));
}
