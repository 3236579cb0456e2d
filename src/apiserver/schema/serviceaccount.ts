import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';
import { ageColumn, typeMetaProperties } from './builtin-parts.js';
import { objectReference } from './object-reference.js';

// core/v1 ServiceAccount as a built-in of okube's API server: an identity for programs (a CI
// pipeline, a script) rather than people. `kubectl create token NAME` asks its token subresource
// for a short-lived signed token (auth/service-account-tokens.ts) that authenticates as
// system:serviceaccount:NAMESPACE:NAME, and RBAC bindings name it as a ServiceAccount subject.
// A trimmed copy of the Kubernetes type; kubectl's SECRETS column counts `secrets`.

export const TOKEN_REQUEST_GVK = { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };

const columns: PrinterColumn[] = [
  { name: 'Secrets', type: 'integer', jsonPath: '.secrets', description: 'Number of secrets listed.', cell: (o) => ((o as { secrets?: unknown[] | null }).secrets ?? []).length },
  ageColumn,
];

const schema: JsonSchema = {
  type: 'object',
  description: 'ServiceAccount binds together a name, understood by users, and a principal that can be authenticated and authorized.',
  properties: {
    ...typeMetaProperties,
    secrets: { type: 'array', nullable: true, items: objectReference, description: 'Secrets in the same namespace this ServiceAccount may use (informational in okube).' },
    imagePullSecrets: {
      type: 'array',
      nullable: true,
      items: { type: 'object', properties: { name: { type: 'string', description: 'Name of the referent.' } } },
      description: 'Secrets in the same namespace for pulling images (informational in okube).',
    },
    automountServiceAccountToken: { type: 'boolean', nullable: true, description: 'Whether workloads get a token mounted (okube mounts none).' },
  },
};

export const serviceAccountDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  listKind: 'ServiceAccountList',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  categories: [],
  namespaced: true,
  hasStatus: false,
  tokenRequest: true,
  printerColumns: columns,
  schema,
};
