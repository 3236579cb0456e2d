import type { Obj } from './objects.js';

// A Task's deletion takes a grace period as a Pod's does (kube's pod strategy, CheckGracefulDelete):
// `kubectl delete task web --grace-period=5` (or `--grace-period=0 --force`) shortens the stop of
// its container; without one it is the Task's terminationGracePeriodSeconds; a later delete may
// shorten it, never lengthen it. It is kept in metadata.deletionGracePeriodSeconds, at least 1:
// kube-apiserver writes 0 there for every custom resource it marks (it has no graceful deletion for
// them), so 0 has to keep meaning "not given" to the controller (it then uses the spec's period),
// and 1 is what a Pod's 0 becomes without --force.

/** The deletionGracePeriodSeconds a Task's DELETE leaves, or undefined when it changes nothing. */
export function taskDeletionGrace(task: Obj, requested: number | undefined): number | undefined {
  const spec = (task.spec ?? {}) as { terminationGracePeriodSeconds?: unknown };
  const own = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;
  const wanted = Math.max(1, requested ?? own);
  const current = task.metadata.deletionGracePeriodSeconds;
  if (!task.metadata.deletionTimestamp) return wanted;
  // Already terminating: only an explicit, shorter period changes it.
  if (requested === undefined) return undefined;
  return current && current > 0 && current <= wanted ? undefined : wanted;
}
