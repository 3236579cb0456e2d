import type { Task, TaskStatus } from '../../../api/types.js';
import { delayFor, onContainerExit, remainingMs, resolveBackoff, type BackoffSettings, type ExitDecision } from '../../../backoff/index.js';
import { setCondition } from '../../conditions.js';
import { BACKOFF_REASONS, finish, type PlanContext } from './context.js';
import { untilStartMs } from './start-lead.js';
import { RESTART_ANNOTATION, RETRY_ANNOTATION } from '../requests.js';
import type { Plan } from './types.js';

// The only writer of status.backoff: the crash-loop and image-pull delays, and when they end.
// Every schedule is computed from status, so a restarted controller carries on.

/** A new start that owes nothing to the past (a spec change, a restart request, a move to another Node). */
export function resetBackoff(status: TaskStatus): void {
  status.backoff = undefined;
}

/** The container runs: no restart is scheduled any more (the count stays for the window). */
export function backoffRunning(status: TaskStatus): void {
  if (status.backoff?.nextRestartAt) status.backoff = { ...status.backoff, nextRestartAt: undefined };
}

/** The Task finished: nothing is scheduled. */
export function backoffFinished(status: TaskStatus): void {
  status.backoff = status.backoff ? { ...status.backoff, nextRestartAt: undefined } : undefined;
}

/** Counts a crash that will be restarted; says whether the restart limit is exceeded and the delay. */
export function backoffAfterExit(
  ctx: PlanContext,
  exit: { exitCode: number; startedAt?: string; finishedAt?: string },
): { decision: ExitDecision; settings: BackoffSettings } {
  const settings = resolveBackoff(ctx.spec.backoff);
  const decision = onContainerExit(ctx.status.backoff, exit, settings, ctx.now);
  ctx.status.backoff = decision.backoff;
  return { decision, settings };
}

/** Milliseconds until the scheduled restart (0 when due or none). */
export function backoffLeftMs(ctx: PlanContext): number {
  return remainingMs(ctx.status.backoff, ctx.now);
}

/**
 * Step: waiting in backoff (a crash loop or failed image pulls). The next look is when the wait
 * ends, or, for a crash loop's pre-created container, when its start is due (plan/start-lead.ts).
 */
export function backoffWait(ctx: PlanContext): Plan | undefined {
  if (BACKOFF_REASONS.has(ctx.status.state?.waiting?.reason ?? '') && backoffLeftMs(ctx) > 0) return finish(ctx, untilStartMs(ctx));
  return undefined;
}

/**
 * Status after a failed image pull: ErrImagePull first, then ImagePullBackOff, on the crash-loop
 * delays. `fresh`: the failure begins a new wait (it follows a retry or a spec change that ended
 * the stored one), so the count starts over.
 */
export function imagePullFailed(task: Task, message: string, now: Date, fresh = false): { status: TaskStatus; delayMs: number } {
  const status: TaskStatus = structuredClone(task.status ?? {});
  const settings = resolveBackoff(task.spec.backoff);
  const pulling = !fresh && (status.state?.waiting?.reason === 'ErrImagePull' || status.state?.waiting?.reason === 'ImagePullBackOff');
  const n = pulling && status.backoff ? status.backoff.restarts + 1 : 1;
  const delaySeconds = delayFor(n, settings);
  const nextRestartAt = new Date(now.getTime() + delaySeconds * 1000).toISOString();
  const reason = pulling ? 'ImagePullBackOff' : 'ErrImagePull';
  status.observedGeneration = task.metadata.generation;
  status.state = { waiting: { reason, message } };
  status.backoff = { ...(status.backoff ?? {}), restarts: n, delaySeconds, nextRestartAt };
  status.ready = false;
  status.conditions = setCondition(status.conditions, { type: 'BackOff', status: 'True', reason: 'ImagePullBackOff', message: `back-off ${delaySeconds}s pulling image ${task.spec.image}; next attempt at ${nextRestartAt}`, observedGeneration: task.metadata.generation }, now);
  status.conditions = setCondition(status.conditions, { type: 'Ready', status: 'False', reason, message, observedGeneration: task.metadata.generation }, now);
  return { status, delayMs: delaySeconds * 1000 };
}

/** Step: a failed pull given as input decides alone (the stored status, moved on; see PlanInput.pullFailure). */
export function pullFailed(ctx: PlanContext): Plan | undefined {
  const message = ctx.input.pullFailure;
  if (message === undefined) return undefined;
  // Planned from the stored status: when that still shows the wait a retry (or a spec change)
  // ended — the failure came back within the reconcile that began the new pull — the count
  // starts over, as it does when the reset status was stored first.
  const failed = imagePullFailed(ctx.task, message, ctx.now, waitOutdated(ctx) !== undefined);
  const reason = failed.status.state?.waiting?.reason ?? 'ErrImagePull';
  return { actions: [], status: failed.status, events: [{ type: 'Warning', reason, message }], requeueAfterMs: failed.delayMs };
}

/** Why a containerless wait is over before its time: the spec changed, or a retry/restart was asked for since it began. */
export function waitOutdated(ctx: PlanContext): { reason: string; message: string } | undefined {
  const { status, task } = ctx;
  const waitedFor = status.conditions?.find((c) => c.type === 'BackOff' && c.status === 'True')?.observedGeneration;
  const generation = task.metadata.generation;
  if (waitedFor !== undefined && generation !== undefined && waitedFor < generation) {
    return { reason: 'SpecChanged', message: `the spec changed during the back-off (generation ${waitedFor} → ${generation}): trying again now` };
  }
  // With no container to carry a request's label (requests.ts), a request counts when it is newer
  // than the failure that began the wait; the next failure is newer than it, so it counts once.
  const began = Date.parse(status.backoff?.nextRestartAt ?? '') - (status.backoff?.delaySeconds ?? 0) * 1000;
  for (const [annotation, reason] of [[RETRY_ANNOTATION, 'RetryRequested'], [RESTART_ANNOTATION, 'RestartRequested']] as const) {
    const at = task.metadata.annotations?.[annotation];
    if (at && Date.parse(at) > began) return { reason, message: `${reason === 'RetryRequested' ? 'retry' : 'restart'} requested (${annotation}=${at}): trying again now, backoff reset` };
  }
  return undefined;
}
