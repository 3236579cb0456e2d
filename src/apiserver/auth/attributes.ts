import type { ParsedRequest } from '../request-info.js';
import { ApiError } from '../status.js';
import type { Attributes } from './rbac.js';
import type { UserInfo } from './user.js';

// A request in the authorizer's terms (kube's RequestInfo → authorizer.Attributes): the
// lower-case RBAC verb (get, list, watch, create, update, patch, delete, deletecollection, or the
// HTTP method of a non-resource path), and the forbidden answer worded as kube-apiserver words it.

export function authorizerVerb(parsed: ParsedRequest, method: string): string {
  const info = parsed.info;
  const m = method.toUpperCase();
  if (!info.resource) return m === 'HEAD' ? 'get' : m.toLowerCase();
  // As kube-apiserver (AuthorizePodWebsocketUpgradeCreatePermission): an exec runs something, so a
  // WebSocket's GET needs create, as a POST does.
  if (info.subresource === 'exec') return 'create';
  switch (info.verb) {
    case 'GET':
      return 'get';
    case 'LIST':
      return 'list';
    case 'WATCH':
      return 'watch';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
    case 'APPLY':
      return 'patch';
    case 'DELETE':
      return info.name ? 'delete' : 'deletecollection';
    default:
      return info.verb.toLowerCase();
  }
}

export function requestAttributes(user: UserInfo, parsed: ParsedRequest, method: string): Attributes {
  const info = parsed.info;
  const resourceRequest = info.resource !== '';
  return {
    user,
    verb: authorizerVerb(parsed, method),
    resourceRequest,
    apiGroup: info.group,
    resource: info.resource,
    subresource: info.subresource,
    // A namespace is addressed also by itself (GET /api/v1/namespaces/x): its name is the namespace.
    namespace: info.namespace ?? (resourceRequest && info.group === '' && info.resource === 'namespaces' && info.name ? info.name : ''),
    name: info.name ?? '',
    path: parsed.path,
  };
}

/** kube-apiserver's reason text (authorization.go forbiddenMessage). */
export function forbiddenReason(a: Attributes): string {
  if (!a.resourceRequest) return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} path ${JSON.stringify(a.path)}`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : 'at the cluster scope';
  return `User ${JSON.stringify(a.user.name)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${where}`;
}

/** The 403 Status: `<resource>.<group> "<name>" is forbidden: <reason>` (errors.NewForbidden). */
export function forbidden(a: Attributes, reason = forbiddenReason(a)): ApiError {
  if (!a.resourceRequest) return new ApiError('Forbidden', `forbidden: ${reason}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const msg = a.name ? `${qualified} ${JSON.stringify(a.name)} is forbidden: ${reason}` : `${qualified} is forbidden: ${reason}`;
  return new ApiError('Forbidden', msg, { ...(a.name ? { name: a.name } : {}), group: a.apiGroup, kind: a.resource });
}
