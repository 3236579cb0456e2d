import { deepEqual } from '../objects.js';
import { serviceAccountUserName, type UserInfo } from './user.js';

// Kubernetes RBAC, evaluated as kube-apiserver's RBAC authorizer does (plugin/pkg/auth/authorizer/
// rbac): a request is allowed when some rule of a role bound to the user allows it; nothing
// denies. ClusterRoleBindings grant everywhere; RoleBindings grant in their namespace (a
// RoleBinding to a ClusterRole grants that ClusterRole's rules in the namespace only). A
// ClusterRole with an aggregationRule has, besides its own rules, those of every ClusterRole whose
// labels match one of its selectors (what kube's clusterrole-aggregation controller writes). Also
// the escalation check (Covers): a rule set is covered by another when every single permission it
// grants is granted by the other. Pure: the caller supplies a snapshot of the RBAC objects.

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject { kind: string; name: string; namespace?: string; apiGroup?: string }
export interface RoleRef { apiGroup?: string; kind: string; name: string }

export interface RoleObj {
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: Array<{ matchLabels?: Record<string, string> }> } | null;
}

export interface BindingObj {
  metadata: { name: string; namespace?: string };
  subjects?: Subject[] | null;
  roleRef: RoleRef;
}

export interface RbacSnapshot {
  /** namespace/name → Role */
  roles: ReadonlyMap<string, RoleObj>;
  clusterRoles: ReadonlyMap<string, RoleObj>;
  /** namespace → its RoleBindings */
  roleBindings: ReadonlyMap<string, readonly BindingObj[]>;
  clusterRoleBindings: readonly BindingObj[];
}

/** What a request asks to do (authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

const has = (list: readonly string[] | undefined, v: string): boolean => !!list && (list.includes('*') || list.includes(v));

export function ruleAllows(rule: PolicyRule, a: Omit<Attributes, 'user'>): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return (rule.nonResourceURLs ?? []).some((u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))));
  if (!has(rule.apiGroups, a.apiGroup)) return false;
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resOk = (rule.resources ?? []).some((r) => r === '*' || r === combined || (a.subresource !== '' && r === `*/${a.subresource}`));
  if (!resOk) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

export function subjectMatches(s: Subject, user: UserInfo, bindingNamespace: string | undefined): boolean {
  switch (s.kind) {
    case 'User':
      return user.name === s.name;
    case 'Group':
      return user.groups.includes(s.name);
    case 'ServiceAccount':
      return user.name === serviceAccountUserName(s.namespace || bindingNamespace || '', s.name);
    default:
      return false;
  }
}

function labelsMatch(labels: Record<string, string> | undefined, want: Record<string, string> | undefined): boolean {
  if (!want || Object.keys(want).length === 0) return false;
  return Object.entries(want).every(([k, v]) => labels !== undefined && Object.hasOwn(labels, k) && labels[k] === v);
}

/** A ClusterRole's rules with those it aggregates (recursively, each role once; each distinct rule once). */
export function clusterRoleRules(snap: RbacSnapshot, name: string, seen = new Set<string>()): PolicyRule[] {
  if (seen.has(name)) return [];
  seen.add(name);
  const role = snap.clusterRoles.get(name);
  if (!role) return [];
  if (!role.aggregationRule?.clusterRoleSelectors?.length) return [...(role.rules ?? [])];
  // Its stored rules are what the aggregation controller last wrote (role-aggregator.ts); the
  // members' current rules are added so a new member grants at once, before that write.
  const rules: PolicyRule[] = [];
  for (const r of role.rules ?? []) addDistinct(rules, r);
  for (const member of aggregationMembers(snap, role)) for (const r of clusterRoleRules(snap, member.metadata.name, seen)) addDistinct(rules, r);
  return rules;
}

/** The other ClusterRoles one of an aggregated role's selectors matches, in name order. */
function aggregationMembers(snap: RbacSnapshot, role: RoleObj): RoleObj[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
  return [...snap.clusterRoles.values()]
    .filter((other) => other.metadata.name !== role.metadata.name && selectors.some((sel) => labelsMatch(other.metadata.labels, sel.matchLabels)))
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
}

/**
 * What kube's clusterrole-aggregation controller writes into an aggregated ClusterRole's rules:
 * the stored rules of its members, in name order, each distinct rule once (a member that is
 * itself aggregated contributes what was written into it, so nested roles converge write by write).
 */
export function aggregatedRules(snap: RbacSnapshot, role: RoleObj): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const member of aggregationMembers(snap, role)) for (const r of member.rules ?? []) addDistinct(rules, r);
  return rules;
}

function addDistinct(rules: PolicyRule[], rule: PolicyRule): void {
  if (!rules.some((r) => deepEqual(r, rule))) rules.push(rule);
}

function refRules(snap: RbacSnapshot, ref: RoleRef, namespace: string | undefined): PolicyRule[] {
  if (ref.kind === 'ClusterRole') return clusterRoleRules(snap, ref.name);
  if (ref.kind === 'Role' && namespace !== undefined) return [...(snap.roles.get(`${namespace}/${ref.name}`)?.rules ?? [])];
  return [];
}

/** Every rule that applies to the user in `namespace` ('' = cluster-wide rules only). */
export function rulesFor(snap: RbacSnapshot, user: UserInfo, namespace: string): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const b of snap.clusterRoleBindings) if ((b.subjects ?? []).some((s) => subjectMatches(s, user, undefined))) out.push(...refRules(snap, b.roleRef, undefined));
  if (namespace) for (const b of snap.roleBindings.get(namespace) ?? []) if ((b.subjects ?? []).some((s) => subjectMatches(s, user, namespace))) out.push(...refRules(snap, b.roleRef, namespace));
  return out;
}

export function allowed(snap: RbacSnapshot, a: Attributes): boolean {
  return rulesFor(snap, a.user, a.namespace).some((r) => ruleAllows(r, a));
}

/** True when every permission `servant` grants is granted by `owner` (kube's validation.Covers). */
export function covers(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): boolean {
  return uncovered(owner, servant).length === 0;
}

/** The servant's rules, broken into single permissions, that the owner does not grant. */
export function uncovered(owner: readonly PolicyRule[], servant: readonly PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of servant) {
    for (const verb of rule.verbs ?? []) {
      for (const url of rule.nonResourceURLs ?? []) {
        const ok = owner.some((o) => has(o.verbs, verb) && (o.nonResourceURLs ?? []).some((ou) => ou === '*' || ou === url || (ou.endsWith('*') && url.startsWith(ou.slice(0, -1)))));
        if (!ok) missing.push({ verbs: [verb], nonResourceURLs: [url] });
      }
      for (const group of rule.apiGroups ?? []) {
        for (const res of rule.resources ?? []) {
          const names = rule.resourceNames?.length ? rule.resourceNames : [undefined];
          for (const name of names) {
            const ok = owner.some((o) => {
              if (!has(o.verbs, verb) || !has(o.apiGroups, group)) return false;
              const sub = res.includes('/') ? res.slice(res.indexOf('/') + 1) : '';
              const resOk = (o.resources ?? []).some((or) => or === '*' || or === res || (sub !== '' && or === `*/${sub}`));
              if (!resOk) return false;
              const on = o.resourceNames ?? [];
              return on.length === 0 || (name !== undefined && on.includes(name));
            });
            if (!ok) missing.push({ verbs: [verb], apiGroups: [group], resources: [res], ...(name !== undefined ? { resourceNames: [name] } : {}) });
          }
        }
      }
    }
  }
  return missing;
}
