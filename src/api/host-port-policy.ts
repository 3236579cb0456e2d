import type { NodeSpec, TaskSpec } from './types.js';

// Which fixed hostPorts a Node accepts: those inside its portRange, any port when the Node says
// spec.allowHostPortsOutsideRange. One rule for every place that judges it — the API server's
// admission of a Task bound to a Node, the scheduler's filter, and the Task controller for a
// Task that reached a Node some other way (a real Kubernetes API server has no such admission).

/** The range okube allocates `hostPort: 0` from when a Node names none (kube's NodePort range). */
export const DEFAULT_PORT_RANGE = { start: 30000, end: 32767 } as const;

export function portRangeOf(spec: Pick<NodeSpec, 'portRange'>): { start: number; end: number } {
  return spec.portRange ?? DEFAULT_PORT_RANGE;
}

/** Indexes into spec.ports of the fixed hostPorts the Node does not accept. */
export function refusedHostPorts(task: Pick<TaskSpec, 'ports'>, node: Pick<NodeSpec, 'portRange' | 'allowHostPortsOutsideRange'>): number[] {
  if (node.allowHostPortsOutsideRange) return [];
  const range = portRangeOf(node);
  const out: number[] = [];
  (task.ports ?? []).forEach((p, i) => {
    if (p.hostPort && (p.hostPort < range.start || p.hostPort > range.end)) out.push(i);
  });
  return out;
}

/** One line saying why, for a port `refusedHostPorts` returned. */
export function refusedHostPortMessage(hostPort: number, nodeName: string, node: Pick<NodeSpec, 'portRange'>): string {
  const range = portRangeOf(node);
  return `hostPort ${hostPort} is outside node ${nodeName}'s portRange ${range.start}-${range.end}, and the Node does not set spec.allowHostPortsOutsideRange`;
}
