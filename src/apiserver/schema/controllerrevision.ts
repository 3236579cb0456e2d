import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';
import { ageColumn, typeMetaProperties } from './builtin-parts.js';

// apps/v1 ControllerRevision as a built-in of okube's API server: the immutable template history
// the TaskSet controller keeps (one object per distinct template it rolled out, src/controllers/
// taskset/revisions.ts) and `okube rollout history|undo` reads, in Kubernetes' own shape, so
// `kubectl get controllerrevisions` and client libraries understand it and, in Helm mode, the
// same objects live on a real cluster. `data` is a RawExtension (any JSON object, kept as sent)
// and, as kube-apiserver validates it, is required ("data is mandatory", so no patch can remove it
// around the immutability rule) and cannot change after create; `revision` (int64, >= 0, a Go
// int64 that is 0 when left out, so defaulted to 0) can (a template that returns gets a new number). The columns are kubectl's Go printer's:
// CONTROLLER is the controller ownerReference as `kind.group/name`.

interface RevisionLike {
  revision?: number;
  metadata?: { ownerReferences?: Array<{ apiVersion?: string; kind?: string; name?: string; controller?: boolean }> };
}

/** kubectl's CONTROLLER cell: `taskset.okube.dev/web`, or `<none>` without a controller reference. */
export function controllerRevisionController(obj: object): string {
  const ref = (obj as RevisionLike).metadata?.ownerReferences?.find((r) => r.controller === true);
  if (!ref?.kind || !ref.name) return '<none>';
  const group = ref.apiVersion?.includes('/') ? ref.apiVersion.slice(0, ref.apiVersion.indexOf('/')) : '';
  return `${ref.kind.toLowerCase()}${group ? `.${group}` : ''}/${ref.name}`;
}

const columns: PrinterColumn[] = [
  { name: 'Controller', type: 'string', jsonPath: '.metadata.ownerReferences', description: 'The controller that owns this revision.', cell: controllerRevisionController },
  { name: 'Revision', type: 'integer', jsonPath: '.revision', description: 'The revision number.' },
  ageColumn,
];

const schema: JsonSchema = {
  type: 'object',
  description: 'ControllerRevision implements an immutable snapshot of state data (for okube: a TaskSet template and its revision number).',
  required: ['data'],
  properties: {
    ...typeMetaProperties,
    data: {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
      description: 'Data is the serialized representation of the state (RawExtension: any JSON object).',
      'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'field is immutable' }],
    },
    revision: { type: 'integer', format: 'int64', minimum: 0, default: 0, description: 'Revision indicates the revision of the state represented by Data.' },
  },
};

export const controllerRevisionDef: ResourceDef = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  listKind: 'ControllerRevisionList',
  plural: 'controllerrevisions',
  singular: 'controllerrevision',
  shortNames: [],
  categories: [],
  namespaced: true,
  hasStatus: false,
  printerColumns: columns,
  schema,
};
