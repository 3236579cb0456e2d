import { isFinished } from '../../api/task-phase.js';
import type { Task } from '../../api/types.js';
import { errorMessage } from '../../util/errors.js';
import type { PlanEvent } from './plan.js';

// What the Task controller knows about host ports on a Node, pure: the ports okube's own state
// (the Tasks' status.ports) records as held there, a Task's previous ports (kept across
// restarts when still free), and whether the engine's refusal to start a container was a port
// someone else holds, and whether to try other ports then. The allocation itself is runtime/port-allocator.ts.

/** Host ports recorded in the status of the Node's Tasks other than `self` (okube's state). */
export function recordedPorts(tasksOnNode: readonly Task[], self: string | undefined): number[] {
  const out: number[] = [];
  for (const t of tasksOnNode) {
    if (t.metadata.uid === self) continue;
    if (isFinished(t)) continue;
    for (const p of t.status?.ports ?? []) if (p.hostPort > 0) out.push(p.hostPort);
  }
  return out;
}

/** The host port the Task had for each port that needs allocating (declaration order), from its status. */
export function previousPorts(task: Task): Array<number | undefined> {
  return (task.spec.ports ?? [])
    .filter((p) => !p.hostPort)
    .map((p) => task.status?.ports?.find((s) => s.containerPort === p.containerPort && (s.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.hostPort);
}

// docker-proxy: "listen tcp4 10.0.0.1:31000: bind: address already in use"; another container:
// "Bind for 10.0.0.1:31000 failed: port is already allocated".
const CONFLICT = /address already in use|port is already allocated/i;

/** Whether the engine refused a start because a host port is held by something else. */
export function isPortConflict(err: unknown): boolean {
  return CONFLICT.test(errorMessage(err));
}

/** The ports among `candidates` that the engine's message names (all of them when it names none). */
export function conflictingPorts(err: unknown, candidates: readonly number[]): number[] {
  const message = errorMessage(err);
  const named = candidates.filter((p) => new RegExp(`:${p}\\b`).test(message));
  return named.length > 0 ? named : [...candidates];
}

/** Containers created in one pass when the engine keeps refusing the host ports chosen. */
export const PORT_ATTEMPTS = 3;

/**
 * Whether a start the engine refused is tried again on other host ports: only when okube chose
 * ports (`allocated` of them, for `hostPort: 0`), only for a port someone else holds, and at most
 * PORT_ATTEMPTS containers in one pass (`attempt` counts from 1). Otherwise the refusal is the
 * Task's failure (RunContainerError, on its backoff).
 */
export function retryOnOtherPorts(err: unknown, allocated: number, attempt: number): boolean {
  return allocated > 0 && isPortConflict(err) && attempt < PORT_ATTEMPTS;
}

/** The Event for a host port the engine would not bind. */
export function portConflictEvent(node: string, ports: readonly number[], err: unknown): PlanEvent {
  return { type: 'Warning', reason: 'HostPortConflict', message: `host port ${ports.join(', ')} on node ${node} is held by another program (${errorMessage(err)}); allocating another` };
}
