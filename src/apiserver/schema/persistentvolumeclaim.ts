import { SELECTED_NODE_ANNOTATION } from '../../api/types.js';
import { claimVolumeName } from '../../api/volume-names.js';
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
      properties: {
        phase: s('Pending, or Bound once a Node holds the volume (the API server keeps it so: claim-status.ts).'),
        accessModes: { type: 'array', items: { type: 'string' }, description: 'Access modes of the bound volume.' },
        capacity: { type: 'object', additionalProperties: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, description: 'storage: the size the claim asked for (recorded, not enforced).' },
      },
    },
  },
};

type ClaimLike = { metadata?: { name?: string; namespace?: string; uid?: string; deletionTimestamp?: string; annotations?: Record<string, string> }; spec?: { volumeName?: string; storageClassName?: string }; status?: { phase?: string; accessModes?: string[]; capacity?: { storage?: string | number } } };

const ACCESS_MODE_SHORT: Record<string, string> = { ReadWriteOnce: 'RWO', ReadOnlyMany: 'ROX', ReadWriteMany: 'RWX', ReadWriteOncePod: 'RWOP' };
const nodeOf = (o: object) => (o as ClaimLike).metadata?.annotations?.[SELECTED_NODE_ANNOTATION];

/**
 * kube's PVC printer says Terminating for a claim being deleted; otherwise its phase (which the API
 * server derives: claim-status.ts). A claim stored before it did reads Bound once on a Node, as a
 * WaitForFirstConsumer claim does once its first Pod is placed, and Pending on none.
 */
function claimStatus(o: object): string {
  const c = o as ClaimLike;
  if (c.metadata?.deletionTimestamp) return 'Terminating';
  return c.status?.phase ?? (nodeOf(o) ? 'Bound' : 'Pending');
}

/** The Docker volume, once the claim is on a Node (a claim on none has no volume yet). */
function claimVolume(o: object): string {
  const c = o as ClaimLike;
  if (c.spec?.volumeName) return c.spec.volumeName;
  return nodeOf(o) && c.metadata?.uid ? claimVolumeName(c.metadata.namespace ?? '', c.metadata.name ?? '', c.metadata.uid) : '';
}

const columns: PrinterColumn[] = [
  { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'Bound once on a Node, else Pending; Terminating while being deleted.', cell: claimStatus },
  { name: 'Volume', type: 'string', jsonPath: '.spec.volumeName', description: 'The Docker volume, once the claim is on a Node.', cell: claimVolume },
  { name: 'Capacity', type: 'string', jsonPath: '.status.capacity.storage', description: 'The size asked for, once bound.', cell: (o) => String((o as ClaimLike).status?.capacity?.storage ?? '') },
  { name: 'Access Modes', type: 'string', jsonPath: '.status.accessModes', description: 'Access modes, as kubectl abbreviates them.', cell: (o) => ((o as ClaimLike).status?.accessModes ?? []).map((m) => ACCESS_MODE_SHORT[m] ?? m).join(',') },
  { name: 'StorageClass', type: 'string', jsonPath: '.spec.storageClassName', description: 'Recorded, not acted on.', cell: (o) => (o as ClaimLike).spec?.storageClassName ?? '' },
  { name: 'Node', type: 'string', jsonPath: '.metadata.annotations', description: 'The Node the volume lives on.', cell: (o) => nodeOf(o) ?? '' },
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
