import { TASK_FINALIZER, type Task } from '../../api/types.js';
import type { EventSink } from '../../client/events.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { isOkubeError } from '../../util/errors.js';

// Carries out the Task plan's actions on the API server other than status (status-writer.ts):
// the finalizer that makes a deletion wait for the container's end, and the TTL deletion of a
// finished Task. Contract: each is one guarded write (the finalizer patches carry the
// resourceVersion read, so a stale read is a Conflict for the queue to retry) and nothing else;
// what the reconciler remembers or forgets about the Task afterwards is reconciler.ts's.

export class ApiActions {
  constructor(private readonly deps: { tasks: Pick<ResourceClient<Task>, 'patch' | 'delete'>; events: EventSink }) {}

  /** Adds TASK_FINALIZER; returns the Task as written. */
  addFinalizer(task: Task): Promise<Task> {
    return this.patchFinalizers(task, [...(task.metadata.finalizers ?? []), TASK_FINALIZER]);
  }

  /** Removes TASK_FINALIZER (a Task already gone is no failure): the object may go now. */
  async removeFinalizer(task: Task): Promise<void> {
    try {
      await this.patchFinalizers(task, (task.metadata.finalizers ?? []).filter((f) => f !== TASK_FINALIZER));
    } catch (err) {
      if (!isOkubeError(err, 'NotFound')) throw err;
    }
  }

  /** Deletes a finished Task whose ttlSecondsAfterFinished has passed, with an Event saying why. */
  async deleteExpired(task: Task): Promise<void> {
    await this.deps.events.record(task, 'Normal', 'TTLExpired', `deleting the finished Task after ttlSecondsAfterFinished (${task.spec.ttlSecondsAfterFinished}s)`);
    await this.deps.tasks.delete(task.metadata.name!, task.metadata.namespace);
  }

  private patchFinalizers(task: Task, finalizers: string[]): Promise<Task> {
    return this.deps.tasks.patch(task.metadata.name!, { metadata: { finalizers, resourceVersion: task.metadata.resourceVersion } }, task.metadata.namespace);
  }
}
