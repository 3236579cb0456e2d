import type { ResourceDef } from './resource-def.js';

// What okube's API server prints beyond a CRD's JSONPath columns (a stock API server cannot):
// a Task being deleted says Terminating in its STATUS column, as kubectl shows a Pod being deleted
// (kube's Pod printer does it from deletionTimestamp). Otherwise the column's own path.

type TaskLike = { metadata?: { deletionTimestamp?: string }; status?: { state?: { waiting?: { reason?: string } } } };

export function taskStatusCell(obj: object): unknown {
  const t = obj as TaskLike;
  if (t.metadata?.deletionTimestamp) return 'Terminating';
  return t.status?.state?.waiting?.reason ?? null;
}

/**
 * The Task definition's Status column printed by taskStatusCell, and its log and exec
 * subresources (task-logs.ts, task-exec.ts), which a CRD cannot declare; other definitions unchanged.
 */
export function withTaskCells(defs: ResourceDef[]): ResourceDef[] {
  return defs.map((d) => {
    if (d.group !== 'okube.dev' || d.kind !== 'Task') return d;
    return { ...d, taskStreams: true, printerColumns: d.printerColumns.map((c) => (c.name === 'Status' && c.jsonPath === '.status.state.waiting.reason' ? { ...c, cell: taskStatusCell } : c)) };
  });
}
