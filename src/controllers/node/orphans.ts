import { LABELS } from '../../api/types.js';
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
