import { TASK_FINALIZER, type Task } from '../../api/types.js';

// The scheduler's binding write: a merge patch of spec.nodeName guarded by the resourceVersion the
// decision read (of two schedulers, one wins). It also adds the Task controller's finalizer when
// missing — the Task controller would add it in a write of its own right after, for every Task;
// one write instead of two. (A merge patch replaces the whole list, so the ones present are kept.)

export interface BindingPatch {
  metadata: { resourceVersion?: string; finalizers?: string[] };
  spec: { nodeName: string };
}

export function bindingPatch(task: Task, node: string): BindingPatch {
  const finalizers = task.metadata.finalizers ?? [];
  return {
    metadata: { resourceVersion: task.metadata.resourceVersion, ...(finalizers.includes(TASK_FINALIZER) ? {} : { finalizers: [...finalizers, TASK_FINALIZER] }) },
    spec: { nodeName: node },
  };
}
