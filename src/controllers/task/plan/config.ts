import { cond, finish, type PlanContext } from './context.js';
import { backoffLeftMs } from './backoff.js';
import type { Plan } from './types.js';

// Step: the next container cannot be made because what it needs from outside the Task (a Secret
// or ConfigMap key, a claim, a non-root user) is not there. Like the kubelet: the Task waits with
// state.waiting.reason CreateContainerConfigError and the message naming what is missing, one
// Warning Event per new message, and no container. The Secret/ConfigMap/claim watch plans it
// again as soon as the object appears; the requeue is only a safety net.

export const CONFIG_ERROR_REASON = 'CreateContainerConfigError';
export const CONFIG_RETRY_MS = 30_000;

export function configBlocked(ctx: PlanContext): Plan | undefined {
  const message = ctx.input.configError;
  if (!message) return undefined;
  const { status } = ctx;
  const before = status.state?.waiting;
  if (!status.phase || status.phase === 'Pending') status.phase = 'Scheduled';
  status.state = { waiting: { reason: CONFIG_ERROR_REASON, message } };
  status.ready = false;
  // Any backoff wait is over by now (backoffWait comes first): what the Task waits for is its
  // configuration, not a time, so NEXT RETRY must not show the past restart time.
  if (status.backoff?.nextRestartAt && backoffLeftMs(ctx) <= 0) status.backoff = { ...status.backoff, nextRestartAt: undefined };
  cond(ctx, 'Ready', 'False', CONFIG_ERROR_REASON, message);
  if (before?.reason !== CONFIG_ERROR_REASON || before.message !== message) ctx.events.push({ type: 'Warning', reason: 'Failed', message: `Error: ${message}` });
  return finish(ctx, CONFIG_RETRY_MS);
}
