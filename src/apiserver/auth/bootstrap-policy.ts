import type { BindingObj, PolicyRule, RoleObj } from './rbac.js';
import { AUTHENTICATED, SYSTEM_MASTERS, UNAUTHENTICATED } from './user.js';

// The default ClusterRoles and ClusterRoleBindings every okube API server creates at start when
// they are missing (kube-apiserver's bootstrap policy): cluster-admin for system:masters, the
// user-facing admin/edit/view built by aggregation, and the discovery, public-info and self
// review permissions of every user. okube's kinds join admin/edit/view through okube's own
// aggregated ClusterRoles, labelled the way a CRD's roles join them on a real cluster. An
// existing ClusterRole gets what a newer default adds, unless marked autoupdate "false"
// (bootstrap-reconcile.ts, as kube-apiserver reconciles); existing bindings are left as they are.

const RBAC = 'rbac.authorization.k8s.io';
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const DEFAULTS_LABEL = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const AUTOUPDATE = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const AGG = (to: 'admin' | 'edit' | 'view') => ({ [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' });

const OKUBE = 'okube.dev';

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): RoleObj & Record<string, unknown> {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...DEFAULTS_LABEL, ...labels }, annotations: AUTOUPDATE } as RoleObj['metadata'],
    rules,
    ...(aggregateFrom ? { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/${aggregateFrom}`]: 'true' } }] } } : {}),
  };
}

function clusterRoleBinding(name: string, role: string, groups: string[]): BindingObj & Record<string, unknown> {
  return {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: DEFAULTS_LABEL, annotations: AUTOUPDATE } as BindingObj['metadata'],
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: RBAC, kind: 'Group', name: g })),
  };
}

const PUBLIC_INFO = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

export const BOOTSTRAP_CLUSTER_ROLES = [
  clusterRole('cluster-admin', [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ]),
  clusterRole('admin', [], {}, 'aggregate-to-admin'),
  clusterRole('edit', [], AGG('admin'), 'aggregate-to-edit'),
  clusterRole('view', [], AGG('edit'), 'aggregate-to-view'),
  clusterRole(
    'system:aggregate-to-admin',
    [
      { apiGroups: [RBAC], resources: ['roles', 'rolebindings'], verbs: [...READ, ...WRITE] },
      { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
    ],
    AGG('admin'),
  ),
  clusterRole(
    'system:aggregate-to-edit',
    [
      { apiGroups: [''], resources: ['secrets', 'configmaps', 'persistentvolumeclaims'], verbs: [...READ, ...WRITE] },
      // As kube's edit: manage ServiceAccounts, act as them, and ask for their tokens.
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: WRITE },
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
      { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
    ],
    AGG('edit'),
  ),
  clusterRole(
    'system:aggregate-to-view',
    [
      { apiGroups: [''], resources: ['configmaps', 'events', 'namespaces', 'namespaces/status', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'serviceaccounts'], verbs: READ },
      { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
      { apiGroups: ['apps'], resources: ['controllerrevisions'], verbs: READ },
    ],
    AGG('view'),
  ),
  // okube's kinds, as a CRD's chart would add them to the aggregated roles.
  clusterRole(
    'okube:aggregate-to-edit',
    [
      { apiGroups: [OKUBE], resources: ['tasks', 'tasksets', 'tasksets/scale', 'taskservices'], verbs: WRITE },
      // As kube's edit grants pods/exec.
      { apiGroups: [OKUBE], resources: ['tasks/exec'], verbs: ['create', 'get'] },
    ],
    AGG('edit'),
  ),
  clusterRole(
    'okube:aggregate-to-view',
    [{ apiGroups: [OKUBE], resources: ['tasks', 'tasks/status', 'tasks/log', 'tasksets', 'tasksets/status', 'tasksets/scale', 'taskservices', 'taskservices/status'], verbs: READ }],
    AGG('view'),
  ),
  clusterRole('system:basic-user', [
    { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ]),
  clusterRole('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', ...PUBLIC_INFO], verbs: ['get'] }]),
  clusterRole('system:public-info-viewer', [{ nonResourceURLs: PUBLIC_INFO, verbs: ['get'] }]),
];

/**
 * Rules an earlier okube's defaults granted and that were withdrawn as unsafe: a start takes them
 * out of a role that still holds them exactly as granted (unless it is marked autoupdate "false").
 * Writing EndpointSlices let a namespace editor point okube's HAProxy at any address, which is why
 * kube keeps endpoint writes out of `edit` (CVE-2021-25740); the endpoints controller alone writes them.
 */
export const WITHDRAWN_RULES: Record<string, PolicyRule[]> = {
  'system:aggregate-to-edit': [{ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: WRITE }],
};

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS = [
  clusterRoleBinding('cluster-admin', 'cluster-admin', [SYSTEM_MASTERS]),
  clusterRoleBinding('system:basic-user', 'system:basic-user', [AUTHENTICATED]),
  clusterRoleBinding('system:discovery', 'system:discovery', [AUTHENTICATED]),
  clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [AUTHENTICATED, UNAUTHENTICATED]),
];
