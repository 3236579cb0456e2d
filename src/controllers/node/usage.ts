import { LABELS, type NodeUsage, type TaskUsage } from '../../api/types.js';
import type { ContainerUsage } from '../../runtime/runtime.js';

// Usage figures of a Node, pure: from two one-shot readings of its running containers'
// counters (Docker's stats with one-shot=true: one call per container, no waiting for a second
// sample inside the engine), CPU as the counter's growth over the time between the readings,
// memory as last read. A container seen once has no CPU figure yet. The cheapest source Docker
// offers over its API: cgroup files would need a process on the engine's host, and streams one
// open connection per container.

/** Millicores used between two readings of one container (undefined: not two readings). */
export function cpuMillicores(prev: ContainerUsage | undefined, cur: ContainerUsage): number | undefined {
  if (!prev || prev.id !== cur.id || cur.readAt <= prev.readAt || cur.cpuNanos < prev.cpuNanos) return undefined;
  return (cur.cpuNanos - prev.cpuNanos) / ((cur.readAt - prev.readAt) * 1e6) * 1000;
}

const milli = (m: number) => `${Math.round(m)}m`;
const kibi = (bytes: number) => `${Math.round(bytes / 1024)}Ki`;

/** The Node's figures from the previous readings (by container id) and the current ones. */
export function nodeUsage(prev: ReadonlyMap<string, ContainerUsage>, cur: readonly ContainerUsage[], now: Date): NodeUsage {
  let cpu = 0;
  let haveCpu = false;
  let memory = 0;
  const windows: number[] = [];
  const tasks: TaskUsage[] = [];
  for (const c of cur) {
    const m = cpuMillicores(prev.get(c.id), c);
    if (m !== undefined) {
      cpu += m;
      haveCpu = true;
      windows.push((c.readAt - prev.get(c.id)!.readAt) / 1000);
    }
    memory += c.memoryBytes;
    const t: TaskUsage = { namespace: c.labels[LABELS.namespace] ?? '', name: c.labels[LABELS.name] ?? c.id.slice(0, 12), memory: kibi(c.memoryBytes) };
    if (m !== undefined) t.cpu = milli(m);
    tasks.push(t);
  }
  tasks.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const usage: NodeUsage = { memory: kibi(memory), runningContainers: cur.length, sampledAt: now.toISOString(), tasks };
  if (haveCpu) {
    usage.cpu = milli(cpu);
    usage.windowSeconds = Math.round((windows.reduce((a, b) => a + b, 0) / windows.length) * 10) / 10;
  }
  return usage;
}
