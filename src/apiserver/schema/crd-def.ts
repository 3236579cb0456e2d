import type { CrdDocument, ResourceDef } from './resource-def.js';

// apiextensions.k8s.io/v1 CustomResourceDefinition, read-only: the CRDs this API server was started
// with (crds/), each stored once at start (server.ts) as a kube-apiserver would hold it, Established.
// `kubectl get crd` lists them, and kubectl's client-side validation asks for them when a manifest
// names a kind the server does not serve — without them it failed with "failed to check CRD: failed
// to list CRDs" where a cluster says "no matches for kind". okube's kinds are fixed at start, so
// the resource takes no writes (405), as a kube-apiserver with the resource's write verbs off would.

const CREATED_AT = (o: object): unknown => (o as { metadata?: { creationTimestamp?: string } }).metadata?.creationTimestamp ?? '';

export const crdDef: ResourceDef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  kind: 'CustomResourceDefinition',
  listKind: 'CustomResourceDefinitionList',
  plural: 'customresourcedefinitions',
  singular: 'customresourcedefinition',
  shortNames: ['crd', 'crds'],
  categories: ['api-extensions'],
  namespaced: false,
  hasStatus: false,
  verbs: ['get', 'list', 'watch'],
  // kube-apiserver's table for CRDs: NAME, CREATED AT (a timestamp, not an age).
  printerColumns: [{ name: 'Created At', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'When the CRD was created', cell: CREATED_AT }],
  schema: {
    type: 'object',
    description: 'CustomResourceDefinition represents a resource that should be exposed on the API server (read-only in okube: the CRDs the server was started with).',
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'The group, names, scope and versions of the resource.' },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, description: 'Accepted names, conditions (Established) and stored versions.' },
    },
  },
};

/** The object a kube-apiserver would serve for this CRD file once it is Established (metadata besides the name left to the server). */
export function servedCrd(doc: CrdDocument['doc'], now: string): Record<string, unknown> {
  const { spec } = doc;
  const names = { ...spec.names, listKind: spec.names.listKind ?? `${spec.names.kind}List`, singular: spec.names.singular ?? spec.names.kind.toLowerCase() };
  const storage = spec.versions.find((v) => (v as { storage?: boolean }).storage) ?? spec.versions[0];
  const condition = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: doc.metadata?.name ?? `${spec.names.plural}.${spec.group}` },
    spec,
    status: {
      acceptedNames: names,
      conditions: [condition('NamesAccepted', 'NoConflicts', 'no conflicts found'), condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
      storedVersions: storage ? [storage.name] : [],
    },
  };
}
