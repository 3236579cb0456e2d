import { timingSafeEqual } from 'node:crypto';
import type { Handler, RequestContext, UserInfo } from './request-context.js';
import { ApiError } from './status.js';

// The filter chain in front of every handler, in kube-apiserver's order (DefaultBuildHandlerChain):
// authentication, then authorization, then admission, then the handler. A filter passes the
// request on with next(ctx) or ends it (by throwing an ApiError); RBAC and rate limits join here
// as filters, without touching the handlers.

export type Filter = (ctx: RequestContext, next: Handler) => Promise<void>;

/** The handler behind the filters, the first filter outermost. */
export function buildChain(filters: readonly Filter[], handler: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => (ctx) => filter(ctx, next), handler);
}

const ANONYMOUS: UserInfo = { authenticated: false };
const TOKEN_USER: UserInfo = { authenticated: true };

/** Bearer tokens compared in constant time; a request without a valid one is anonymous. */
export function authentication(tokens: readonly string[], disabled: boolean): Filter {
  const tokenBufs = tokens.map((t) => Buffer.from(t));
  const valid = (h: string | undefined): boolean => {
    if (!h || !/^bearer /i.test(h)) return false;
    const got = Buffer.from(h.slice(7).trim());
    return tokenBufs.some((b) => b.length === got.length && timingSafeEqual(b, got));
  };
  return async (ctx, next) => {
    ctx.user = disabled || valid(ctx.req.headers.authorization) ? TOKEN_USER : ANONYMOUS;
    return next(ctx);
  };
}

// Like kube-apiserver's default RBAC: version and health are public; /metrics is not.
const PUBLIC = /^\/(version|(healthz|livez|readyz)(\/[^/]+)?)$/;

/**
 * Any authenticated user may do anything; the anonymous user only reads the public paths. The
 * refusal is 401 (okube has no identities to forbid yet), the body left unread.
 */
export const authorization: Filter = async (ctx, next) => {
  if (!ctx.user?.authenticated && !(PUBLIC.test(ctx.parsed.path) && ctx.method === 'GET')) {
    ctx.req.resume();
    throw new ApiError('Unauthorized', 'Unauthorized');
  }
  return next(ctx);
};

/**
 * Request-level admission: nothing to judge yet. Object admission (defaults, validation) runs per
 * write inside ResourceService, where kube-apiserver's REST handlers run theirs; this slot is for
 * checks on the whole request (rate limits, quotas).
 */
export const admission: Filter = async (ctx, next) => next(ctx);

/** The API server's filters, in kube-apiserver's order: authentication, authorization, admission. */
export function defaultFilters(tokens: readonly string[], authDisabled: boolean): Filter[] {
  return [authentication(tokens, authDisabled), authorization, admission];
}
