import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';
import { ageColumn, typeMetaProperties } from './builtin-parts.js';

// rbac.authorization.k8s.io/v1 (Role, ClusterRole, RoleBinding, ClusterRoleBinding) and the
// authorization.k8s.io/v1 self reviews (SelfSubjectAccessReview, SelfSubjectRulesReview) and
// authentication.k8s.io/v1 SelfSubjectReview (create
// only, never stored: src/apiserver/auth/reviews.ts answers them) as built-ins of okube's API
// server, in Kubernetes' shapes so kubectl create role/rolebinding, kubectl auth can-i and client
// libraries work. Trimmed copies of the Kubernetes types; roleRef is immutable as in kube.

const s = (description: string): JsonSchema => ({ type: 'string', description });
const strings = (description: string): JsonSchema => ({ type: 'array', nullable: true, items: { type: 'string' }, description });

const policyRule: JsonSchema = {
  type: 'object',
  required: ['verbs'],
  description: 'PolicyRule holds information that describes a policy rule.',
  properties: {
    verbs: { type: 'array', items: { type: 'string' }, description: 'Verbs, or * for all.' },
    apiGroups: strings('API groups of the resources; "" is the core group, * all.'),
    resources: strings('Resources (and resource/subresource); * for all.'),
    resourceNames: strings('An optional allow list of object names.'),
    nonResourceURLs: strings('Non-resource paths (a trailing * is a prefix); ClusterRoles only.'),
  },
};

const rules: JsonSchema = { type: 'array', nullable: true, 'x-kubernetes-list-type': 'atomic', items: policyRule, description: 'The rules of this role.' };

const aggregationRule: JsonSchema = {
  type: 'object',
  nullable: true,
  description: 'Which ClusterRoles to aggregate into this one.',
  properties: {
    clusterRoleSelectors: {
      type: 'array',
      nullable: true,
      'x-kubernetes-list-type': 'atomic',
      items: {
        type: 'object',
        properties: {
          matchLabels: { type: 'object', nullable: true, additionalProperties: { type: 'string' } },
          matchExpressions: { type: 'array', nullable: true, items: { type: 'object', properties: { key: s('key'), operator: s('operator'), values: strings('values') } } },
        },
      },
      description: 'Label selectors of ClusterRoles whose rules join this one.',
    },
  },
};

const subjects: JsonSchema = {
  type: 'array',
  nullable: true,
  'x-kubernetes-list-type': 'atomic',
  items: {
    type: 'object',
    required: ['kind', 'name'],
    properties: {
      kind: { type: 'string', enum: ['User', 'Group', 'ServiceAccount'], description: 'User, Group or ServiceAccount.' },
      name: s('Name of the subject.'),
      namespace: s('Namespace of a ServiceAccount subject.'),
      apiGroup: s('rbac.authorization.k8s.io for User and Group, "" for ServiceAccount.'),
    },
  },
  description: 'Who the role is granted to.',
};

const roleRef = (kinds: string[]): JsonSchema => ({
  type: 'object',
  required: ['apiGroup', 'kind', 'name'],
  description: 'The role granted. Immutable.',
  properties: {
    apiGroup: { type: 'string', enum: ['rbac.authorization.k8s.io'], description: 'rbac.authorization.k8s.io' },
    kind: { type: 'string', enum: kinds, description: kinds.join(' or ') },
    name: s('Name of the role.'),
  },
  'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'cannot change roleRef' }],
});

function rbacDef(kind: string, plural: string, namespaced: boolean, schema: JsonSchema, columns: PrinterColumn[]): ResourceDef {
  return { group: 'rbac.authorization.k8s.io', version: 'v1', kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), shortNames: [], categories: [], namespaced, hasStatus: false, printerColumns: columns, schema };
}

const bindingColumns: PrinterColumn[] = [{ name: 'Role', type: 'string', jsonPath: '.roleRef.name' }, ageColumn];

export const rbacDefs: ResourceDef[] = [
  rbacDef('Role', 'roles', true, { type: 'object', description: 'A namespaced set of PolicyRules.', properties: { ...typeMetaProperties, rules } }, [ageColumn]),
  rbacDef('ClusterRole', 'clusterroles', false, { type: 'object', description: 'A cluster-wide set of PolicyRules.', properties: { ...typeMetaProperties, rules, aggregationRule } }, [ageColumn]),
  rbacDef('RoleBinding', 'rolebindings', true, { type: 'object', required: ['roleRef'], description: 'Grants a Role or ClusterRole in one namespace.', properties: { ...typeMetaProperties, subjects, roleRef: roleRef(['Role', 'ClusterRole']) } }, bindingColumns),
  rbacDef('ClusterRoleBinding', 'clusterrolebindings', false, { type: 'object', required: ['roleRef'], description: 'Grants a ClusterRole everywhere.', properties: { ...typeMetaProperties, subjects, roleRef: roleRef(['ClusterRole']) } }, bindingColumns),
];

const resourceAttributes: JsonSchema = {
  type: 'object',
  nullable: true,
  properties: { namespace: s('Namespace'), verb: s('Verb'), group: s('API group'), version: s('Version'), resource: s('Resource'), subresource: s('Subresource'), name: s('Name') },
};

const reviewDef = (kind: string, plural: string, spec: JsonSchema, status: JsonSchema, group = 'authorization.k8s.io'): ResourceDef => ({
  group,
  version: 'v1',
  kind,
  listKind: `${kind}List`,
  plural,
  singular: kind.toLowerCase(),
  shortNames: [],
  categories: [],
  namespaced: false,
  hasStatus: false,
  verbs: ['create'],
  printerColumns: [],
  schema: { type: 'object', properties: { ...typeMetaProperties, spec, status } },
});

const ruleList = (description: string, item: JsonSchema): JsonSchema => ({ type: 'array', nullable: true, items: item, description });

export const reviewDefs: ResourceDef[] = [
  reviewDef(
    'SelfSubjectAccessReview',
    'selfsubjectaccessreviews',
    { type: 'object', properties: { resourceAttributes, nonResourceAttributes: { type: 'object', nullable: true, properties: { path: s('Path'), verb: s('Verb') } } } },
    { type: 'object', properties: { allowed: { type: 'boolean' }, denied: { type: 'boolean', nullable: true }, reason: s('Reason'), evaluationError: s('Evaluation error') } },
  ),
  reviewDef(
    'SelfSubjectRulesReview',
    'selfsubjectrulesreviews',
    { type: 'object', properties: { namespace: s('Namespace to evaluate rules for') } },
    {
      type: 'object',
      properties: {
        resourceRules: ruleList('Resource rules', { type: 'object', properties: { verbs: strings('verbs'), apiGroups: strings('apiGroups'), resources: strings('resources'), resourceNames: strings('resourceNames') } }),
        nonResourceRules: ruleList('Non-resource rules', { type: 'object', properties: { verbs: strings('verbs'), nonResourceURLs: strings('nonResourceURLs') } }),
        incomplete: { type: 'boolean' },
        evaluationError: s('Evaluation error'),
      },
    },
  ),
  // authentication.k8s.io/v1 SelfSubjectReview: `kubectl auth whoami`.
  reviewDef(
    'SelfSubjectReview',
    'selfsubjectreviews',
    { type: 'object', nullable: true, properties: {} },
    {
      type: 'object',
      properties: {
        userInfo: {
          type: 'object',
          properties: { username: s('The name of the user'), uid: s('A unique value for the user'), groups: strings('The groups the user is in'), extra: { type: 'object', nullable: true, additionalProperties: { type: 'array', items: { type: 'string' } }, description: 'Any additional information' } },
        },
      },
    },
    'authentication.k8s.io',
  ),
];
