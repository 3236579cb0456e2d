import { LABELS, type Task } from '../../api/types.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { loggerFor } from '../../util/logger.js';
import { isFinished } from '../../api/task-phase.js';
import { EVICT_ANNOTATION } from '../node/eviction.js';
import type { TaskEvictor } from '../node/task-evictor.js';
import type { NodeEntry } from '../node/node-registry.js';

// A Task asked to leave its Node (okube drain sets EVICT_ANNOTATION): its container is stopped
// gracefully (SIGTERM, terminationGracePeriodSeconds, SIGKILL) and removed, and only then is
// the Task unbound for the scheduler — so the old and the new copy never run at once.

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
}

/**
 * Carries out the request; returns the Task as last written (undefined when it is gone), or
 * 'stopping' while its container is still stopping (the stop's end brings the Task back).
 */
export async function drainTask(task: Task, entry: NodeEntry | undefined, deps: DrainDeps): Promise<Task | undefined | 'stopping'> {
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
