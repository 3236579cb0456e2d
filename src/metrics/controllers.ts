import { Counter, Gauge, Histogram } from 'prom-client';
import type { NodeUsage, TaskStatus } from '../api/types.js';
import type { ControllerMetrics, QueueMetrics, ReconcileOutcome } from './types.js';
import type { ProbeKind, ProbeMetrics, ProbeType } from '../probes/probe-manager.js';
import { metricsRegistry } from './registry.js';

// The controllers' series: client-go's workqueue_* and controller-runtime's
// controller_runtime_reconcile_* under their usual names, plus okube's own Task, probe and Node
// series. Module-level, so several managers in one process share them.

const registers = [metricsRegistry];
const QUEUE_BUCKETS = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 0.001, 0.01, 0.1, 1, 10, 100, 1000];

const queueDepth = new Gauge({ name: 'workqueue_depth', help: 'Current depth of workqueue', labelNames: ['name'], registers });
const queueAdds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', labelNames: ['name'], registers });
const queueLatency = new Histogram({ name: 'workqueue_queue_duration_seconds', help: 'How long in seconds an item stays in workqueue before being requested', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers });
const workDuration = new Histogram({ name: 'workqueue_work_duration_seconds', help: 'How long in seconds processing an item from workqueue takes', labelNames: ['name'], buckets: QUEUE_BUCKETS, registers });
const queueRetries = new Counter({ name: 'workqueue_retries_total', help: 'Total number of retries handled by workqueue', labelNames: ['name'], registers });

/**
 * Metrics for one queue. Depth is kept as this queue's share of the gauge, so queues of the same
 * name in one process (tests start several managers) add up instead of overwriting each other.
 */
export function queueMetrics(name: string): QueueMetrics {
  let last = 0;
  // The series exist from the start (a rate() over them works before the first add or retry).
  queueDepth.inc({ name }, 0);
  queueAdds.inc({ name }, 0);
  queueRetries.inc({ name }, 0);
  return {
    add: () => queueAdds.inc({ name }),
    depth: (n) => {
      queueDepth.inc({ name }, n - last);
      last = n;
    },
    latency: (ms) => queueLatency.observe({ name }, ms / 1000),
    workDuration: (ms) => workDuration.observe({ name }, ms / 1000),
    retry: () => queueRetries.inc({ name }),
  };
}

const reconcileTotal = new Counter({ name: 'controller_runtime_reconcile_total', help: 'Total number of reconciliations per controller', labelNames: ['controller', 'result'], registers });
const reconcileErrors = new Counter({ name: 'controller_runtime_reconcile_errors_total', help: 'Total number of reconciliation errors per controller', labelNames: ['controller'], registers });
const reconcileTime = new Histogram({
  name: 'controller_runtime_reconcile_time_seconds',
  help: 'Length of time per reconciliation per controller',
  labelNames: ['controller'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60],
  registers,
});

export const reconcileMetrics: ControllerMetrics = {
  init(controller: string) {
    // As controller-runtime: every result starts at 0.
    for (const result of ['success', 'error', 'requeue', 'requeue_after'] as const) reconcileTotal.inc({ controller, result }, 0);
    reconcileErrors.inc({ controller }, 0);
  },
  reconciled(controller: string, result: ReconcileOutcome, ms: number) {
    reconcileTotal.inc({ controller, result });
    if (result === 'error') reconcileErrors.inc({ controller });
    reconcileTime.observe({ controller }, ms / 1000);
  },
};

const taskRestarts = new Counter({ name: 'okube_task_restarts_total', help: 'Container restarts okube performed per Task, by the reason of the exit that caused them', labelNames: ['namespace', 'task', 'reason'], registers });
const taskBackoff = new Gauge({ name: 'okube_task_backoff_seconds', help: "Current crash-loop back-off delay per Task (status.backoff.delaySeconds); 0 when it never crashed", labelNames: ['namespace', 'task'], registers });

export interface TaskStatusChange {
  /** Restarts recorded by this status change (restartCount growth). */
  restarts: number;
  /** Reason of the exit that was recorded, e.g. Error, OOMKilled, Unhealthy. */
  reason: string;
  backoffSeconds: number;
}

/** What a status write means for the Task series (pure). */
export function taskStatusChange(before: TaskStatus | undefined, after: TaskStatus): TaskStatusChange {
  return {
    restarts: Math.max(0, (after.restartCount ?? 0) - (before?.restartCount ?? 0)),
    reason: after.lastState?.terminated?.reason ?? 'Unknown',
    backoffSeconds: after.backoff?.delaySeconds ?? 0,
  };
}

function splitKey(key: string): { namespace: string; task: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', task: key } : { namespace: key.slice(0, i), task: key.slice(i + 1) };
}

/** Records a Task status the controller wrote (called after the write succeeded). */
export function recordTaskStatus(key: string, before: TaskStatus | undefined, after: TaskStatus): void {
  const id = splitKey(key);
  const change = taskStatusChange(before, after);
  if (change.restarts > 0) {
    taskRestarts.inc({ ...id, reason: change.reason }, change.restarts);
    restartReasons.set(key, (restartReasons.get(key) ?? new Set()).add(change.reason));
  }
  taskBackoff.set(id, change.backoffSeconds);
}

/** Reasons a Task's restarts were recorded under, so its series can be removed with it. */
const restartReasons = new Map<string, Set<string>>();

/** The Task is gone: its series go with it. */
export function forgetTask(key: string): void {
  const id = splitKey(key);
  taskBackoff.remove(id);
  for (const reason of restartReasons.get(key) ?? []) taskRestarts.remove({ ...id, reason });
  restartReasons.delete(key);
}

const probeResults = new Counter({ name: 'okube_probe_results_total', help: 'Probe results by kind (startup, liveness, readiness), type (httpGet, tcpSocket, exec) and result', labelNames: ['kind', 'type', 'result'], registers });

export const probeResultMetrics: ProbeMetrics = {
  observe(kind: ProbeKind, type: ProbeType, result: 'success' | 'failure') {
    probeResults.inc({ kind, type, result });
  },
};

const nodeReady = new Gauge({ name: 'okube_node_ready', help: 'Whether the Node\'s Docker engine answers (1) or not (0)', labelNames: ['node'], registers });

const nodeCpu = new Gauge({ name: 'okube_node_cpu_usage_cores', help: "CPU used by okube's running containers on the Node, as its engine reports it (mean over the last collection window)", labelNames: ['node'], registers });
const nodeMemory = new Gauge({ name: 'okube_node_memory_usage_bytes', help: "Memory used by okube's running containers on the Node (without reclaimable page cache)", labelNames: ['node'], registers });
const nodeRunning = new Gauge({ name: 'okube_node_running_containers', help: "Running containers of okube's Tasks on the Node", labelNames: ['node'], registers });
const taskCpu = new Gauge({ name: 'okube_task_cpu_usage_cores', help: "CPU used by the Task's container (mean over the last collection window)", labelNames: ['namespace', 'task', 'node'], registers });
const taskMemory = new Gauge({ name: 'okube_task_memory_usage_bytes', help: "Memory used by the Task's container (without reclaimable page cache)", labelNames: ['namespace', 'task', 'node'], registers });
/** Per Node: the usage last recorded and the Task series it set, by series key. */
const recorded = new Map<string, { usage: NodeUsage; series: Map<string, { namespace: string; task: string; node: string }> }>();

const fromMilli = (q: string | undefined) => (q === undefined ? undefined : Number(q.replace(/m$/, '')) / 1000);
const fromKi = (q: string) => Number(q.replace(/Ki$/, '')) * 1024;

/**
 * The usage series of a Node and its Tasks (undefined: none any more). The same figures again
 * (the heartbeat between two readings) change nothing; a new reading sets its Tasks' series and
 * removes only those of Tasks it no longer has, so a scrape never misses a series that stays.
 */
export function recordNodeUsage(node: string, usage: NodeUsage | undefined): void {
  const prev = recorded.get(node);
  if (usage && prev?.usage === usage) return;
  const series = new Map<string, { namespace: string; task: string; node: string }>();
  if (usage) {
    const cpu = fromMilli(usage.cpu);
    if (cpu !== undefined) nodeCpu.set({ node }, cpu);
    else nodeCpu.remove({ node });
    nodeMemory.set({ node }, fromKi(usage.memory));
    nodeRunning.set({ node }, usage.runningContainers);
    for (const t of usage.tasks) {
      const l = { namespace: t.namespace, task: t.name, node };
      const c = fromMilli(t.cpu);
      if (c !== undefined) taskCpu.set(l, c);
      else if (prev) taskCpu.remove(l);
      taskMemory.set(l, fromKi(t.memory));
      series.set(`${t.namespace}/${t.name}`, l);
    }
  } else {
    nodeCpu.remove({ node });
    nodeMemory.remove({ node });
    nodeRunning.remove({ node });
  }
  for (const [k, l] of prev?.series ?? []) {
    if (series.has(k)) continue;
    taskCpu.remove(l);
    taskMemory.remove(l);
  }
  if (usage) recorded.set(node, { usage, series });
  else recorded.delete(node);
}

export function setNodeReady(node: string, ready: boolean): void {
  nodeReady.set({ node }, ready ? 1 : 0);
}

export function forgetNode(node: string): void {
  nodeReady.remove({ node });
}

const sliceWrites = new Counter({ name: 'okube_endpointslice_writes_total', help: 'EndpointSlice writes by the endpoints controller, by operation (create, update, delete)', labelNames: ['op'], registers });
const endpointLatency = new Histogram({
  name: 'okube_endpoint_readiness_latency_seconds',
  help: 'From a Task\'s readiness change (Ready condition transition, or deletion) to the EndpointSlice write that shows it',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers,
});

export interface EndpointMetrics {
  sliceWrite(op: 'create' | 'update' | 'delete'): void;
  readinessLatency(seconds: number): void;
}

export const endpointMetrics: EndpointMetrics = {
  sliceWrite: (op) => sliceWrites.inc({ op }),
  readinessLatency: (seconds) => endpointLatency.observe(seconds),
};
for (const op of ['create', 'update', 'delete']) sliceWrites.inc({ op }, 0);

// client-go's EventBroadcaster drops Events when its queue is full rather than block a controller;
// this counts those drops, so a dashboard shows Events that never reached the API server.
const eventsDropped = new Counter({ name: 'okube_events_dropped_total', help: 'Events not written because the recorder\'s queue was full (or it was stopped before they were written)', labelNames: ['component', 'cause'], registers });

export interface EventQueueMetrics {
  dropped(component: string, cause: 'queue_full' | 'stopped'): void;
}

export const eventQueueMetrics: EventQueueMetrics = {
  dropped: (component, cause) => eventsDropped.inc({ component, cause }),
};
