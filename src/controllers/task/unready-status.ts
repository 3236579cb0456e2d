import type { Task, TaskStatus } from '../../api/types.js';
import { setCondition } from '../conditions.js';

// A Task taken out of Ready by the controllers for a reason of their own — its Node not Ready
// (node-not-ready.ts), or a drain moving it (drain.ts) — while phase, container state and the other
// conditions stay as last seen.

/** The status with ready:false and Ready=False for `reason`; undefined when the Task already says so. */
export function unreadyStatus(task: Task, reason: string, message: string, now: Date): TaskStatus | undefined {
  const stored = task.status ?? {};
  const ready = stored.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.reason === reason && stored.ready !== true) return undefined;
  const status: TaskStatus = structuredClone(stored);
  status.ready = false;
  status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason, message, observedGeneration: task.metadata.generation }, now);
  return status;
}
