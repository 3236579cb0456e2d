import type { TaskView } from './types.js';

// Which Tasks go first when there are too many: the ReplicaSet controller's ActivePodsWithRanks
// order. Unscheduled before scheduled; Pending before Scheduled before Running; not Ready before
// Ready; on a Node crowded with this set's Tasks before one with fewer; Ready for less time before
// longer; more restarts before fewer; newer before older.

const PHASE_RANK: Record<string, number> = { Pending: 0, Scheduled: 1, Running: 2 };

function nodeOf(v: TaskView): string | undefined {
  return v.task.spec.nodeName || undefined;
}

export function rankForDeletion(views: TaskView[], all: TaskView[] = views): TaskView[] {
  const perNode = new Map<string, number>();
  for (const v of all) {
    const n = nodeOf(v);
    if (n && v.active) perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const crowd = (v: TaskView) => (nodeOf(v) ? (perNode.get(nodeOf(v)!) ?? 0) : 0);
  const created = (v: TaskView) => Date.parse(v.task.metadata.creationTimestamp ?? '') || 0;
  return [...views].sort((a, b) => {
    const sa = nodeOf(a) ? 1 : 0;
    const sb = nodeOf(b) ? 1 : 0;
    if (sa !== sb) return sa - sb;
    const pa = PHASE_RANK[a.task.status?.phase ?? 'Pending'] ?? 0;
    const pb = PHASE_RANK[b.task.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    if (a.ready !== b.ready) return a.ready ? 1 : -1;
    if (crowd(a) !== crowd(b)) return crowd(b) - crowd(a);
    if (a.ready && b.ready && a.readySince !== b.readySince) return b.readySince! - a.readySince!;
    const ra = a.task.status?.restartCount ?? 0;
    const rb = b.task.status?.restartCount ?? 0;
    if (ra !== rb) return rb - ra;
    return created(b) - created(a);
  });
}
