import { TASK_FINALIZER, type Task } from '../../api/types.js';
import { isFinished } from '../../api/task-phase.js';
import { EVICT_ANNOTATION } from '../node/eviction.js';
import { evictionRequested } from './drain.js';

// Before a Task is planned, pure: whether it is the Task reconciler's to plan now, from the Task
// and what the Node registry knows of its Node. A Task asked to leave its Node is drained
// (drain.ts); one not yet bound is the scheduler's; one bound to a Node this process does not
// know or that is not Ready waits (a Task being deleted is planned all the same, so its deletion
// is not held up by a broken Node, and one whose Node is gone has nothing left to stop). One bound
// to a Node that does not exist at all is planned (the plan says Pending, NodeNotFound) instead of
// waiting in silence with no status. A Node
// that still exists but is not in the registry yet — the controllers just started and the Node
// controller has not connected to it — is waited for, also by a Task being deleted: releasing its
// finalizer then would leave its container running with nothing to stop it. A Node the Node
// controller has found not Ready (its stored Ready condition is not True: not merely a registry
// entry that has not had its first heartbeat yet) also asks that its Tasks stop counting as Ready
// (node-not-ready.ts). A drain waits the same way for a Node whose stored Ready condition still
// says True but that this process has not reached yet (just started, or not yet past the engine's
// grace period): it stops the container there before the Task moves, and taking the Node for an
// unreachable one would start the new copy while the old one may still run until the orphan sweep.

/** How often a Task bound to an unknown or unready Node looks again. */
export const NODE_WAIT_MS = 5000;

export type Preflight =
  | { kind: 'drain' }
  /** Bound by the scheduler (src/controllers/scheduler), not here: nothing to do until it is. */
  | { kind: 'unbound' }
  /** Being deleted and its Node is gone: only the finalizer is left to remove. */
  | { kind: 'releaseFinalizer' }
  | { kind: 'waitForNode'; requeueAfterMs: number; nodeNotReady?: true }
  /** Bound to a Node that does not exist (a typo in spec.nodeName, or one not made yet): planned, to say so, and looked at again. */
  | { kind: 'nodeNotFound'; requeueAfterMs: number }
  | { kind: 'plan' };

/**
 * `node`: the registry's entry for spec.nodeName (undefined: none, or no nodeName); `canDrain`: an
 * evictor is there; `nodeExists`: the Node object is still there (the Node informer has it);
 * `storedReady`: the status of its stored Ready condition (undefined: none).
 */
export function preflight(task: Task, node: { ready: boolean } | undefined, canDrain: boolean, nodeExists = false, storedReady?: string): Preflight {
  const deleting = Boolean(task.metadata.deletionTimestamp);
  const nodeFoundNotReady = storedReady !== undefined && storedReady !== 'True';
  if (canDrain && evictionRequested(task)) {
    const stopsThere = task.spec.nodeName !== undefined && task.spec.nodeName === task.metadata.annotations![EVICT_ANNOTATION] && !isFinished(task);
    if (stopsThere && !node?.ready && nodeExists && storedReady === 'True') return { kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS };
    return { kind: 'drain' };
  }
  // The plan only adds the finalizer (binding waits for it) or handles the deletion.
  if (!task.spec.nodeName && !deleting && task.metadata.finalizers?.includes(TASK_FINALIZER)) return { kind: 'unbound' };
  if (task.spec.nodeName && !node) {
    if (nodeExists) return { kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS };
    return deleting ? { kind: 'releaseFinalizer' } : { kind: 'nodeNotFound', requeueAfterMs: NODE_WAIT_MS };
  }
  if (node && !node.ready && !deleting) return { kind: 'waitForNode', requeueAfterMs: NODE_WAIT_MS, ...(nodeFoundNotReady ? { nodeNotReady: true as const } : {}) };
  return { kind: 'plan' };
}
