import type { Condition } from '../api/types.js';

// metav1.Condition bookkeeping for every controller that writes conditions (Task, Node,
// scheduler), so all of them agree on one rule: lastTransitionTime moves only when the status flips.

export function setCondition(conditions: Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: Date): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const merged: Condition = {
    ...next,
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : now.toISOString(),
  };
  if (i >= 0) list[i] = merged;
  else list.push(merged);
  return list;
}

