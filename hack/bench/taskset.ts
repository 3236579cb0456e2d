// TaskSet benchmark (needs root and `bash hack/dev-env.sh up`): on a Docker engine of its own
// (hack/bench/dockerd.ts), N containers from one command to all started, three ways, in one run:
//  a. a TaskSet of N replicas, `kubectl apply` of one manifest (skipped, and said so, when the
//     API server does not serve okube.dev/v1alpha1 TaskSet);
//  b. N single Tasks, `kubectl apply` of one file holding all N;
//  c. a Docker Swarm service, `docker service create --replicas N` on a swarm initialised on that
//     engine for the row and left afterwards.
// Every side is timed the same way: from just before the command until the engine's event
// stream (`docker events`, event `start`, the engine's own timestamps) has shown N containers of
// that side started. Each side also reports its own "all up" view: okube's Tasks Ready through a
// watch (and the TaskSet's status.readyReplicas), Swarm's `docker service ps` Running count.
// The sides take turns (order rotated per repetition); median and min–max over the repetitions.
// okube runs as processes (etcd, `okube apiserver`, `okube controllers` with 8 workers).
//
// Usage: npx tsx hack/bench/taskset.ts [--replicas 100] [--reps 3] [--no-swarm]
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { API_VERSION, GROUP, LABELS, VERSION, type Task, type TaskSpec } from '../../src/api/types.js';
import { ResourceClient, NODES } from '../../src/client/resource-client.js';
import { testEnv, uniqueName } from '../../test/support/env.js';
import { nodeObject } from '../../test/support/tasks.js';
import { startBenchEngine, type BenchEngine } from './dockerd.js';
import { fmt, isMain, median, numberOpt, runAsScript, sleep, type BenchResult } from './lib.js';
import { startStack, type Stack } from './stack.js';
import { watchTasks, type TaskWatch } from './task-watch.js';

const run = promisify(execFile);
const TIMEOUT_MS = 600_000;

export interface TaskSetBenchOptions {
  replicas: number;
  reps: number;
  swarm: boolean;
}

type Side = 'taskset' | 'tasks' | 'swarm';
interface Sample {
  /** Seconds until the engine reported the Nth container of the side started. */
  started: number;
  /** Seconds until the orchestrator's own view said all N are up (Ready / Running). */
  up: number;
  /** Seconds until the command itself (kubectl apply, docker service create) returned. */
  command: number;
}

/** Start events of the engine, as `docker events` prints them (the engine's timestamps). */
class StartEvents {
  private readonly child: ChildProcess;
  private readonly seen: Array<{ atMs: number; labels: Record<string, string> }> = [];
  private waiters: Array<() => void> = [];

  constructor(dockerHost: string) {
    this.child = spawn('docker', ['-H', dockerHost, 'events', '--filter', 'type=container', '--filter', 'event=start', '--format', '{{json .}}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let buf = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const e = JSON.parse(line) as { timeNano: number; Actor?: { Attributes?: Record<string, string> } };
        this.seen.push({ atMs: e.timeNano / 1e6, labels: e.Actor?.Attributes ?? {} });
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }

  /** Seconds from t0Ms (wall clock) to the start of the nth matching container. */
  async nth(match: (labels: Record<string, string>) => boolean, n: number, t0Ms: number, timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hits = this.seen.filter((e) => e.atMs >= t0Ms && match(e.labels));
      if (hits.length >= n) return (hits[n - 1].atMs - t0Ms) / 1000;
      if (Date.now() > until) throw new Error(`only ${hits.length}/${n} containers started within ${timeoutMs / 1000} s`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 1000);
      });
    }
  }

  stop(): void {
    this.child.kill();
  }
}

const summarise = (xs: number[]) => `${fmt(median(xs), 2)} s (min–max ${fmt(Math.min(...xs), 2)}–${fmt(Math.max(...xs), 2)})`;

export async function tasksetBench(o: TaskSetBenchOptions): Promise<BenchResult> {
  const env = testEnv();
  const n = o.replicas;
  const dir = mkdtempSync(join(tmpdir(), 'okube-bench-taskset-'));
  let engine: BenchEngine | undefined;
  let stack: Stack | undefined;
  let events: StartEvents | undefined;
  let watch: TaskWatch | undefined;
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  const cleanup = async () => {
    events?.stop();
    watch?.stop();
    await stack?.stop().catch(() => undefined);
    await engine?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    engine = await startBenchEngine({ sourceDockerHost: env.dockerHost, image: env.image });
    const eng = engine;
    stack = await startStack({ controllers: 'docker', workers: 8 });
    const st = stack;
    const kubectl = async (...args: string[]) => (await run('kubectl', ['--kubeconfig', st.kubeconfigPath, ...args], { env: { ...process.env, KUBECACHEDIR: join(dir, 'kubecache') }, maxBuffer: 16 * 1024 * 1024, timeout: TIMEOUT_MS })).stdout;
    const nodeName = uniqueName('bench-node');
    const node = nodeObject(nodeName, eng.dockerHost);
    node.spec.maxTasks = Math.max(110, n + 10);
    await new ResourceClient(st.kc, NODES).create(node);
    for (let i = 0; i < 240; i++) {
      const got = (await new ResourceClient(st.kc, NODES).get(nodeName)) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      if (got.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) break;
      if (i === 239) throw new Error(`Node ${nodeName} did not turn Ready`);
      await sleep(250);
    }
    const served = (await kubectl('api-resources', `--api-group=${GROUP}`, '-o', 'name')).split('\n').includes(`tasksets.${GROUP}`);
    events = new StartEvents(eng.dockerHost);
    const ev = events;
    watch = await watchTasks(st.kc);
    const w = watch;
    const core = st.kc.makeApiClient(CoreV1Api);
    const custom = st.kc.makeApiClient(CustomObjectsApi);

    const taskSpec: TaskSpec = { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 0 };
    const newNamespace = async () => {
      const ns = uniqueName('bench');
      await core.createNamespace({ body: { metadata: { name: ns } } });
      return ns;
    };
    /** Deletes the namespace and waits until its Tasks and containers are gone. */
    const dropNamespace = async (ns: string) => {
      await core.deleteNamespace({ name: ns });
      for (let i = 0; i < 3000; i++) {
        const left = w.informer.list().some((t) => t.metadata.namespace === ns) || (await eng.docker(['ps', '-aq', '--filter', `label=${LABELS.namespace}=${ns}`])) !== '';
        if (!left) return;
        await sleep(200);
      }
      throw new Error(`namespace ${ns} still had Tasks or containers after 600 s`);
    };
    const allReady = (ns: string) => w.until((t: Task) => t.metadata.namespace === ns && t.status?.ready === true, n, TIMEOUT_MS);
    const okubeSide = async (manifest: object[], readyView?: (ns: string, t0: number) => Promise<number>): Promise<Sample> => {
      const ns = await newNamespace();
      const file = join(dir, `${ns}.yaml`);
      writeFileSync(file, manifest.map((m) => yaml.dump({ ...m, metadata: { ...(m as { metadata: object }).metadata, namespace: ns } })).join('---\n'));
      try {
        const t0 = Date.now();
        const ready = allReady(ns).then(() => (Date.now() - t0) / 1000);
        const started = ev.nth((l) => l[LABELS.namespace] === ns, n, t0, TIMEOUT_MS);
        await kubectl('apply', '-f', file);
        const command = (Date.now() - t0) / 1000;
        const [s, up, own] = await Promise.all([started, ready, readyView?.(ns, t0)]);
        return { started: s, up: own ?? up, command };
      } finally {
        await dropNamespace(ns);
      }
    };
    const tasksSide = () => okubeSide(Array.from({ length: n }, (_, i) => ({ apiVersion: API_VERSION, kind: 'Task', metadata: { name: `t${i}` }, spec: taskSpec })));
    const tasksetSide = () =>
      okubeSide(
        [{ apiVersion: API_VERSION, kind: 'TaskSet', metadata: { name: 'bench' }, spec: { replicas: n, selector: { matchLabels: { app: 'bench' } }, template: { metadata: { labels: { app: 'bench' } }, spec: taskSpec } } }],
        async (ns, t0) => {
          // The TaskSet's own view: status.readyReplicas reaching N.
          for (;;) {
            const ts = (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural: 'tasksets', name: 'bench' })) as { status?: { readyReplicas?: number } };
            if ((ts.status?.readyReplicas ?? 0) >= n) return (Date.now() - t0) / 1000;
            if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`TaskSet readyReplicas ${ts.status?.readyReplicas ?? 0}/${n} after ${TIMEOUT_MS / 1000} s`);
            await sleep(100);
          }
        },
      );
    const swarmSide = async (): Promise<Sample> => {
      if ((await eng.docker(['info', '--format', '{{.Swarm.LocalNodeState}}'])) !== 'inactive') throw new Error('the bench engine is already in a swarm');
      await eng.docker(['swarm', 'init', '--advertise-addr', '127.0.0.1', '--listen-addr', `127.0.0.1:${20000 + (process.pid % 20000)}`]);
      const name = uniqueName('bench-swarm');
      try {
        const t0 = Date.now();
        const started = ev.nth((l) => l['com.docker.swarm.service.name'] === name, n, t0, TIMEOUT_MS);
        await eng.docker(['service', 'create', '--detach', '--quiet', '--name', name, '--replicas', String(n), '--no-resolve-image', '--restart-condition', 'none', env.image, 'sleep', '3600']);
        const command = (Date.now() - t0) / 1000;
        const up = (async () => {
          for (;;) {
            const states = await eng.docker(['service', 'ps', name, '--filter', 'desired-state=running', '--format', '{{.CurrentState}}']);
            if (states.split('\n').filter((s) => s.startsWith('Running')).length >= n) return (Date.now() - t0) / 1000;
            if (Date.now() - t0 > TIMEOUT_MS) throw new Error(`swarm: not all ${n} replicas Running after ${TIMEOUT_MS / 1000} s`);
            await sleep(250);
          }
        })();
        const [s, u] = await Promise.all([started, up]);
        return { started: s, up: u, command };
      } finally {
        await eng.docker(['service', 'rm', name]).catch(() => undefined);
        for (let i = 0; i < 600 && (await eng.docker(['ps', '-aq', '--filter', `label=com.docker.swarm.service.name=${name}`])) !== ''; i++) await sleep(200);
        await eng.docker(['swarm', 'leave', '--force']);
      }
    };

    const sides: Side[] = [...(served ? (['taskset'] as Side[]) : []), 'tasks', ...(o.swarm ? (['swarm'] as Side[]) : [])];
    const results: Record<Side, Sample[]> = { taskset: [], tasks: [], swarm: [] };
    const runSide: Record<Side, () => Promise<Sample>> = { taskset: tasksetSide, tasks: tasksSide, swarm: swarmSide };
    for (let rep = 0; rep < o.reps; rep++) {
      const order = sides.map((_, i) => sides[(i + rep) % sides.length]);
      for (const side of order) {
        process.stderr.write(`taskset bench: repetition ${rep + 1}/${o.reps}, ${side} …\n`);
        const s = await runSide[side]();
        process.stderr.write(`taskset bench:   ${side}: command returned after ${fmt(s.command, 2)} s, ${fmt(s.started, 2)} s to ${n} started, ${fmt(s.up, 2)} s to all up\n`);
        results[side].push(s);
        await sleep(2000); // let the engine settle between rows
      }
    }

    const rows: Array<[string, string]> = [];
    const notes: string[] = [];
    const row = (side: Side, label: string, upLabel: string) => {
      const r = results[side];
      if (!r.length) return;
      rows.push([`${label}: command → ${n} containers started (Docker start events)`, summarise(r.map((x) => x.started))]);
      rows.push([`${label}: command → ${upLabel}`, summarise(r.map((x) => x.up))]);
      rows.push([`${label}: the command itself returned after`, summarise(r.map((x) => x.command))]);
    };
    row('taskset', `TaskSet of ${n} replicas (kubectl apply)`, `status.readyReplicas = ${n}`);
    row('tasks', `${n} single Tasks (kubectl apply of one file)`, `all ${n} Tasks Ready (seen by a watch)`);
    row('swarm', `Swarm service of ${n} replicas (docker service create)`, `${n} Running in docker service ps`);
    const med = (side: Side) => median(results[side].map((x) => x.started));
    if (results.taskset.length && results.tasks.length) rows.push(['TaskSet ÷ single Tasks (median, started)', `${fmt(med('taskset') / med('tasks'), 2)}×`]);
    if (results.taskset.length && results.swarm.length) rows.push(['TaskSet ÷ Swarm (median, started)', `${fmt(med('taskset') / med('swarm'), 2)}×`]);
    if (results.tasks.length && results.swarm.length) rows.push(['single Tasks ÷ Swarm (median, started)', `${fmt(med('tasks') / med('swarm'), 2)}×`]);
    if (!served) notes.push(`TaskSet side not run: the API server does not serve ${API_VERSION} TaskSet (no tasksets.${GROUP} in kubectl api-resources).`);
    if (!o.swarm) notes.push('Swarm side not run (--no-swarm).');
    return {
      title: `TaskSet: ${n} replicas from one command to all started, vs ${n} single Tasks vs a Docker Swarm service`,
      setup: `A dockerd of the benchmark's own (own bridge, no iptables), image ${env.image} running \`sleep 3600\`, ${o.reps} repetitions, the sides taking turns (order rotated each repetition). okube: etcd, \`okube apiserver\` and \`okube controllers\` (8 workers) as processes, one Node on that engine; manifests applied with \`kubectl apply -f\`. Swarm: \`docker swarm init\` on that engine for each row, \`docker service create --replicas ${n} --no-resolve-image\`, then left. Every side is timed from just before its command to the engine's \`start\` event of its ${n}th container (the engine's own timestamps); each side's own "all up" view is the second row.`,
      rows,
      notes,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  runAsScript(() => tasksetBench({ replicas: numberOpt(a, 'replicas', 100), reps: numberOpt(a, 'reps', 3), swarm: !a.includes('--no-swarm') }));
}
