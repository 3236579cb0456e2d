import { objectReference } from './object-reference.js';
import type { JsonSchema, PrinterColumn, ResourceDef } from './resource-def.js';
import { ageColumn, typeMetaProperties } from './builtin-parts.js';

// discovery.k8s.io/v1 EndpointSlice as a built-in of okube's API server (issue 18): the registry
// the endpoints controller writes and the data plane reads, in Kubernetes' own shape so kubectl,
// client libraries and (in Helm mode) kube-proxy understand it. The schema is a trimmed copy of
// the Kubernetes type with the limits kube-apiserver's validation enforces (enough to reject
// nonsense); the columns are computed the way kubectl's Go printer does (PORTS, ENDPOINTS: the
// first three values, then "+ N more...").

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

const s = (description: string, extra: JsonSchema = {}): JsonSchema => ({ type: 'string', description, ...extra });
const b = (description: string): JsonSchema => ({ type: 'boolean', nullable: true, description });

/** kubectl's listWithMoreString: at most `max` values, then "+ N more...". */
function firstThree(values: string[]): string {
  if (!values.length) return '<unset>';
  const shown = values.slice(0, 3).join(',');
  return values.length > 3 ? `${shown} + ${values.length - 3} more...` : shown;
}

interface SliceLike {
  addressType?: string;
  ports?: Array<{ name?: string | null; port?: number | null }> | null;
  endpoints?: Array<{ addresses?: string[] }> | null;
}

export function endpointSlicePorts(obj: object): string {
  const ports = (obj as SliceLike).ports ?? [];
  return firstThree(ports.map((p) => (typeof p.port === 'number' ? String(p.port) : p.name ? p.name : '*')));
}

export function endpointSliceEndpoints(obj: object): string {
  return firstThree(((obj as SliceLike).endpoints ?? []).flatMap((e) => e.addresses ?? []));
}

const columns: PrinterColumn[] = [
  { name: 'AddressType', type: 'string', jsonPath: '.addressType', description: 'The type of address carried by this EndpointSlice.' },
  { name: 'Ports', type: 'string', jsonPath: '.ports[*].port', description: 'Port numbers of this slice (first three).', cell: endpointSlicePorts },
  { name: 'Endpoints', type: 'string', jsonPath: '.endpoints[*].addresses[*]', description: 'Addresses of the endpoints (first three).', cell: endpointSliceEndpoints },
  ageColumn,
];

const endpointSchema: JsonSchema = {
  type: 'object',
  description: 'One backend: its addresses and conditions.',
  required: ['addresses'],
  properties: {
    addresses: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      'x-kubernetes-list-type': 'set',
      items: { type: 'string', minLength: 1 },
      description: 'Addresses of this endpoint, interpreted per the slice addressType.',
    },
    conditions: {
      type: 'object',
      description: 'The current state of the endpoint.',
      properties: {
        ready: b('The endpoint is ready to receive traffic (serving and not terminating).'),
        serving: b('The endpoint is ready, whether or not it is terminating.'),
        terminating: b('The endpoint is terminating.'),
      },
    },
    hostname: s('Hostname of this endpoint.', { nullable: true, maxLength: 63, pattern: DNS_LABEL }),
    nodeName: s('The Node hosting this endpoint.', { nullable: true }),
    zone: s('The zone this endpoint exists in.', { nullable: true }),
    targetRef: { ...objectReference, nullable: true, description: 'The object this endpoint stands for (an okube Task, or a Pod).' },
    deprecatedTopology: { type: 'object', nullable: true, additionalProperties: { type: 'string' }, description: 'Deprecated topology labels.' },
    hints: {
      type: 'object',
      nullable: true,
      description: 'Hints for how the endpoint should be consumed.',
      properties: {
        forZones: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'object', required: ['name'], properties: { name: s('Name of the zone.') } }, description: 'Zones that should consume this endpoint.' },
        forNodes: { type: 'array', 'x-kubernetes-list-type': 'atomic', items: { type: 'object', required: ['name'], properties: { name: s('Name of the node.') } }, description: 'Nodes that should consume this endpoint.' },
      },
    },
  },
};

const portSchema: JsonSchema = {
  type: 'object',
  description: 'A port of every endpoint in the slice.',
  properties: {
    name: s('Name of the port; matches the service port name. Empty when there is one.', { nullable: true, maxLength: 63, pattern: `^$|${DNS_LABEL}` }),
    port: { type: 'integer', format: 'int32', nullable: true, minimum: 0, maximum: 65535, description: 'The port number.' },
    protocol: s('TCP, UDP or SCTP. Default TCP.', { nullable: true, enum: ['TCP', 'UDP', 'SCTP'], default: 'TCP' }),
    appProtocol: s('The application protocol of this port.', { nullable: true }),
  },
};

export const endpointSliceDef: ResourceDef = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  listKind: 'EndpointSliceList',
  plural: 'endpointslices',
  singular: 'endpointslice',
  shortNames: [],
  categories: [],
  namespaced: true,
  hasStatus: false,
  printerColumns: columns,
  schema: {
    type: 'object',
    description: 'EndpointSlice represents a subset of the endpoints that implement a service.',
    required: ['addressType', 'endpoints'],
    properties: {
      ...typeMetaProperties,
      addressType: {
        type: 'string',
        enum: ['IPv4', 'IPv6', 'FQDN'],
        description: 'The type of address carried by this EndpointSlice. Immutable.',
        'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'field is immutable' }],
      },
      endpoints: { type: 'array', maxItems: 1000, 'x-kubernetes-list-type': 'atomic', items: endpointSchema, description: 'The endpoints in this slice.' },
      ports: {
        type: 'array',
        nullable: true,
        maxItems: 100,
        'x-kubernetes-list-type': 'atomic',
        items: portSchema,
        description: 'The ports every endpoint of the slice exposes.',
        'x-kubernetes-validations': [{ rule: "self.all(p, self.filter(q, (has(q.name) ? q.name : '') == (has(p.name) ? p.name : '')).size() == 1)", message: 'port names must be unique' }],
      },
    },
  },
};
