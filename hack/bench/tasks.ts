// Task benchmark (needs `bash hack/dev-env.sh up`): on one real Docker engine, in one run,
//  1. apply → all Running for N Tasks through okube, next to raw Docker create+start of the same
//     N containers at the same parallelism (what `docker run -d` does);
//  2. container exit → status visible through a watch, p50/p99 over many crashes.
// Usage: npx tsx hack/bench/tasks.ts [N=100] [PARALLEL=16] [CRASHES=60]
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../src/api/types.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { startCluster } from '../../test/support/cluster.js';
import { testEnv } from '../../test/support/env.js';
import { nodeObject, taskObject } from '../../test/support/tasks.js';

const N = Number(process.argv[2] ?? 100);
const PARALLEL = Number(process.argv[3] ?? 16);
const CRASHES = Number(process.argv[4] ?? 60);

async function inParallel<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const env = testEnv();
const docker = new DockerRuntime({ dockerHost: env.dockerHost });
const cluster = await startCluster();
const manager = new ControllerManager({ kc: cluster.kc, workers: 16 });
const core = cluster.kc.makeApiClient(CoreV1Api);
await manager.nodes.create(nodeObject('bench', env.dockerHost));
await manager.start();
while (!manager.registry.get('bench')?.ready) await new Promise((r) => setTimeout(r, 50));

try {
  // 1a. raw Docker
  const names = Array.from({ length: N }, (_, i) => `okube-bench-raw-${i}`);
  let t0 = performance.now();
  await inParallel(names, PARALLEL, async (name) => {
    const id = await docker.create({ name, image: env.image, command: ['sleep', '3600'], labels: { 'okube.bench': 'raw' } });
    await docker.start(id);
  });
  const rawMs = performance.now() - t0;
  for (const c of await docker.list({ 'okube.bench': 'raw' })) await docker.remove(c.id);

  // 1b. okube
  await core.createNamespace({ body: { metadata: { name: 'bench' } } });
  t0 = performance.now();
  await inParallel(names.map((_, i) => `t${i}`), PARALLEL, (name) => manager.tasks.create(taskObject('bench', name, { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 0 })));
  const createdMs = performance.now() - t0;
  for (;;) {
    const running = manager.taskInformer.list().filter((t) => t.metadata.namespace === 'bench' && t.status?.phase === 'Running').length;
    if (running === N) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const okubeMs = performance.now() - t0;
  for (const t of (await manager.tasks.list({ namespace: 'bench' })).items) await manager.tasks.delete(t.metadata.name!, 'bench');
  while ((await docker.list({ [LABELS.namespace]: 'bench' })).length) await new Promise((r) => setTimeout(r, 200));

  // 2. exit → status through a watch
  await manager.tasks.create(taskObject('bench', 'crasher', { image: env.image, command: ['sh', '-c', 'sleep 0.2; exit 1'], backoff: { initialDelaySeconds: 0.1, factor: 1 } }));
  const latencies: number[] = [];
  const seen = new Set<string>();
  await new Promise<void>((done) => {
    const sub = manager.taskInformer.events$.subscribe((e) => {
      const t = e.object as Task;
      const term = t.metadata.name === 'crasher' ? t.status?.lastState?.terminated : undefined;
      if (!term?.finishedAt || seen.has(term.finishedAt)) return;
      seen.add(term.finishedAt);
      latencies.push(Date.now() - Date.parse(term.finishedAt));
      if (latencies.length >= CRASHES) {
        sub.unsubscribe();
        done();
      }
    });
  });
  await manager.tasks.delete('crasher', 'bench');

  console.log(`tasks benchmark: ${N} Tasks/containers, ${PARALLEL} in parallel, one Docker engine (${env.dockerHost})`);
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| raw Docker create+start of ${N} containers | ${(rawMs / 1000).toFixed(2)} s (${(N / (rawMs / 1000)).toFixed(1)}/s) |`);
  console.log(`| okube: apply ${N} Tasks → all Running | ${(okubeMs / 1000).toFixed(2)} s (${(N / (okubeMs / 1000)).toFixed(1)}/s; API creates took ${(createdMs / 1000).toFixed(2)} s) |`);
  console.log(`| okube / raw Docker time | ${(okubeMs / rawMs).toFixed(2)}× |`);
  console.log(`| exit → status seen by a watch, p50 / p99 (${latencies.length} crashes) | ${pct(latencies, 50)} ms / ${pct(latencies, 99)} ms |`);
} finally {
  await manager.stop();
  for (const c of await docker.list({ [LABELS.namespace]: 'bench' })) await docker.remove(c.id);
  await cluster.stop();
}
