import { LABELS, VOLUME_TASK_LABEL, type Task } from '../../api/types.js';
import type { Runtime } from '../../runtime/runtime.js';
import type { VolumeFile } from './config-volumes.js';
import { HOLDER_ROOT, holderMounts, taskVolumeLabels } from './volumes.js';

// Writes a Task's secret and configMap volume files, and removes a Task's volumes with it. The
// Task's container mounts those Docker volumes read-only, so the files go in through a holder: a
// container of the Task's image that is created, never started, and mounts the same volumes
// writable (Docker extracts an archive into a stopped container's volumes). Files are rewritten
// whenever their hash changes: before the first container, and whenever a referenced object
// changes while it runs (the Secret/ConfigMap watch requeues the Task; within about a second).
// Keys removed from the object stay as files until the Task's volumes are recreated.

export function holderName(task: Task): string {
  const uid = (task.metadata.uid ?? '').replace(/-/g, '').slice(0, 8);
  return `okube-volumes_${task.metadata.namespace}_${task.metadata.name}_${uid}`.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** The last hash written per Task uid on each engine (process memory: a restart rewrites once). */
export class VolumeFiles {
  private readonly written = new Map<string, string>();

  /** Writes the files unless this hash was already written for the Task. */
  async ensure(rt: Runtime, task: Task, nodeName: string, files: Map<string, VolumeFile[]>, hash: string, cluster?: string): Promise<void> {
    if (!files.size) return;
    const uid = task.metadata.uid!;
    if (this.written.get(uid) === hash) return;
    const holder = await this.holder(rt, task, nodeName, cluster);
    for (const [volume, list] of files) if (list.length) await rt.putFiles(holder, `${HOLDER_ROOT}/${volume}`, list);
    this.written.set(uid, hash);
  }

  private async holder(rt: Runtime, task: Task, nodeName: string, cluster: string | undefined): Promise<string> {
    // The managed and node labels let a deleted Node's clean-up (and `docker ps` users) find it;
    // without a task-uid label the orphan collection never takes it for a Task's container.
    const labels = { ...taskVolumeLabels(task, nodeName, cluster), [LABELS.managed]: 'true' };
    const existing = await rt.list({ [VOLUME_TASK_LABEL]: task.metadata.uid! });
    if (existing[0]) return existing[0].id;
    const name = holderName(task);
    try {
      return await rt.create({ name, image: task.spec.image, command: ['/okube-volume-holder'], labels, mounts: holderMounts(task, nodeName, cluster) });
    } catch (err) {
      // Created by an earlier pass that did not get to remember it.
      const again = await rt.list({ [VOLUME_TASK_LABEL]: task.metadata.uid! });
      if (again[0]) return again[0].id;
      throw err;
    }
  }

  /** Removes the holder and every Docker volume of the Task (emptyDir, secret, configMap). */
  async remove(rt: Runtime, uid: string): Promise<void> {
    const labels = { [VOLUME_TASK_LABEL]: uid };
    for (const c of await rt.list(labels)) await rt.remove(c.id);
    await rt.removeVolumes(labels);
    this.written.delete(uid);
  }

  forget(uid: string): void {
    this.written.delete(uid);
  }
}
