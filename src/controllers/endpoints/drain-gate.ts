import type { EndpointSlice, Task } from '../../api/types.js';

// The "terminating endpoint" ordering (issue 18), seen from the Task controller: a Task being
// deleted keeps its container running while any EndpointSlice still lists it as a ready
// endpoint, so the endpoints controller marks it terminating (ready=false), and the data plane
// drains it, before SIGTERM. Coordination is through the API only (the slices); the wait is
// bounded by a timeout counted from the deletionTimestamp, so a missing or stuck endpoints
// controller delays a deletion by at most that much and never blocks it.

export const DEFAULT_ENDPOINT_DRAIN_TIMEOUT_MS = 10_000;

/** Whether a slice among `slices` lists the Task (by uid) as a ready endpoint. */
export function readyInSlices(taskUid: string, slices: EndpointSlice[]): boolean {
  return slices.some((s) => (s.endpoints ?? []).some((e) => e.targetRef?.uid === taskUid && e.conditions?.ready !== false));
}

/** The Ready condition's reason while `okube drain` moves a Task: out of its services before its container stops. */
export const EVICTING_REASON = 'Evicting';

/** When the Task started leaving its endpoints: its deletion, or the Ready=False write of a drain. */
function leavingSince(task: Task): number {
  if (task.metadata.deletionTimestamp) return Date.parse(task.metadata.deletionTimestamp);
  const ready = task.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'False' && ready.reason === EVICTING_REASON ? Date.parse(ready.lastTransitionTime) : NaN;
}

/**
 * Whether the deletion (or drain) of `task` should still wait for its endpoints before SIGTERM
 * (false once the timeout passed, counted from when it started leaving them).
 */
export function endpointsDraining(task: Task, slices: EndpointSlice[], now: Date, timeoutMs = DEFAULT_ENDPOINT_DRAIN_TIMEOUT_MS): boolean {
  const since = leavingSince(task);
  if (Number.isNaN(since)) return false;
  if (now.getTime() - since >= timeoutMs) return false;
  return readyInSlices(task.metadata.uid!, slices);
}

/** Slice index function: the uids of the Tasks a slice lists. */
export function taskUidsOfSlice(s: EndpointSlice): string[] {
  return (s.endpoints ?? []).flatMap((e) => (e.targetRef?.kind === 'Task' && e.targetRef.uid ? [e.targetRef.uid] : []));
}
