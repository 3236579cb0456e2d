import type { JsonSchema, ResourceDef } from './resource-def.js';
import { ageColumn, configKeyRules, immutableWhenSetRules, typeMetaProperties } from './builtin-parts.js';
import { endpointSliceDef } from './endpointslice.js';
import { configMapDef } from './configmap.js';
import { serviceAccountDef } from './serviceaccount.js';
import { persistentVolumeClaimDef } from './persistentvolumeclaim.js';
import { controllerRevisionDef } from './controllerrevision.js';
import { crdDef } from './crd-def.js';
import { objectReference } from './object-reference.js';
import { rbacDefs, reviewDefs } from './rbac.js';

/** kube's Event OBJECT cell: `kind/name`, the kind in lower case (task/web). */
function eventObject(obj: object): string {
  const ref = (obj as { involvedObject?: { kind?: string; name?: string } }).involvedObject ?? {};
  return `${(ref.kind ?? '').toLowerCase()}/${ref.name ?? ''}`;
}

// The few Kubernetes built-ins okube serves itself: namespaces, events (what `kubectl describe`
// lists), leases (leader election, node heartbeats), secrets (TLS material for Nodes' engines,
// Tasks' credentials), endpointslices (the service registry, src/apiserver/schema/endpointslice.ts), configmaps
// (schema/configmap.ts), persistentvolumeclaims (schema/persistentvolumeclaim.ts) and controllerrevisions (schema/controllerrevision.ts). Their schemas are trimmed copies of the
// Kubernetes types: every field a client sends is declared (so nothing is pruned), timestamps
// that Go clients send as null are nullable, and nothing is required beyond what Kubernetes needs.


const s = (description: string): JsonSchema => ({ type: 'string', description });
const t = (description: string, nullable = false): JsonSchema => ({ type: 'string', format: 'date-time', description, ...(nullable ? { nullable: true } : {}) });
const i = (description: string): JsonSchema => ({ type: 'integer', format: 'int32', description });



const eventSchema: JsonSchema = {
  type: 'object',
  description: 'Event is a report of an event somewhere in the cluster.',
  required: ['involvedObject'],
  properties: {
    ...typeMetaProperties,
    involvedObject: { ...objectReference, description: 'The object this event is about.' },
    reason: s('Short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    message: s('A human-readable description of the status of this operation.'),
    source: { type: 'object', description: 'The component reporting this event.', properties: { component: s('Component from which the event is generated.'), host: s('Node name on which the event is generated.') } },
    firstTimestamp: t('The time at which the event was first recorded.', true),
    lastTimestamp: t('The time at which the most recent occurrence of this event was recorded.', true),
    count: i('The number of times this event has occurred.'),
    type: s('Type of this event (Normal, Warning).'),
    eventTime: t('Time when this Event was first observed.', true),
    series: {
      type: 'object',
      nullable: true,
      description: 'Data about the Event series this event represents.',
      properties: { count: i('Number of occurrences in this series up to the last heartbeat time.'), lastObservedTime: t('Time of the last occurrence observed.', true) },
    },
    action: s('What action was taken/failed regarding the involved object.'),
    related: { ...objectReference, nullable: true, description: 'Optional secondary object for more complex actions.' },
    reportingComponent: s('Name of the controller that emitted this Event.'),
    reportingInstance: s('ID of the controller instance.'),
  },
};

export function builtinDefs(): ResourceDef[] {
  return [
    {
      group: '',
      version: 'v1',
      kind: 'Namespace',
      listKind: 'NamespaceList',
      plural: 'namespaces',
      singular: 'namespace',
      shortNames: ['ns'],
      categories: [],
      namespaced: false,
      hasStatus: true,
      printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, ageColumn],
      schema: {
        type: 'object',
        description: 'Namespace provides a scope for Names.',
        properties: {
          ...typeMetaProperties,
          spec: {
            type: 'object',
            description: 'Spec defines the behavior of the Namespace.',
            properties: { finalizers: { type: 'array', items: { type: 'string' }, description: 'Finalizers that must be empty before the namespace is removed.' } },
          },
          status: {
            type: 'object',
            description: 'Status describes the current status of a Namespace.',
            properties: {
              phase: { type: 'string', enum: ['Active', 'Terminating'], description: 'Active or Terminating.' },
              conditions: {
                type: 'array',
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['type'],
                items: {
                  type: 'object',
                  required: ['type', 'status'],
                  properties: { type: s('Type of namespace controller condition.'), status: s('Status of the condition, one of True, False, Unknown.'), lastTransitionTime: t('Last time the condition transitioned.', true), reason: s('Reason.'), message: s('Message.') },
                },
              },
            },
          },
        },
      },
    },
    {
      group: '',
      version: 'v1',
      kind: 'Event',
      listKind: 'EventList',
      plural: 'events',
      singular: 'event',
      shortNames: ['ev'],
      categories: [],
      namespaced: true,
      hasStatus: false,
      // kube's Event printer: OBJECT is kind/name, and the wide columns end with Name.
      printerColumns: [
        { name: 'Last Seen', type: 'date', jsonPath: '.lastTimestamp' },
        { name: 'Type', type: 'string', jsonPath: '.type' },
        { name: 'Reason', type: 'string', jsonPath: '.reason' },
        { name: 'Object', type: 'string', jsonPath: '.involvedObject.name', cell: eventObject },
        { name: 'Subobject', type: 'string', priority: 1, jsonPath: '.involvedObject.fieldPath' },
        { name: 'Source', type: 'string', priority: 1, jsonPath: '.source.component' },
        { name: 'Message', type: 'string', jsonPath: '.message' },
        { name: 'First Seen', type: 'date', priority: 1, jsonPath: '.firstTimestamp' },
        { name: 'Count', type: 'integer', priority: 1, jsonPath: '.count' },
      ],
      nameColumnLast: true,
      schema: eventSchema,
    },
    {
      group: 'coordination.k8s.io',
      version: 'v1',
      kind: 'Lease',
      listKind: 'LeaseList',
      plural: 'leases',
      singular: 'lease',
      shortNames: [],
      categories: [],
      namespaced: true,
      hasStatus: false,
      printerColumns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }, ageColumn],
      schema: {
        type: 'object',
        description: 'Lease defines a lease concept (leader election, heartbeats).',
        properties: {
          ...typeMetaProperties,
          spec: {
            type: 'object',
            description: 'Specification of the Lease.',
            properties: {
              holderIdentity: { type: 'string', nullable: true, description: 'Identity of the holder of the current lease.' },
              leaseDurationSeconds: { type: 'integer', format: 'int32', nullable: true, description: 'Duration that candidates for a lease need to wait to force acquire it.' },
              acquireTime: t('When the current lease was acquired.', true),
              renewTime: t('When the current holder last updated the lease.', true),
              leaseTransitions: { type: 'integer', format: 'int32', nullable: true, description: 'Number of transitions of a lease between holders.' },
              strategy: { type: 'string', nullable: true, description: 'Strategy for picking the leader for coordinated leader election.' },
              preferredHolder: { type: 'string', nullable: true, description: 'Signals to a lease holder that the lease has a more optimal holder.' },
            },
          },
        },
      },
    },
    {
      group: '',
      version: 'v1',
      kind: 'Secret',
      listKind: 'SecretList',
      plural: 'secrets',
      singular: 'secret',
      shortNames: [],
      categories: [],
      namespaced: true,
      hasStatus: false,
      // kubectl's Go printer: TYPE, DATA (the number of keys in data), AGE.
      printerColumns: [{ name: 'Type', type: 'string', jsonPath: '.type' }, { name: 'Data', type: 'integer', jsonPath: '.data', cell: (o) => Object.keys((o as { data?: object | null }).data ?? {}).length }, ageColumn],
      schema: {
        type: 'object',
        description: 'Secret holds secret data of a certain type (for okube: TLS material of Docker engines, credentials of Tasks).',
        properties: {
          ...typeMetaProperties,
          data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' }, description: 'Secret data, base64-encoded values.', 'x-kubernetes-validations': configKeyRules },
          stringData: { type: 'object', additionalProperties: { type: 'string' }, description: 'Write-only plain-text values, merged into data on write (never stored).' },
          type: s('Used to facilitate programmatic handling of secret data (Opaque, kubernetes.io/tls, ...); Opaque when empty.'),
          immutable: { type: 'boolean', nullable: true, description: 'If true, the data cannot be updated.' },
        },
        'x-kubernetes-validations': [
          ...immutableWhenSetRules(['data']),
          // A Secret an older okube stored kept type "" or none: that is Opaque, what a write defaults it to.
          { rule: "self.type == (!has(oldSelf.type) || oldSelf.type == null || oldSelf.type == '' ? 'Opaque' : oldSelf.type)", fieldPath: '.type', message: 'field is immutable' },
          // kube's rule for the TLS type: both keys, so a Node's engine TLS can rely on them.
          { rule: "self.type != 'kubernetes.io/tls' || (has(self.data) && self.data != null && 'tls.crt' in self.data && 'tls.key' in self.data)", fieldPath: '.data', reason: 'FieldValueRequired', message: 'a kubernetes.io/tls Secret needs data keys tls.crt and tls.key' },
        ],
      },
    },
    endpointSliceDef,
    configMapDef,
    serviceAccountDef,
    persistentVolumeClaimDef,
    // apps/v1 ControllerRevision: the TaskSet controller's template history (schema/controllerrevision.ts).
    controllerRevisionDef,
    // apiextensions.k8s.io/v1 CustomResourceDefinition, read-only (schema/crd-def.ts).
    crdDef,
    // RBAC and the self reviews (schema/rbac.ts), kept as their own entries.
    ...rbacDefs,
    ...reviewDefs,
  ];
}
