import { TASK_FINALIZER, type Task } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import { objectKey, type ResourceClient } from '../../client/resource-client.js';
import { isOkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import { EVICT_ANNOTATION, mayRunElsewhere, statusAfterEviction, type EvictionCause } from './eviction.js';

// Takes a Task off its Node through the API: status first (so the scheduler never sees a Task
// without a Node but with the old container's state, which would read as a crash on the new
// Node), then the unbinding, both guarded by resourceVersion. The scheduler then binds it elsewhere; the old Node's controller removes
// the stale container when (if) that Node comes back.

const log = loggerFor('evictor');

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
      const written = await this.tasks.replaceStatus({ ...task, status: statusAfterEviction(task, cause, message, this.now(), exitCode) });
      const annotations = written.metadata.annotations?.[EVICT_ANNOTATION] !== undefined ? { [EVICT_ANNOTATION]: null } : undefined;
      let last = written;
      if (mayRunElsewhere(task)) {
        last = await this.tasks.patch(task.metadata.name!, { metadata: { resourceVersion: written.metadata.resourceVersion, ...(annotations ? { annotations } : {}) }, spec: { nodeName: null } }, task.metadata.namespace);
        await this.events.record(written, 'Warning', cause === 'NodeLost' ? 'NodeLost' : 'Evicted', `${message}; rescheduling on another Node`);
      } else {
        if (annotations) last = await this.tasks.patch(task.metadata.name!, { metadata: { resourceVersion: written.metadata.resourceVersion, annotations } }, task.metadata.namespace);
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
