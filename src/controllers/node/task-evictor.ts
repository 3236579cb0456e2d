import { TASK_FINALIZER, type Task, type TaskStatus } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import { objectKey, type ResourceClient } from '../../client/resource-client.js';
import { isOkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import { EVICT_ANNOTATION, mayRunElsewhere, statusAfterEviction, type EvictionCause } from './eviction.js';

// Takes a Task off its Node through the API: status first (so the scheduler never sees a Task
// without a Node but with the old container's state, which would read as a crash on the new
// Node, and because the CRD lets a bound Task lose its Node only once its stored status says
// Rescheduling), then the unbinding, both guarded by resourceVersion. The scheduler then binds it elsewhere; the old Node's controller removes
// the stale container when (if) that Node comes back. rescheduleWithStatus is that order, for
// evictions and for the task controller's restart limit (onLimit: Reschedule) alike.

const log = loggerFor('evictor');

/** The patch that clears a pending eviction request, if `t` carries one. */
function clearEvictRequest(t: Task): { annotations?: Record<string, null> } {
  return t.metadata.annotations?.[EVICT_ANNOTATION] !== undefined ? { annotations: { [EVICT_ANNOTATION]: null } } : {};
}

/**
 * Writes `status` (which must say Rescheduling), then unbinds the Task from its Node (clearing
 * an eviction request on the way). `onStatusWritten` sees the status write before the unbinding
 * is tried.
 */
export async function rescheduleWithStatus(
  tasks: ResourceClient<Task>,
  task: Task,
  status: TaskStatus,
  onStatusWritten?: (written: Task) => void,
): Promise<{ written: Task; unbound: Task }> {
  const written = await tasks.replaceStatus({ ...task, status });
  onStatusWritten?.(written);
  const metadata = { resourceVersion: written.metadata.resourceVersion, ...clearEvictRequest(written) };
  const unbound = await tasks.patch(task.metadata.name!, { metadata, spec: { nodeName: null } }, task.metadata.namespace);
  return { written, unbound };
}

export class TaskEvictor {
  constructor(
    private readonly tasks: ResourceClient<Task>,
    private readonly events: EventSink,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The Task as last written (undefined when it is gone), so a caller can act on the newest copy. */
  async evict(task: Task, cause: EvictionCause, message: string, exitCode?: number): Promise<Task | undefined> {
    const key = objectKey(task);
    const node = task.spec.nodeName;
    try {
      if (task.metadata.deletionTimestamp) {
        // Nothing can stop the container on a lost Node: let the Task go; the Node's
        // controller removes the container as an orphan if the Node comes back.
        const finalizers = (task.metadata.finalizers ?? []).filter((f) => f !== TASK_FINALIZER);
        const released = await this.tasks.patch(task.metadata.name!, { metadata: { finalizers, resourceVersion: task.metadata.resourceVersion } }, task.metadata.namespace);
        log.info({ key, node, cause }, 'released a deleted Task from its lost Node');
        return released;
      }
      const status = statusAfterEviction(task, cause, message, this.now(), exitCode);
      let last: Task;
      if (mayRunElsewhere(task)) {
        const { written, unbound } = await rescheduleWithStatus(this.tasks, task, status);
        last = unbound;
        await this.events.record(written, 'Warning', cause === 'NodeLost' ? 'NodeLost' : 'Evicted', `${message}; rescheduling on another Node`);
      } else {
        const written = await this.tasks.replaceStatus({ ...task, status });
        const clear = clearEvictRequest(written);
        last = clear.annotations ? await this.tasks.patch(task.metadata.name!, { metadata: { resourceVersion: written.metadata.resourceVersion, ...clear } }, task.metadata.namespace) : written;
        await this.events.record(written, 'Warning', cause === 'NodeLost' ? 'NodeLost' : 'Evicted', `${message}; restartPolicy Never: not run again`);
      }
      log.info({ key, node, cause, rescheduled: mayRunElsewhere(task) }, 'evicted');
      return last;
    } catch (err) {
      if (isOkubeError(err, 'NotFound')) return undefined;
      throw err;
    }
  }
}
