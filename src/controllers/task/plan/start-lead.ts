import { remainingMs } from '../../../backoff/index.js';
import type { PlanContext } from './context.js';

// The start lead of a crash loop's pre-created container (plan/next.ts): its start is called
// this long before status.backoff.nextRestartAt, so that the engine's own start time (input
// startLatencyMs, learned per Node: ../start-latency.ts) ends at the promised time instead of
// after it. nextRestartAt stays the promise: when the process is to run. Bounds:
// - at most MAX_START_LEAD_MS, whatever the engine's latency (a busy host must not make a
//   restart begin absurdly early);
// - at most MAX_LEAD_SHARE of the current backoff delay: the lead moves the start call, not the
//   process start (which stays at nextRestartAt), so most of a short delay may be lead; a tenth of
//   it is kept between the exit and the next start call, for the pre-create to finish.
// - none without an estimate (too few starts seen on the Node) or for a container not made yet.

export const MAX_START_LEAD_MS = 1000;
/** The largest share of the backoff delay that may be lead. */
export const MAX_LEAD_SHARE = 0.9;

/** How many ms before nextRestartAt the start of a pre-created container is called. */
export function startLeadMs(latencyMs: number | undefined, delaySeconds: number | undefined): number {
  if (latencyMs === undefined || !(latencyMs > 0) || !(delaySeconds !== undefined && delaySeconds > 0)) return 0;
  return Math.round(Math.min(latencyMs, MAX_START_LEAD_MS, delaySeconds * 1000 * MAX_LEAD_SHARE));
}

/** The lead that applies to this plan's crash-loop wait. */
export function planStartLead(ctx: PlanContext): number {
  return startLeadMs(ctx.input.startLatencyMs, ctx.status.backoff?.delaySeconds);
}

/** The next container is made (or is being made by this plan): its start, not nextRestartAt, ends the wait. */
function nextMade(ctx: PlanContext): boolean {
  return ctx.next !== undefined || ctx.actions.some((a) => a.kind === 'precreate');
}

/** Ms until the start of the next container is due: nextRestartAt less the lead when it is made. */
export function untilStartMs(ctx: PlanContext): number {
  const left = remainingMs(ctx.status.backoff, ctx.now);
  return nextMade(ctx) ? Math.max(0, left - planStartLead(ctx)) : left;
}
