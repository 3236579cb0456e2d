import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';
import { ageColumn, configKeyRules, immutableWhenSetRules, typeMetaProperties } from './builtin-parts.js';

// core/v1 ConfigMap as a built-in of okube's API server (issue 22): configuration a Task reads
// through env[].valueFrom.configMapKeyRef, envFrom[].configMapRef and configMap volumes. A
// trimmed copy of the Kubernetes type (data, binaryData, immutable), so `kubectl create
// configmap` and `kubectl apply` of a ConfigMap work unchanged. The DATA column counts the keys
// of data and binaryData, as kubectl's Go printer does.

/** kubectl's DATA column: the number of keys in data and binaryData. */
export function configMapDataCount(obj: object): number {
  const o = obj as { data?: Record<string, unknown> | null; binaryData?: Record<string, unknown> | null };
  return Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length;
}

const columns: PrinterColumn[] = [
  { name: 'Data', type: 'integer', jsonPath: '.data', description: 'Number of keys in data and binaryData.', cell: configMapDataCount },
  ageColumn,
];

const schema: JsonSchema = {
  type: 'object',
  description: 'ConfigMap holds configuration data for Tasks to consume.',
  properties: {
    ...typeMetaProperties,
    data: { type: 'object', nullable: true, additionalProperties: { type: 'string' }, description: 'Configuration data: UTF-8 values by key.', 'x-kubernetes-validations': configKeyRules },
    binaryData: { type: 'object', nullable: true, additionalProperties: { type: 'string', format: 'byte' }, description: 'Binary data: base64-encoded values by key.', 'x-kubernetes-validations': configKeyRules },
    immutable: { type: 'boolean', nullable: true, description: 'If true, the data cannot be updated.' },
  },
  'x-kubernetes-validations': [
    ...immutableWhenSetRules(['data', 'binaryData']),
    { rule: '!has(self.data) || self.data == null || !has(self.binaryData) || self.binaryData == null || !self.data.exists(k, k in self.binaryData)', fieldPath: '.data', message: 'a key may be in data or in binaryData, not in both' },
  ],
};

export const configMapDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  categories: [],
  namespaced: true,
  hasStatus: false,
  printerColumns: columns,
  schema,
};
