import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';

// The few Kubernetes built-ins okube serves itself: namespaces, events (what `kubectl describe`
// lists) and leases (leader election, node heartbeats). Their schemas are loose: okube only
// needs them stored and served, and Kubernetes clients already send well-formed objects.

const age: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation' };
const open: JsonSchema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };

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
      printerColumns: [{ name: 'Status', type: 'string', jsonPath: '.status.phase' }, age],
      schema: {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: { type: 'object', properties: { finalizers: { type: 'array', items: { type: 'string' } } } },
          status: { type: 'object', properties: { phase: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
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
      printerColumns: [
        { name: 'Last Seen', type: 'date', jsonPath: '.lastTimestamp' },
        { name: 'Type', type: 'string', jsonPath: '.type' },
        { name: 'Reason', type: 'string', jsonPath: '.reason' },
        { name: 'Object', type: 'string', jsonPath: '.involvedObject.name' },
        { name: 'Message', type: 'string', jsonPath: '.message' },
      ],
      schema: open,
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
      printerColumns: [{ name: 'Holder', type: 'string', jsonPath: '.spec.holderIdentity' }, age],
      schema: {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: {
            type: 'object',
            properties: {
              holderIdentity: { type: 'string' },
              leaseDurationSeconds: { type: 'integer' },
              acquireTime: { type: 'string', format: 'date-time' },
              renewTime: { type: 'string', format: 'date-time' },
              leaseTransitions: { type: 'integer' },
              strategy: { type: 'string' },
              preferredHolder: { type: 'string' },
            },
          },
        },
      },
    },
  ];
}
