import { TEMPLATE_HASH_LABEL, type Task } from '../../../api/types.js';
import { isFinished } from '../../../api/task-phase.js';
import type { TaskView } from './types.js';

// One look at each owned Task: finished, terminating or active; of which template; Ready, and
// available (Ready for minReadySeconds, counted from the Ready condition's lastTransitionTime).

export function readySince(task: Task): number | undefined {
  const cond = task.status?.conditions?.find((c) => c.type === 'Ready');
  if (cond) return cond.status === 'True' ? Date.parse(cond.lastTransitionTime) : undefined;
  return undefined;
}

export function classify(task: Task, minReadySeconds: number, now: Date): TaskView {
  const finished = isFinished(task);
  const terminating = !finished && Boolean(task.metadata.deletionTimestamp);
  const active = !finished && !terminating;
  const since = active ? readySince(task) : undefined;
  const ready = since !== undefined;
  const available = ready && (minReadySeconds <= 0 || since! + minReadySeconds * 1000 <= now.getTime());
  return { task, hash: task.metadata.labels?.[TEMPLATE_HASH_LABEL], active, terminating, finished, ready, available, readySince: since };
}

/** When the first Ready-but-not-yet-available Task becomes available (ms from now). */
export function nextAvailableInMs(views: TaskView[], minReadySeconds: number, now: Date): number | undefined {
  let best: number | undefined;
  for (const v of views) {
    if (!v.ready || v.available) continue;
    const at = v.readySince! + minReadySeconds * 1000 - now.getTime();
    best = best === undefined ? at : Math.min(best, at);
  }
  return best === undefined ? undefined : Math.max(0, best);
}
