// Scheduler decisions in-process (no API): N Tasks over M Nodes through the same AllocationCache
// and schedule() the controller uses, each decision assumed before the next, as in a burst of
// creations. Measures the decision cost alone and the spread it produces. With --owners K the
// Tasks belong to K controllers (ownerReference controller: true, as a TaskSet's replicas), so the
// spreading score runs too, and the table says how evenly each controller's Tasks spread.
// Usage: npx tsx hack/bench/scheduler.ts [--tasks 10000] [--nodes 100] [--owners 0]
import type { Node, Task } from '../../src/api/types.js';
import { AllocationCache } from '../../src/controllers/scheduler/allocation-cache.js';
import { demandOf, schedule } from '../../src/controllers/scheduler/scheduling.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const tasks = arg('tasks', 10_000);
const nodes = arg('nodes', 100);
const owners = arg('owners', 0);

const nodeObjs: Node[] = Array.from({ length: nodes }, (_, i) => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Node',
  metadata: { name: `n${i}`, labels: { zone: `z${i % 3}` } },
  spec: { dockerHost: `tcp://n${i}.hollow:2375` },
  // Three sizes, so capacity matters.
  status: { allocatable: { cpu: String(8 * (1 + (i % 3))), memory: `${32 * (1 + (i % 3))}Gi`, tasks: 500 }, conditions: [{ type: 'Ready', status: 'True', reason: 'EngineReachable', message: '', lastTransitionTime: '' }] },
}));
const taskObjs: Task[] = Array.from({ length: tasks }, (_, i) => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: `t${i}`, namespace: 'bench', resourceVersion: String(i + 1), ...(owners ? { ownerReferences: [{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: `o${i % owners}`, uid: `uid-o${i % owners}`, controller: true }] } : {}) },
  spec: { image: 'x', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
}));

const cache = new AllocationCache();
const placed = new Map<string, number>();
const perOwner = new Map<string, number>(); // "owner node" → Tasks
const times: number[] = [];
let unschedulable = 0;
const t0 = performance.now();
for (const t of taskObjs) {
  const s = performance.now();
  const decision = schedule(demandOf(t), nodeObjs.map((n) => cache.snapshot(n)));
  if (decision.node) {
    cache.assume(t, decision.node);
    placed.set(decision.node, (placed.get(decision.node) ?? 0) + 1);
    const k = `${t.metadata.ownerReferences?.[0]?.uid} ${decision.node}`;
    perOwner.set(k, (perOwner.get(k) ?? 0) + 1);
  } else unschedulable++;
  times.push(performance.now() - s);
}
const total = (performance.now() - t0) / 1000;
times.sort((a, b) => a - b);
const bySize = [0, 1, 2].map((k) => {
  const counts = nodeObjs.filter((_, i) => i % 3 === k).map((n) => placed.get(n.metadata.name!) ?? 0);
  return `${Math.min(...counts)}–${Math.max(...counts)}`;
});
const rows: Array<[string, string]> = [
  ['decisions', `${tasks} in ${total.toFixed(2)} s (${Math.round(tasks / total)}/s)`],
  ['decision time p50 / p99 / max', `${times[Math.floor(tasks * 0.5)].toFixed(3)} / ${times[Math.floor(tasks * 0.99)].toFixed(3)} / ${times[tasks - 1].toFixed(3)} ms`],
  ['Tasks per Node, by Node size 8 / 16 / 24 CPU (min–max)', bySize.join(' / ')],
  ['unschedulable', String(unschedulable)],
];
if (owners) rows.push([`one controller's Tasks on one Node, max (${tasks / owners} per controller over ${nodes} Nodes: even is ${Math.ceil(tasks / owners / nodes)})`, String(Math.max(...perOwner.values()))]);
process.stdout.write(`### Scheduler decisions: ${tasks} Tasks over ${nodes} Nodes${owners ? `, ${owners} controllers` : ''}\n\n| measure | value |\n|---|---|\n${rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n')}\n`);
