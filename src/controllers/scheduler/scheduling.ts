import type { Node, NodeSpec, Task, TaskSpec } from '../../api/types.js';
import { hostPathViolations } from '../../api/host-paths.js';
import { parseQuantity } from '../../api/quantity.js';
import { avoidedNodes } from '../../api/annotations.js';
import { controllerUidOf, LEAST_ALLOCATED_WEIGHT, SPREAD_WEIGHT, spreadScores } from './spreading.js';

// The scheduling decision, pure: filter the Nodes a Task may run on, score the rest by
// least-allocated (the emptier a Node is relative to what it can give, the better) and, for a
// Task with a controller, by spreading its controller's Tasks (spreading.ts), and explain a Task
// that fits nowhere the way kube-scheduler does ("0/3 nodes are available: …"). Nodes the Task
// asks to avoid (okube.dev/avoid-nodes) are a soft preference: used only when nothing else fits.

/** Millicores and bytes. */
export interface Resources {
  milliCpu: number;
  memory: number;
}

export interface Demand {
  requests: Resources;
  /** Requests with Kubernetes' defaults for what is unset (100m, 200Mi): scoring only, so
   *  Tasks without requests still spread. */
  nonZero: Resources;
  nodeSelector?: Record<string, string>;
  /** Fixed host ports ("TCP/8080"); hostPort 0 is allocated on the Node and never conflicts. */
  hostPorts: string[];
  /** uid of the controlling owner (a TaskSet): spreading counts Tasks sharing it. Unset while terminating. */
  owner?: string;
  /** Nodes to use only when no other Node fits (okube.dev/avoid-nodes). */
  avoid?: string[];
  /** The only Node the Task may use: where its claims' volumes are (volume node affinity). */
  requiredNode?: string;
  /** The spec, when it has hostPath volumes: only Nodes whose allowedHostPaths cover them. */
  hostPathSpec?: TaskSpec;
}

/** What the scheduler knows about one Node at decision time. */
export interface NodeSnapshot {
  name: string;
  ready: boolean;
  unschedulable: boolean;
  labels: Record<string, string>;
  allocatable: Resources & { tasks: number };
  /** Sums over the Tasks bound (or assumed bound) here that still hold resources. */
  requested: Resources & { tasks: number };
  nonZeroRequested: Resources;
  /** Fixed host ports the Node's Tasks already publish. */
  hostPortInUse?(port: string): boolean;
  /** Whether the Node accepts this fixed host port (its portRange, or allowHostPortsOutsideRange). */
  hostPortAllowed?(port: number): boolean;
  /** How many Tasks here (bound or assumed bound, not terminating) have this controller uid. */
  ownerCount?(uid: string): number;
  allowedHostPaths?: NodeSpec['allowedHostPaths'];
}

export const DEFAULT_MILLI_CPU = 100;
export const DEFAULT_MEMORY = 200 * 2 ** 20;
export const DEFAULT_MAX_TASKS = 110;

export const REASONS = {
  notReady: 'node(s) were not ready',
  unschedulable: 'node(s) were unschedulable',
  selector: "node(s) didn't match Task's node selector",
  ports: "node(s) didn't have free ports for the requested task ports",
  portRange: "node(s) didn't allow the requested host ports outside their portRange",
  cpu: 'Insufficient cpu',
  memory: 'Insufficient memory',
  tasks: 'Too many tasks',
  volumeNode: 'node(s) had volume node affinity conflict',
  hostPath: "node(s) didn't allow the Task's hostPath volumes (spec.allowedHostPaths)",
} as const;

export function milliCpu(q: string | number | undefined): number | undefined {
  const v = parseQuantity(q, 'cpu');
  return v === undefined ? undefined : Math.ceil(v * 1000 - 1e-9);
}

export function bytes(q: string | number | undefined): number | undefined {
  const v = parseQuantity(q, 'memory');
  return v === undefined ? undefined : Math.ceil(v);
}

export function demandOf(task: Task): Demand {
  const req = task.spec.resources?.requests ?? {};
  const cpu = milliCpu(req.cpu);
  const memory = bytes(req.memory);
  return {
    requests: { milliCpu: cpu ?? 0, memory: memory ?? 0 },
    nonZero: { milliCpu: cpu || DEFAULT_MILLI_CPU, memory: memory || DEFAULT_MEMORY },
    nodeSelector: task.spec.nodeSelector,
    hostPorts: hostPortsOf(task),
    // A terminating Task no longer counts towards its controller's spread (as kube-scheduler skips terminating Pods).
    owner: task.metadata.deletionTimestamp ? undefined : controllerUidOf(task.metadata),
    avoid: avoidedNodes(task.metadata),
    ...(task.spec.volumes?.some((v) => v.hostPath) ? { hostPathSpec: task.spec } : {}),
  };
}

export function hostPortsOf(task: Task): string[] {
  return (task.spec.ports ?? []).filter((p) => p.hostPort).map((p) => `${p.protocol ?? 'TCP'}/${p.hostPort}`);
}

/** A Task holds its Node's resources until it finishes (or is gone). */
export function holdsResources(task: Task): boolean {
  const phase = task.status?.phase;
  return Boolean(task.spec.nodeName) && phase !== 'Succeeded' && phase !== 'Failed';
}

export function nodeIsReady(node: Node): boolean {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

/** Capacity minus spec.reserved (kubelet's system-reserved), from the Node's status. */
export function allocatableOf(node: Node): Resources & { tasks: number } {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return { milliCpu: milliCpu(a.cpu) ?? 0, memory: bytes(a.memory) ?? 0, tasks: a.tasks ?? DEFAULT_MAX_TASKS };
}

/** Why the Task cannot go to this Node (empty: it fits). Checks stop at the first failing kind, as kube-scheduler's filters do. */
export function unfitReasons(d: Demand, n: NodeSnapshot): string[] {
  if (!n.ready) return [REASONS.notReady];
  if (n.unschedulable) return [REASONS.unschedulable];
  for (const [k, v] of Object.entries(d.nodeSelector ?? {})) if (n.labels[k] !== v) return [REASONS.selector];
  if (d.requiredNode && n.name !== d.requiredNode) return [REASONS.volumeNode];
  if (d.hostPathSpec && hostPathViolations(d.hostPathSpec, { allowedHostPaths: n.allowedHostPaths }, n.name).length) return [REASONS.hostPath];
  if (n.hostPortAllowed && d.hostPorts.some((p) => !n.hostPortAllowed!(Number(p.split('/')[1])))) return [REASONS.portRange];
  if (d.hostPorts.some((p) => n.hostPortInUse?.(p))) return [REASONS.ports];
  const out: string[] = [];
  if (n.requested.tasks + 1 > n.allocatable.tasks) out.push(REASONS.tasks);
  if (d.requests.milliCpu > 0 && n.requested.milliCpu + d.requests.milliCpu > n.allocatable.milliCpu) out.push(REASONS.cpu);
  if (d.requests.memory > 0 && n.requested.memory + d.requests.memory > n.allocatable.memory) out.push(REASONS.memory);
  return out;
}

/** kube-scheduler's LeastAllocated score, 0–100: the mean free fraction of cpu and memory after placing the Task. */
export function leastAllocatedScore(d: Demand, n: NodeSnapshot): number {
  const free = (cap: number, used: number) => (cap <= 0 || used > cap ? 0 : ((cap - used) * 100) / cap);
  return (free(n.allocatable.milliCpu, n.nonZeroRequested.milliCpu + d.nonZero.milliCpu) + free(n.allocatable.memory, n.nonZeroRequested.memory + d.nonZero.memory)) / 2;
}

export interface Decision {
  node?: string;
  /** Set when no Node fits: the Scheduled=False message. */
  message?: string;
  /** Per reason, how many Nodes failed with it. */
  reasons: Record<string, number>;
  /** The chosen Node is one the Task asked to avoid: no other Node fits. */
  avoidedFallback?: boolean;
}

export function unschedulableMessage(total: number, reasons: Record<string, number>): string {
  if (total === 0) return 'no nodes available to schedule tasks';
  const parts = Object.entries(reasons)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([r, n]) => `${n} ${r}`);
  return `0/${total} nodes are available: ${parts.join(', ')}.`;
}

/**
 * The best Node for the Task: among the Nodes that fit and are not avoided (or, if none, all that
 * fit), the highest weighted score, then fewest Tasks, then name (deterministic). The score is
 * LeastAllocated (weight 1) plus, for a Task with a controller, the normalised spread score
 * (weight 2); a Task without one is scored by LeastAllocated alone.
 */
export function schedule(d: Demand, nodes: Iterable<NodeSnapshot>): Decision {
  const reasons: Record<string, number> = {};
  const preferred: NodeSnapshot[] = [];
  const avoided: NodeSnapshot[] = [];
  const avoid = d.avoid?.length ? new Set(d.avoid) : undefined;
  let total = 0;
  for (const n of nodes) {
    total++;
    const why = unfitReasons(d, n);
    if (why.length) {
      for (const r of why) reasons[r] = (reasons[r] ?? 0) + 1;
      continue;
    }
    (avoid?.has(n.name) ? avoided : preferred).push(n);
  }
  const candidates = preferred.length ? preferred : avoided;
  if (!candidates.length) return { message: unschedulableMessage(total, reasons), reasons };
  const spread = d.owner ? spreadScores(candidates.map((n) => n.ownerCount?.(d.owner!) ?? 0)) : undefined;
  let best: { n: NodeSnapshot; score: number } | undefined;
  candidates.forEach((n, i) => {
    const score = LEAST_ALLOCATED_WEIGHT * leastAllocatedScore(d, n) + (spread ? SPREAD_WEIGHT * spread[i] : 0);
    if (!best || score > best.score || (score === best.score && (n.requested.tasks < best.n.requested.tasks || (n.requested.tasks === best.n.requested.tasks && n.name < best.n.name)))) {
      best = { n, score };
    }
  });
  return { node: best!.n.name, reasons, ...(preferred.length ? {} : { avoidedFallback: true }) };
}
