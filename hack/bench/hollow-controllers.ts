// The okube controllers on hollow Nodes, as a process of its own so the scale benchmark can
// measure its CPU and memory apart from the API server's. Every hollow Node (hack/bench/hollow.ts)
// gets an in-process HollowRuntime; the controllers above it are the real ones.
// Started by hack/bench/scale.ts: node --import tsx hack/bench/hollow-controllers.ts
//   env: OKUBE_BENCH_SERVER, OKUBE_BENCH_TOKEN_FILE, OKUBE_BENCH_CA_FILE, OKUBE_BENCH_WORKERS
import { loadKubeConfig } from '../../src/client/kubeconfig.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { HollowEngines } from '../../src/runtime/hollow-runtime.js';
import { runtimeForHollow } from './hollow.js';

const env = (k: string) => {
  const v = process.env[k];
  if (!v) throw new Error(`${k} is not set`);
  return v;
};

const kc = loadKubeConfig({ server: env('OKUBE_BENCH_SERVER'), tokenFile: env('OKUBE_BENCH_TOKEN_FILE'), certificateAuthority: env('OKUBE_BENCH_CA_FILE') });
const engines = new HollowEngines();
const manager = new ControllerManager({
  kc,
  workers: Number(process.env.OKUBE_BENCH_WORKERS ?? 8),
  runtimeFor: runtimeForHollow(engines),
});
await manager.start();
process.stdout.write('ready\n');

const stop = async () => {
  await manager.stop();
  engines.shutdown();
  process.stdout.write(`stopped; hollow containers: ${engines.all().reduce((n, e) => n + e.size, 0)}\n`);
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
