import { TASK_FINALIZER } from '../../../api/types.js';
import { cond, finish, stopping, type PlanContext } from './context.js';
import type { Plan } from './types.js';

// The steps around the container's life: deletion, the finalizer, binding to a Node, and a
// finished Task waiting for its TTL.

/** How often a deletion waiting for its endpoints looks again (slice events usually come first). */
export const ENDPOINT_DRAIN_POLL_MS = 250;

/** Step: deletion — (endpoints drained,) stop gracefully, remove, then let the object go. */
export function deletion(ctx: PlanContext): Plan | undefined {
  const { task, grace, actions } = ctx;
  if (!task.metadata.deletionTimestamp) return undefined;
  actions.push({ kind: 'stopProbes' });
  if (ctx.input.endpointsDraining && ctx.containers.some((c) => c.running && !stopping(ctx, c))) {
    // Terminating endpoints first: no SIGTERM while a slice still routes new traffic here.
    ctx.status.ready = false;
    cond(ctx, 'Ready', 'False', 'Terminating', 'the Task is being deleted: waiting for its endpoints to be marked not ready before stopping the container');
    return finish(ctx, ENDPOINT_DRAIN_POLL_MS);
  }
  let waiting = false;
  for (const c of ctx.containers) {
    const stop = stopping(ctx, c);
    if (stop) {
      // Removing it now would SIGKILL it before its grace period ends — unless a later delete
      // shortened that period: then a second, shorter stop (the engine kills at the first deadline).
      if (stop.graceSeconds > grace) {
        actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Deleted' });
        ctx.events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${c.id.slice(0, 12)} (grace shortened to ${grace}s)` });
      }
      waiting = true;
      continue;
    }
    if (c.running) {
      actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Deleted' });
      ctx.events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${c.id.slice(0, 12)} (grace ${grace}s)` });
    }
    actions.push({ kind: 'remove', id: c.id });
  }
  if (waiting) {
    ctx.status.ready = false;
    cond(ctx, 'Ready', 'False', 'Terminating', 'the Task is being deleted: its container is stopping');
    return finish(ctx);
  }
  if (task.metadata.finalizers?.includes(TASK_FINALIZER)) actions.push({ kind: 'removeFinalizer' });
  return finish(ctx);
}

/** Step: the finalizer first, so a deletion always waits for the container's end. */
export function finalizer(ctx: PlanContext): Plan | undefined {
  if (ctx.task.metadata.finalizers?.includes(TASK_FINALIZER)) return undefined;
  ctx.actions.push({ kind: 'addFinalizer' });
  return finish(ctx, 0);
}

/** Step: bound to a Node that exists, or wait for the scheduler. */
export function binding(ctx: PlanContext): Plan | undefined {
  const { spec, node, status } = ctx;
  if (!spec.nodeName || !node) {
    status.phase = 'Pending';
    status.ready = false;
    // An unbound Task's Scheduled=False is the scheduler's to explain (why no Node fits): writing
    // our generic text over it would flip the message between two writers.
    const verdict = status.conditions?.find((c) => c.type === 'Scheduled' && c.status === 'False' && c.reason === 'Unschedulable');
    if (spec.nodeName) cond(ctx, 'Scheduled', 'False', 'NodeNotFound', `node ${spec.nodeName} does not exist`);
    else if (!verdict) cond(ctx, 'Scheduled', 'False', 'Unschedulable', 'waiting for a Node');
    cond(ctx, 'Ready', 'False', 'NotScheduled', 'the Task has no Node yet');
    return finish(ctx);
  }
  status.nodeName = node.name;
  status.hostIP = node.address;
  cond(ctx, 'Scheduled', 'True', 'Scheduled', `assigned to node ${node.name}`);
  return undefined;
}

/** Step: finished run-to-completion Tasks stay finished; the TTL deletes them. */
export function finishedTask(ctx: PlanContext): Plan | undefined {
  const { spec, status, now } = ctx;
  if (status.phase !== 'Succeeded' && status.phase !== 'Failed') return undefined;
  for (const c of ctx.containers) if (c.running && !stopping(ctx, c)) ctx.actions.push({ kind: 'stop', id: c.id, graceSeconds: ctx.grace, reason: 'Finished' });
  // A next container made for a restart that will not come (plan/next.ts).
  if (ctx.next) ctx.actions.push({ kind: 'remove', id: ctx.next.id });
  if (spec.ttlSecondsAfterFinished !== undefined && status.completionTime) {
    const left = Date.parse(status.completionTime) + spec.ttlSecondsAfterFinished * 1000 - now.getTime();
    if (left <= 0) {
      ctx.actions.push({ kind: 'deleteTask' });
      return finish(ctx);
    }
    return finish(ctx, left);
  }
  return finish(ctx);
}
