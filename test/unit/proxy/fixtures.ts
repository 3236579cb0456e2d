import type { EndpointSlice, TaskService } from '../../../src/api/types.js';

// Plain-data TaskServices and EndpointSlices for the data plane's unit tests.

export function svc(name: string, ports: TaskService['spec']['ports'], extra: { created?: string; status?: TaskService['status']; type?: 'Proxy' | 'None' } = {}): TaskService {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'TaskService',
    metadata: { name, namespace: 'ns', creationTimestamp: extra.created ?? '2026-01-01T00:00:00Z' },
    spec: { selector: { app: name }, type: extra.type, ports },
    status: extra.status,
  };
}

export function slice(service: string, port: number, eps: Array<[task: string, address: string, ready: boolean]>, portName = ''): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${port}`, namespace: 'ns', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: portName, port, protocol: 'TCP' }],
    endpoints: eps.map(([task, address, ready]) => ({ addresses: [address], conditions: { ready, serving: ready, terminating: false }, targetRef: { kind: 'Task', name: task, namespace: 'ns' } })),
  };
}
