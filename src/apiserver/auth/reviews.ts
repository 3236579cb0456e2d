import { isDeepStrictEqual } from 'node:util';
import { methodNotAllowed, type Handler, type RequestContext } from '../request-context.js';
import { decodeObject, mediaType, readBody, sendJson } from '../http.js';
import { decodeProtobufObject, PROTOBUF_MEDIA_TYPE } from '../protobuf.js';
import { isPlainObject } from '../objects.js';
import { ApiError, badRequest } from '../status.js';
import type { Authorizer } from './authorizer.js';
import type { Attributes, PolicyRule } from './rbac.js';
import { ANONYMOUS, isMaster } from './user.js';

// authorization.k8s.io/v1 SelfSubjectAccessReview and SelfSubjectRulesReview: what `kubectl auth
// can-i` and `kubectl auth can-i --list` ask; authentication.k8s.io/v1 SelfSubjectReview: what
// `kubectl auth whoami` asks. Nothing is stored; the answer is the request's own user (after
// impersonation) judged by the same authorizer as every request (a fresh read of RBAC included),
// so the answer matches what the request would get.

const GROUP = 'authorization.k8s.io';
const AUTHN_GROUP = 'authentication.k8s.io';

const MASTER_RULES: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

async function accessReview(ctx: RequestContext, authz: Authorizer, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const ra = isPlainObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nra = isPlainObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (!ra === !nra) throw new ApiError('Invalid', 'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: exactly one of nonResourceAttributes or resourceAttributes must be specified', { group: GROUP, kind: 'SelfSubjectAccessReview', causes: [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: 'exactly one of nonResourceAttributes or resourceAttributes must be specified' }] });
  const user = ctx.user ?? ANONYMOUS;
  const a: Attributes = ra
    ? { user, verb: str(ra.verb), resourceRequest: true, apiGroup: str(ra.group), resource: str(ra.resource), subresource: str(ra.subresource), namespace: str(ra.namespace), name: str(ra.name), path: '' }
    : { user, verb: str(nra!.verb), resourceRequest: false, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: str(nra!.path) };
  const ok = await authz.authorize(a);
  const status: Record<string, unknown> = { allowed: ok };
  if (ok) status.reason = isMaster(user) ? 'allowed by the system:masters group' : 'RBAC: allowed';
  return { kind: 'SelfSubjectAccessReview', apiVersion: `${GROUP}/v1`, metadata: { creationTimestamp: null }, spec, status };
}

function rulesReview(ctx: RequestContext, authz: Authorizer, body: Record<string, unknown>): Record<string, unknown> {
  const spec = isPlainObject(body.spec) ? body.spec : {};
  const ns = str(spec.namespace);
  const user = ctx.user ?? ANONYMOUS;
  const rules: PolicyRule[] = authz.rulesFor(user, ns);
  // system:masters may do everything even without RBAC (the privileged-group authorizer); its
  // rules are listed when RBAC does not list them already (the cluster-admin binding does).
  if (isMaster(user)) rules.unshift(...MASTER_RULES.filter((m) => !rules.some((r) => isDeepStrictEqual(r, m))));
  const resourceRules = rules.filter((r) => r.resources?.length).map((r) => ({ verbs: r.verbs, apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) }));
  const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs ?? [] }));
  return { kind: 'SelfSubjectRulesReview', apiVersion: `${GROUP}/v1`, metadata: { creationTimestamp: null }, spec, status: { resourceRules, nonResourceRules, incomplete: false } };
}

/** The user as kube-apiserver reports it (authentication.k8s.io/v1 UserInfo). */
function selfReview(ctx: RequestContext): Record<string, unknown> {
  const user = ctx.user ?? ANONYMOUS;
  const userInfo = { username: user.name, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra && Object.keys(user.extra).length ? { extra: user.extra } : {}) };
  return { kind: 'SelfSubjectReview', apiVersion: `${AUTHN_GROUP}/v1`, metadata: { creationTimestamp: null }, status: { userInfo } };
}

type Answer = (ctx: RequestContext, authz: Authorizer, body: Record<string, unknown>) => Record<string, unknown> | Promise<Record<string, unknown>>;

const REVIEWS: Record<string, { group: string; kind: string; answer: Answer }> = {
  selfsubjectaccessreviews: { group: GROUP, kind: 'SelfSubjectAccessReview', answer: accessReview },
  selfsubjectrulesreviews: { group: GROUP, kind: 'SelfSubjectRulesReview', answer: rulesReview },
  selfsubjectreviews: { group: AUTHN_GROUP, kind: 'SelfSubjectReview', answer: selfReview },
};

/** Serves the three review resources; every other request goes on to `next`. */
export function reviewHandler(maxBody: number, next: Handler): Handler {
  return async (ctx) => {
    const route = ctx.parsed.route;
    const review = route.kind === 'resource' && Object.hasOwn(REVIEWS, route.res.plural) ? REVIEWS[route.res.plural] : undefined;
    if (route.kind !== 'resource' || !review || route.res.group !== review.group) return next(ctx);
    if (ctx.method !== 'POST' || route.res.name !== undefined) throw methodNotAllowed(ctx.method);
    const authz = ctx.authorizer;
    if (!authz) throw badRequest('no authorizer');
    const raw = await readBody(ctx.req, maxBody);
    const ct = ctx.req.headers['content-type'];
    // kubectl auth can-i and whoami post protobuf (their typed clients); other clients JSON or YAML.
    const body = mediaType(ct) === PROTOBUF_MEDIA_TYPE ? decodeProtobufObject(raw) : decodeObject(raw, ct, review.kind);
    sendJson(ctx.res, 201, await review.answer(ctx, authz, body));
  };
}
