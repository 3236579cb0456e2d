import type { IncomingMessage } from 'node:http';
import type { Handler, RequestContext } from './request-context.js';
import { ApiError, badRequest } from './status.js';
import { forbidden, requestAttributes } from './auth/attributes.js';
import type { Authenticator } from './auth/authenticator.js';
import type { Authorizer } from './auth/authorizer.js';
import type { Attributes } from './auth/rbac.js';
import { ANONYMOUS, AUTHENTICATED, parseServiceAccountUserName, serviceAccountGroups, type UserInfo } from './auth/user.js';
import { perUserLimits, type UserLimits } from './auth/limits.js';

// The filter chain in front of every handler, in kube-apiserver's order (DefaultBuildHandlerChain):
// authentication, impersonation, authorization, then admission, then the handler. A filter
// passes the request on with next(ctx) or ends it (by throwing an ApiError).

export type Filter = (ctx: RequestContext, next: Handler) => Promise<void>;

/** The handler behind the filters, the first filter outermost. */
export function buildChain(filters: readonly Filter[], handler: Handler): Handler {
  return filters.reduceRight<Handler>((next, filter) => (ctx) => filter(ctx, next), handler);
}

/** Sets ctx.user: the authenticated user, or the anonymous one. */
export function authentication(authn: Authenticator): Filter {
  return async (ctx, next) => {
    ctx.user = (await authn.authenticate(ctx.req)) ?? ANONYMOUS;
    return next(ctx);
  };
}

// Like kube-apiserver's default RBAC: version and health are public; /metrics is not.
const PUBLIC = /^\/(version|(healthz|livez|readyz)(\/[^/]+)?)$/;

function headerValues(req: IncomingMessage, name: string): string[] {
  const v = req.headersDistinct?.[name] ?? (req.headers[name] === undefined ? [] : [String(req.headers[name])]);
  return v.map((x) => x.trim()).filter((x) => x !== '');
}

const IMPERSONATE_EXTRA = 'impersonate-extra-';

/**
 * Impersonate-User / -Group / -Uid / -Extra-* (kube's WithImpersonation): the caller needs the
 * `impersonate` verb on each users/groups/uids/userextras value; then the request acts as that
 * user (plus system:authenticated). Groups, uid or extras without a user are a 400.
 */
export function impersonation(authz: Authorizer): Filter {
  return async (ctx, next) => {
    const req = ctx.req;
    const users = headerValues(req, 'impersonate-user');
    const groups = headerValues(req, 'impersonate-group');
    const uids = headerValues(req, 'impersonate-uid');
    const extraKeys = Object.keys(req.headers).filter((h) => h.startsWith(IMPERSONATE_EXTRA));
    if (!users.length && !groups.length && !uids.length && !extraKeys.length) return next(ctx);
    if (users.length !== 1) throw badRequest(users.length ? 'only one Impersonate-User header may be given' : 'requested impersonation of groups, uid or extras without impersonating a user');
    if (uids.length > 1) throw badRequest('only one Impersonate-Uid header may be given');
    const caller = ctx.user ?? ANONYMOUS;
    if (!caller.authenticated) throw new ApiError('Unauthorized', 'Unauthorized');
    const check = async (resource: string, apiGroup: string, name: string, subresource = '') => {
      const a: Attributes = { user: caller, verb: 'impersonate', resourceRequest: true, apiGroup, resource, subresource, namespace: '', name, path: ctx.parsed.path };
      if (!(await authz.authorize(a))) {
        ctx.req.resume();
        throw forbidden(a);
      }
    };
    const sa = parseServiceAccountUserName(users[0]);
    if (sa) {
      const a: Attributes = { user: caller, verb: 'impersonate', resourceRequest: true, apiGroup: '', resource: 'serviceaccounts', subresource: '', namespace: sa.namespace, name: sa.name, path: ctx.parsed.path };
      if (!(await authz.authorize(a))) {
        ctx.req.resume();
        throw forbidden(a);
      }
    } else await check('users', '', users[0]);
    for (const g of groups) await check('groups', '', g);
    for (const u of uids) await check('uids', 'authentication.k8s.io', u);
    const extra: Record<string, string[]> = {};
    for (const h of extraKeys) {
      let key: string;
      try {
        key = decodeURIComponent(h.slice(IMPERSONATE_EXTRA.length));
      } catch {
        throw badRequest(`invalid Impersonate-Extra header name: ${JSON.stringify(h)}`);
      }
      const values = headerValues(req, h);
      for (const v of values) await check('userextras', 'authentication.k8s.io', v, key);
      Object.defineProperty(extra, key, { value: values, enumerable: true, writable: true, configurable: true });
    }
    const anonymous = users[0] === 'system:anonymous';
    // As kube: a ServiceAccount impersonated without groups gets the groups its token would give.
    const implied = sa && groups.length === 0 ? serviceAccountGroups(sa.namespace) : [];
    const user: UserInfo = {
      authenticated: !anonymous,
      name: users[0],
      groups: [...new Set([...groups, ...implied, ...(anonymous ? [] : [AUTHENTICATED])])],
      ...(uids[0] ? { uid: uids[0] } : {}),
      ...(extraKeys.length ? { extra } : {}),
    };
    ctx.impersonatedBy = caller;
    ctx.user = user;
    return next(ctx);
  };
}

/**
 * The anonymous user reads only the public paths (401 otherwise, the body left unread); any
 * other request needs the authorizer's yes (403 in kube-apiserver's words otherwise). Writes of
 * RBAC objects get the escalation check on the object as it will be stored.
 */
export function authorization(authz: Authorizer): Filter {
  return async (ctx, next) => {
    const user = ctx.user ?? ANONYMOUS;
    const publicPath = PUBLIC.test(ctx.parsed.path) && (ctx.method === 'GET' || ctx.method === 'HEAD');
    if (publicPath) return next(ctx);
    if (!user.authenticated) {
      ctx.req.resume();
      throw new ApiError('Unauthorized', 'Unauthorized');
    }
    const a = requestAttributes(user, ctx.parsed, ctx.method);
    if (!(await authz.authorize(a))) {
      ctx.req.resume();
      throw forbidden(a);
    }
    ctx.authorizer = authz;
    if (a.resourceRequest && a.apiGroup === 'rbac.authorization.k8s.io' && !a.subresource) {
      ctx.admitObject = (kind, obj) => authz.checkRbacWrite(user, kind, obj);
    }
    return next(ctx);
  };
}

/**
 * Request-level admission: nothing to judge yet. Object admission (defaults, validation) runs per
 * write inside ResourceService, where kube-apiserver's REST handlers run theirs; this slot is for
 * checks on the whole request (rate limits, quotas).
 */
export const admission: Filter = async (ctx, next) => next(ctx);

export interface AuthSetup {
  authenticator: Authenticator;
  authorizer: Authorizer;
  limits?: UserLimits;
}

/**
 * The API server's filters, in kube-apiserver's order: authentication, impersonation, the
 * per-user limits (where APF runs), authorization, admission.
 */
export function defaultFilters(auth: AuthSetup): Filter[] {
  return [authentication(auth.authenticator), impersonation(auth.authorizer), perUserLimits(auth.limits), authorization(auth.authorizer), admission];
}
