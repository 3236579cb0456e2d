import { LABELS } from '../../../api/types.js';
import { shouldRestart } from '../../../backoff/index.js';
import { specHash } from '../container-spec.js';
import { backoffLeftMs } from './backoff.js';
import { BACKOFF_REASONS, finish, restartOf, stopping, type PlanContext } from './context.js';
import { planStartLead } from './start-lead.js';
import type { Plan } from './types.js';

// Exact restarts. While a crash-looping Task waits out its backoff, its next container is created
// but not started, so that when status.backoff.nextRestartAt comes only `start` remains (create is
// most of what made restarts late). Contracts:
// - It is the next container (ctx.next), never a duplicate or an orphan: created, never started,
//   newer than the container that ran. With it the Task keeps two containers at most (it and the
//   exit just seen, for `logs --previous`), as before. Deletion removes it with the others; a controller that
//   restarts finds it in Docker and starts it when due, never before, and never makes a
//   second one (a crash before the exit's status write is recorded from the exited container).
// - Its start is due at nextRestartAt less the Node's start lead (plan/start-lead.ts: the engine's
//   learned start time, bounded), so that its process, not the start call, runs at nextRestartAt;
//   no reconcile, however early it comes, starts it before then.
// - It is made only when the create at the end of the wait could happen now: the last exit is to
//   be restarted (restartPolicy), the image is there, the configuration is resolved, nothing is
//   being stopped or pulled, the old container still matches the spec. Otherwise the end of the
//   wait creates and starts as before, with the same statuses (CreateContainerConfigError,
//   CreateContainerError, image pulls).
// - It is thrown away when what it was made from changed: the spec (a spec change then replaces
//   the exited container as before), the resolved Secret/ConfigMap values or mounts (its
//   okube.dev/config-hash label), or a configuration that no longer resolves.
// - A failed creation is nobody's business but the log's (PlanInput.precreateFailed): the end of
//   the wait creates, and reports a failure, as it always did.
// - restartCount and lastState are the exit bookkeeping's alone: making it changes neither.

/** Ends a plan that waits out a crash-loop delay: asks for the next container, when nothing stands in the way. */
export function precreateNext(ctx: PlanContext): void {
  const { current, status, input } = ctx;
  if (ctx.next || !current || current.running || current.status === 'created') return;
  if (status.state?.waiting?.reason !== 'CrashLoopBackOff' || backoffLeftMs(ctx) <= 0) return;
  const last = status.lastState?.terminated;
  if (!last || last.containerID !== current.id) return;
  if (!shouldRestart(ctx.spec.restartPolicy, last.exitCode, last.reason === 'Unhealthy' ? 'Unhealthy' : 'Exited')) return;
  if (input.imagePresent !== true || ctx.pulling || input.configError !== undefined || input.configHash === undefined) return;
  if (ctx.containers.some((c) => stopping(ctx, c))) return;
  if (current.labels[LABELS.specHash] !== specHash(ctx.task)) return;
  const restartNumber = restartOf(current) + 1;
  if (input.precreateFailed === restartNumber) return;
  // Two containers at most: the next one and the exit just seen (`logs --previous`); an older exit goes.
  ctx.actions.push({ kind: 'precreate', restartNumber, ...(ctx.previous ? { replaces: ctx.previous.id } : {}) });
}

/** Step, just before backoffWait: a wait that is to end in a restart makes the next container now. */
export function prepareNext(ctx: PlanContext): undefined {
  precreateNext(ctx);
  return undefined;
}

/** Why the next container no longer fits the Task (undefined: it does). */
export function nextOutdated(ctx: PlanContext): string | undefined {
  const { next, input } = ctx;
  if (!next) return undefined;
  if (next.labels[LABELS.specHash] !== specHash(ctx.task)) return 'the spec changed';
  if (input.configError !== undefined) return 'its configuration no longer resolves';
  if (input.configHash !== undefined && next.labels[LABELS.configHash] !== input.configHash) return 'its Secret/ConfigMap values or mounts changed';
  return undefined;
}

/** Step: an out-of-date next container goes (the later steps then decide as if it had never been made). */
export function dropOutdatedNext(ctx: PlanContext): undefined {
  if (ctx.next && nextOutdated(ctx)) {
    ctx.actions.push({ kind: 'remove', id: ctx.next.id });
    ctx.next = undefined;
  }
  return undefined;
}

/** Step: the wait is over (but for the start lead) — start the next container, the only engine call left. */
export function startNext(ctx: PlanContext): Plan | undefined {
  const { next } = ctx;
  if (!next) return undefined;
  // Still waiting: backoffWait ends the plan. A stop under way: waitForStops does.
  if (BACKOFF_REASONS.has(ctx.status.state?.waiting?.reason ?? '') && backoffLeftMs(ctx) > planStartLead(ctx)) return undefined;
  if (ctx.containers.some((c) => stopping(ctx, c))) return undefined;
  ctx.actions.push({ kind: 'start', id: next.id });
  return finish(ctx);
}
