import { LABELS, type Task, type TaskStatus } from '../../api/types.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { loggerFor } from '../../util/logger.js';
import { isFinished } from '../../api/task-phase.js';
import { EVICTING_REASON } from '../endpoints/drain-gate.js';
import { EVICT_ANNOTATION } from '../node/eviction.js';
import type { TaskEvictor } from '../node/task-evictor.js';
import type { NodeEntry } from '../node/node-registry.js';
import { unreadyStatus } from './unready-status.js';

// A Task asked to leave its Node (okube drain sets EVICT_ANNOTATION): its container is stopped
// gracefully (SIGTERM, terminationGracePeriodSeconds, SIGKILL) and removed, and only then is
// the Task unbound for the scheduler — so the old and the new copy never run at once. Before the
// SIGTERM the Task leaves its services, as a deleted one does (plan/lifecycle.ts): Ready=False
// (Evicting), through the traffic gate, and the stop waits until no EndpointSlice lists it ready.

const log = loggerFor('controller.task.drain');

export function evictionRequested(task: Task): boolean {
  return task.metadata.annotations?.[EVICT_ANNOTATION] !== undefined && !task.metadata.deletionTimestamp;
}

export interface DrainDeps {
  tasks: ResourceClient<Task>;
  evictor: TaskEvictor;
  stopProbes(): void;
  /** Hands a graceful stop to the engine outside the worker (idempotent); its end enqueues the Task. */
  stop(containerId: string, graceSeconds: number): void;
  /** Whether a stop of this container is under way. */
  stopping(containerId: string): boolean;
  /** Writes the status (through the traffic gate); returns the Task as written. */
  writeStatus(status: TaskStatus): Promise<Task | undefined>;
  /** Whether an EndpointSlice still lists the Task as ready (bounded: endpoints/drain-gate.ts). */
  endpointsDraining(task: Task): boolean;
}

/** How often a drain waiting for the Task's endpoints looks again (slice events usually come first). */
export const DRAIN_ENDPOINTS_POLL_MS = 250;

/** The status of a Task leaving its Node's services before its container stops; undefined when it already says so. */
export function evictingStatus(task: Task, node: string, now: Date): TaskStatus | undefined {
  return unreadyStatus(task, EVICTING_REASON, `the Task is being moved off node ${node} (drain): out of its services before its container stops`, now);
}

/**
 * Carries out the request; returns the Task as last written (undefined when it is gone),
 * 'stopping' while its container is still stopping (the stop's end brings the Task back), or
 * 'leaving' while its endpoints are being marked not ready (look again soon).
 */
export async function drainTask(task: Task, entry: NodeEntry | undefined, deps: DrainDeps, now: Date): Promise<Task | undefined | 'stopping' | 'leaving'> {
  const from = task.metadata.annotations![EVICT_ANNOTATION];
  const node = task.spec.nodeName;
  if (!node || node !== from || isFinished(task)) {
    // Already elsewhere (or finished, so nothing runs): the request is void.
    return deps.tasks.patch(task.metadata.name!, { metadata: { resourceVersion: task.metadata.resourceVersion, annotations: { [EVICT_ANNOTATION]: null } } }, task.metadata.namespace);
  }
  deps.stopProbes();
  let exitCode: number | undefined;
  if (entry?.ready) {
    const grace = task.spec.terminationGracePeriodSeconds ?? 30;
    const containers = await entry.runtime.list({ [LABELS.taskUid]: task.metadata.uid! });
    const running = containers.filter((c) => c.running);
    if (running.length) {
      if (running.some((c) => !deps.stopping(c.id))) {
        const leaving = evictingStatus(task, node, now);
        if (leaving) {
          await deps.writeStatus(leaving);
          return 'leaving';
        }
        if (deps.endpointsDraining(task)) return 'leaving';
      }
      for (const c of running) if (!deps.stopping(c.id)) deps.stop(c.id, grace);
      return 'stopping';
    }
    for (const c of containers) {
      // The exit the stop produced (0 for an app that honours SIGTERM), for status.lastState.
      if (c.id === task.status?.containerID) exitCode = (await entry.runtime.inspect(c.id))?.exitCode;
      await entry.runtime.remove(c.id);
    }
  }
  // An unreachable Node keeps its container until it returns; its controller removes it then.
  log.info({ key: `${task.metadata.namespace}/${task.metadata.name}`, node, exitCode }, 'moving the Task off its node');
  return deps.evictor.evict(task, 'Drained', `Evicted from node ${node} (drain)`, exitCode);
}
