import { builtinDefs, loadCrds } from '../../src/apiserver/schema/index.js';
import { Registry } from '../../src/apiserver/registry.js';
import { parsePath } from '../../src/apiserver/routing.js';
import { CRD_DIR } from '../../src/standalone/standalone.js';

// What Kubernetes' authorizer would ask RBAC about one HTTP request (its RequestInfo: verb,
// apiGroup, resource[/subresource]), and whether a role's rules allow it. Pure apart from
// loading the resource definitions that say which plurals are namespaced.

export interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export type RbacRequest =
  | { kind: 'resource'; verb: string; apiGroup: string; resource: string; namespace?: string; name?: string }
  | { kind: 'nonResource'; verb: string; path: string };

let registry: Registry | undefined;
const lookup = (g: string, v: string, p: string) => (registry ??= new Registry([...builtinDefs(), ...loadCrds(CRD_DIR)])).lookup(g, v, p)?.def;

/** Kubernetes' verb mapping: GET of a collection is list, ?watch is watch, DELETE of a collection is deletecollection. */
export function rbacRequest(method: string, url: string): RbacRequest {
  const u = new URL(url, 'http://x');
  const m = method.toUpperCase();
  const route = parsePath(u.pathname, lookup);
  if (route.kind !== 'resource') return { kind: 'nonResource', verb: m.toLowerCase(), path: u.pathname };
  const r = route.res;
  const watch = r.watch || ['true', '1'].includes(u.searchParams.get('watch') ?? '');
  const named = r.name !== undefined;
  const verb =
    m === 'GET' || m === 'HEAD' ? (watch ? 'watch' : named ? 'get' : 'list')
    : m === 'POST' ? 'create'
    : m === 'PUT' ? 'update'
    : m === 'PATCH' ? 'patch'
    : m === 'DELETE' ? (named ? 'delete' : 'deletecollection')
    : m.toLowerCase();
  return { kind: 'resource', verb, apiGroup: r.group, resource: r.subresource ? `${r.plural}/${r.subresource}` : r.plural, namespace: r.namespace, name: r.name };
}

export function describeRequest(r: RbacRequest): string {
  return r.kind === 'resource' ? `${r.verb} ${r.apiGroup || 'core'}/${r.resource}` : `${r.verb} ${r.path}`;
}

/** RBAC's rule matching (no wildcards are granted by okube's chart, but they are honoured). */
export function allowed(rules: RbacRule[], r: RbacRequest): boolean {
  const has = (list: string[] | undefined, v: string) => !!list && (list.includes(v) || list.includes('*'));
  return rules.some((rule) => {
    if (!has(rule.verbs, r.verb)) return false;
    if (r.kind === 'nonResource') return has(rule.nonResourceURLs, r.path);
    if (!has(rule.apiGroups, r.apiGroup) || !has(rule.resources, r.resource)) return false;
    return !rule.resourceNames?.length || (!!r.name && rule.resourceNames.includes(r.name));
  });
}
