import { LABELS, VOLUME_TASK_LABEL } from '../../api/types.js';
import type { ContainerInfo } from '../../runtime/runtime.js';

// Containers okube made that no Task owns any more — the Task is gone (deleted while the
// controller was down, a crash mid-create) or was moved to another Node while this one was
// lost — are removed, but only after a grace period, so a Task created or bound a moment ago
// that the informer has not delivered yet is never mistaken for gone.

export class OrphanTracker {
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  /** The containers to remove now. `owned(c)` tells whether a Task still owns the container here. */
  orphans(containers: ContainerInfo[], owned: (c: ContainerInfo) => boolean, now: number): ContainerInfo[] {
    const due: ContainerInfo[] = [];
    const present = new Set<string>();
    for (const c of containers) {
      const uid = c.labels[LABELS.taskUid];
      if (c.labels[LABELS.managed] !== 'true' || !uid || owned(c)) continue;
      present.add(c.id);
      const first = this.firstSeen.get(c.id) ?? now;
      this.firstSeen.set(c.id, first);
      if (now - first >= this.graceMs) due.push(c);
    }
    for (const id of [...this.firstSeen.keys()]) if (!present.has(id)) this.firstSeen.delete(id);
    return due;
  }
}

/**
 * The uids of Tasks whose own Docker volumes (emptyDir, secret, configMap; label
 * okube.dev/volume-of-task) are left on this Node although no Task here owns them any more (the
 * Task moved, or was deleted while its Node was lost), once that has lasted the grace period.
 */
export class OrphanVolumeTracker {
  private readonly firstSeen = new Map<string, number>();

  constructor(private readonly graceMs: number) {}

  /** Leftover volumes are being watched through their grace: the next sweep must look again. */
  get watching(): boolean {
    return this.firstSeen.size > 0;
  }

  due(volumes: Array<{ labels: Record<string, string> }>, owned: (uid: string) => boolean, now: number): string[] {
    const present = new Set<string>();
    const out: string[] = [];
    for (const v of volumes) {
      const uid = v.labels[VOLUME_TASK_LABEL];
      if (!uid || owned(uid) || present.has(uid)) continue;
      present.add(uid);
      const first = this.firstSeen.get(uid) ?? now;
      this.firstSeen.set(uid, first);
      if (now - first >= this.graceMs) out.push(uid);
    }
    for (const uid of [...this.firstSeen.keys()]) if (!present.has(uid)) this.firstSeen.delete(uid);
    return out;
  }
}
