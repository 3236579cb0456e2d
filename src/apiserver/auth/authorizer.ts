import type { Obj } from '../objects.js';
import { ApiError } from '../status.js';
import { forbidden } from './attributes.js';
import { allowed, clusterRoleRules, rulesFor, uncovered, type Attributes, type BindingObj, type PolicyRule, type RbacSnapshot, type RoleObj } from './rbac.js';
import { isMaster, type UserInfo } from './user.js';

// The authorizer every request passes (kube's union of the privileged-group authorizer and
// RBAC): system:masters may do everything; anyone else what RBAC grants. A denial from a
// snapshot is checked again after a fresh read of the RBAC objects, so a grant written just
// before the request counts. Also the escalation checks on RBAC writes.

export interface RbacSource {
  snapshot(): RbacSnapshot;
  refresh(): Promise<void>;
}

export class Authorizer {
  constructor(private readonly rbac: RbacSource) {}

  async authorize(a: Attributes): Promise<boolean> {
    if (isMaster(a.user)) return true;
    if (allowed(this.rbac.snapshot(), a)) return true;
    await this.rbac.refresh();
    return allowed(this.rbac.snapshot(), a);
  }

  /** Without the fresh read (for rule listings and checks that run inside a write). */
  allowedNow(a: Attributes): boolean {
    return isMaster(a.user) || allowed(this.rbac.snapshot(), a);
  }

  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    return rulesFor(this.rbac.snapshot(), user, namespace);
  }

  /**
   * Escalation prevention (kube's RBAC storage strategies): a user may write a Role/ClusterRole
   * only with permissions they hold (or the `escalate` verb on it), and a binding only to a role
   * whose permissions they hold (or the `bind` verb on it), in the binding's namespace.
   */
  checkRbacWrite(user: UserInfo, kind: string, obj: Obj): void {
    if (isMaster(user)) return;
    const snap = this.rbac.snapshot();
    const ns = obj.metadata.namespace ?? '';
    const name = String(obj.metadata.name ?? '');
    const attrs = (verb: string, resource: string, n: string): Attributes => ({ user, verb, resourceRequest: true, apiGroup: 'rbac.authorization.k8s.io', resource, subresource: '', namespace: ns, name: n, path: '' });
    let wanted: PolicyRule[];
    let plural: string;
    if (kind === 'Role' || kind === 'ClusterRole') {
      plural = kind === 'Role' ? 'roles' : 'clusterroles';
      if (allowed(snap, attrs('escalate', plural, name))) return;
      wanted = [...((obj as unknown as RoleObj).rules ?? [])];
      // As kube's ClusterRole storage: an aggregationRule can gather any role's rules, so it needs
      // full authority (* on *.*), whatever it selects today.
      if (kind === 'ClusterRole' && (obj as unknown as RoleObj).aggregationRule && uncovered(rulesFor(snap, user, ''), FULL_AUTHORITY).length) {
        throw new ApiError('Forbidden', `clusterroles.rbac.authorization.k8s.io ${JSON.stringify(name)} is forbidden: must have cluster-admin privileges to use the aggregationRule`, { name, group: 'rbac.authorization.k8s.io', kind: plural });
      }
    } else if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') {
      plural = kind === 'RoleBinding' ? 'rolebindings' : 'clusterrolebindings';
      const ref = (obj as unknown as BindingObj).roleRef ?? { kind: '', name: '' };
      const refPlural = ref.kind === 'Role' ? 'roles' : 'clusterroles';
      if (allowed(snap, attrs('bind', refPlural, ref.name))) return;
      wanted = ref.kind === 'ClusterRole' ? clusterRoleRules(snap, ref.name) : [...(snap.roles.get(`${ns}/${ref.name}`)?.rules ?? [])];
    } else return;
    const missing = uncovered(rulesFor(snap, user, ns), wanted);
    if (!missing.length) return;
    const shown = missing.slice(0, 20).map(formatRule).join('\n');
    const msg = `${plural}.rbac.authorization.k8s.io ${JSON.stringify(name)} is forbidden: user ${JSON.stringify(user.name)} (groups=${JSON.stringify(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${shown}`;
    throw new ApiError('Forbidden', msg, { name, group: 'rbac.authorization.k8s.io', kind: plural });
  }
}

const FULL_AUTHORITY: PolicyRule[] = [
  { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
  { nonResourceURLs: ['*'], verbs: ['*'] },
];

/** kube's CompactString of a rule: {APIGroups:[""], Resources:["secrets"], Verbs:["get"]}. */
function formatRule(r: PolicyRule): string {
  const parts: string[] = [];
  const q = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  if (r.apiGroups) parts.push(`APIGroups:${q(r.apiGroups)}`);
  if (r.resources) parts.push(`Resources:${q(r.resources)}`);
  if (r.resourceNames) parts.push(`ResourceNames:${q(r.resourceNames)}`);
  if (r.nonResourceURLs) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
  parts.push(`Verbs:${q(r.verbs)}`);
  return `{${parts.join(', ')}}`;
}

export { forbidden };
