import { SELECTED_NODE_ANNOTATION } from '../../api/types.js';
import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';
import { ageColumn, typeMetaProperties } from './builtin-parts.js';

// core/v1 PersistentVolumeClaim as a built-in of okube's API server (issue 22): the name of a
// Docker named volume that outlives the Tasks using it. okube has no PersistentVolumes or
// provisioners: a claim is bound to the Node of the first Task that uses it, which the scheduler
// records as Kubernetes does for delayed binding (annotation volume.kubernetes.io/selected-node)
// and honours for every later Task. A trimmed copy of the Kubernetes type, so kubectl's manifests
// apply unchanged (fields okube does not act on are kept, not enforced).

const s = (description: string): JsonSchema => ({ type: 'string', description });

const schema: JsonSchema = {
  type: 'object',
  description: "PersistentVolumeClaim is a user's request for a volume; in okube, a Docker named volume on one Node.",
  properties: {
    ...typeMetaProperties,
    spec: {
      type: 'object',
      description: 'What the claim asks for (recorded; okube does not provision by size or class).',
      properties: {
        accessModes: { type: 'array', nullable: true, items: { type: 'string' }, description: 'Access modes (ReadWriteOnce is what okube gives).' },
        resources: {
          type: 'object',
          nullable: true,
          description: 'Requested size.',
          properties: { requests: { type: 'object', nullable: true, additionalProperties: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, description: 'storage: the requested size.' } },
        },
        storageClassName: { type: 'string', nullable: true, description: 'Storage class (ignored by okube).' },
        volumeName: { type: 'string', nullable: true, description: 'The Docker volume name, once the claim is used.' },
        volumeMode: { type: 'string', nullable: true, description: 'Filesystem (the only mode okube gives).' },
      },
    },
    status: {
      type: 'object',
      description: 'Observed state.',
      properties: { phase: s('Pending or Bound.'), accessModes: { type: 'array', items: { type: 'string' }, description: 'Access modes of the bound volume.' } },
    },
  },
};

const columns: PrinterColumn[] = [
  { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Pending or Bound.' },
  { name: 'Volume', type: 'string', jsonPath: '.spec.volumeName', description: 'The Docker volume.' },
  { name: 'Node', type: 'string', jsonPath: '.metadata.annotations', description: 'The Node the volume lives on.', cell: (o) => (o as { metadata?: { annotations?: Record<string, string> } }).metadata?.annotations?.[SELECTED_NODE_ANNOTATION] ?? '' },
  ageColumn,
];

export const persistentVolumeClaimDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  plural: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  shortNames: ['pvc'],
  categories: [],
  namespaced: true,
  hasStatus: true,
  printerColumns: columns,
  schema,
};
