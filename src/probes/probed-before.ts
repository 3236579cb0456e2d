import type { Task } from '../api/types.js';

// A container the stored status already describes (same id, running) was probed before — by
// okube's controllers before they restarted, or under probes since changed: what status says of
// it (started, ready) is where probing carries on, instead of starting over unready. Otherwise a
// restart of okube would pull every ready container out of its services until its next probe
// (the kubelet does that: kubernetes#100277); the results from then on decide, with the usual
// thresholds. Pure.

export function probedBefore(task: Task, containerId: string): { started: boolean; ready: boolean } | undefined {
  const stored = task.status;
  if (stored?.containerID !== containerId || stored.state?.running === undefined) return undefined;
  return { started: stored.started === true, ready: stored.ready === true };
}
