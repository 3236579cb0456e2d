import type { Handler, RequestContext } from '../request-context.js';
import { ApiError } from '../status.js';
import { isMaster } from './user.js';

// Per-user limits on concurrent requests and open watches, in the spirit of API Priority and
// Fairness: one user (one token, one certificate) cannot take the whole server. Beyond a limit
// the answer is 429 TooManyRequests with Retry-After, as kube-apiserver's. system:masters (okube's
// own admin credential, what the controllers use) is exempt, as APF's exempt priority level is; the
// anonymous user never gets here beyond the public paths (authorization answers 401 first).

export interface UserLimits {
  /** Requests other than long-running ones a user may have in flight at once (default 100). */
  maxRequestsInFlight?: number;
  /** Long-running requests a user may have open at once: watches, execs, log reads (default 200). */
  maxWatches?: number;
}

// kube-apiserver's long-running requests (its LongRunningRequestCheck): held open for as long as
// the client wants, so they count apart from the in-flight limit, or a few `okube logs -f` and
// `okube exec` sessions would leave a user no slot for an ordinary request.
const LONG_RUNNING_SUBRESOURCES = new Set(['exec', 'log']);

export const DEFAULT_USER_LIMITS: Required<UserLimits> = { maxRequestsInFlight: 100, maxWatches: 200 };

export function perUserLimits(limits: UserLimits = {}): (ctx: RequestContext, next: Handler) => Promise<void> {
  const max = { ...DEFAULT_USER_LIMITS, ...limits };
  const inFlight = new Map<string, number>();
  const watches = new Map<string, number>();
  return async (ctx, next) => {
    const user = ctx.user;
    if (!user?.authenticated || isMaster(user)) return next(ctx);
    const watch = ctx.parsed.info.verb === 'WATCH';
    const longRunning = watch || LONG_RUNNING_SUBRESOURCES.has(ctx.parsed.info.subresource ?? '');
    const table = longRunning ? watches : inFlight;
    const limit = longRunning ? max.maxWatches : max.maxRequestsInFlight;
    const n = table.get(user.name) ?? 0;
    if (n >= limit) {
      ctx.req.resume();
      ctx.res.setHeader('Retry-After', '1');
      const open = watch ? 'watches' : 'watches, execs and log reads';
      throw new ApiError('TooManyRequests', longRunning ? `Too many requests, please try again later: user ${JSON.stringify(user.name)} has ${n} ${open} open (limit ${limit})` : 'Too many requests, please try again later.', { retryAfterSeconds: 1 });
    }
    table.set(user.name, n + 1);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (table.get(user.name) ?? 1) - 1;
      if (left <= 0) table.delete(user.name);
      else table.set(user.name, left);
    };
    // A watch's handler returns once the stream is set up; the slot is held until it closes.
    ctx.res.once('close', release);
    try {
      await next(ctx);
    } finally {
      if (!longRunning || ctx.res.writableEnded || ctx.res.destroyed) release();
    }
  };
}
