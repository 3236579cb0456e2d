import { isFinishedPhase } from '../../../api/task-phase.js';
import { pendingRequest, RESTART_ANNOTATION, RETRY_ANNOTATION, type PendingRequest } from '../requests.js';
import { resetBackoff } from './backoff.js';
import { configBlocked } from './config.js';
import { cond, finish, restartOf, stopping, type PlanContext } from './context.js';
import type { Plan } from './types.js';

// `okube restart` / `okube retry`: a new container now, the backoff starting over — once the
// old one has stopped, so that the request is counted exactly once.

/** Step: a pending restart or retry request. */
export function restartRequest(ctx: PlanContext): Plan | undefined {
  // The newest container that ran: a next one made during a crash-loop wait answers nothing yet.
  const request = pendingRequest(ctx.task, ctx.current, ctx.status);
  return request ? restartOnRequest(ctx, request) : undefined;
}

function restartOnRequest(ctx: PlanContext, req: PendingRequest): Plan {
  const { status, actions, grace } = ctx;
  const current = ctx.current!;
  const older = ctx.older;
  actions.push({ kind: 'stopProbes' });
  // A next container made during the wait (plan/next.ts) is replaced by the one made now.
  if (ctx.next) actions.push({ kind: 'remove', id: ctx.next.id });
  // Keep the replaced container (for `logs --previous`), remove anything older.
  for (const c of older) {
    if (stopping(ctx, c)) continue;
    if (c.running) actions.push({ kind: 'stop', id: c.id, graceSeconds: grace, reason: 'Duplicate' });
    actions.push({ kind: 'remove', id: c.id });
  }
  const annotation = req.kind === 'restart' ? RESTART_ANNOTATION : RETRY_ANNOTATION;
  const reason = req.kind === 'restart' ? 'RestartRequested' : 'RetryRequested';
  if (current.running || older.some((c) => stopping(ctx, c))) {
    // Stop first; the new container (and the count) once it has stopped. The request stays
    // pending until a container carries it, so it is counted exactly once.
    const message = `${req.kind} requested (${annotation}=${req.at}): stopping the container`;
    if (current.running && !stopping(ctx, current)) {
      actions.push({ kind: 'stop', id: current.id, graceSeconds: grace, reason: req.kind === 'restart' ? 'Restarted' : 'Retried' });
      ctx.events.push({ type: 'Normal', reason: 'Killing', message: `Stopping container ${current.id.slice(0, 12)} (grace ${grace}s): ${req.kind} requested (${annotation}=${req.at})` });
    }
    status.ready = false;
    cond(ctx, 'Ready', 'False', 'Stopping', message);
    return finish(ctx);
  }
  // The new container cannot be made while its configuration does not resolve (a Secret deleted
  // since): the Task says so and waits, the request still pending until a container carries it.
  const blocked = configBlocked(ctx);
  if (blocked) return blocked;
  actions.push({ kind: 'create', restartNumber: restartOf(current) + 1 });
  // A crash-loop wait (or a next container that failed to start) already counted this restart at
  // the exit (plan/exit.ts): the request only brings it forward. A running container's stop, or a
  // finished Task, counts it now.
  if (!exitCounted(ctx)) status.restartCount = (status.restartCount ?? 0) + 1;
  resetBackoff(status);
  if (isFinishedPhase(status.phase)) {
    status.phase = 'Scheduled';
    status.completionTime = undefined;
  }
  const message = `${req.kind === 'restart' ? 'restart' : 'retry'} requested (${annotation}=${req.at}): starting a new container now, backoff reset`;
  status.state = { waiting: { reason: 'ContainerCreating', message } };
  status.ready = false;
  cond(ctx, 'BackOff', 'False', reason, message);
  cond(ctx, 'Ready', 'False', 'ContainerCreating', message);
  ctx.events.push({ type: 'Normal', reason, message: `${message[0].toUpperCase()}${message.slice(1)} (restart ${status.restartCount})` });
  return finish(ctx);
}

/** The current container's exit was recorded as a restart to come (counted then), not as the end. */
function exitCounted(ctx: PlanContext): boolean {
  const { status, current } = ctx;
  return status.lastState?.terminated?.containerID === current?.id && !isFinishedPhase(status.phase) && status.state?.waiting?.reason !== 'Rescheduling';
}
