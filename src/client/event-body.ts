import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../api/types.js';

// The core/v1 Event okube writes about an object, shared by the controllers' recorder (client-node)
// and the CLI's raw requests, so both say the same thing the same way.

export interface NewEvent {
  name: string;
  namespace: string;
  body: Record<string, unknown>;
}

/** A first Event (count 1) about `obj`, in its namespace (cluster-scoped objects: default, as kubectl's recorder does). */
export function newEvent(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, now: Date, component: string): NewEvent {
  const namespace = obj.metadata.namespace ?? 'default';
  const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
  return {
    name,
    namespace,
    body: {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
      reason,
      message,
      type,
      count: 1,
      // Dates, not strings: client-node serialises these fields with toISOString(); JSON.stringify does the same.
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
    },
  };
}
