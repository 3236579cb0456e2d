import type { KubeObject } from '../api/types.js';

// The core/v1 Event okube writes about an object, shared by the controllers' recorder (client-node)
// and the CLI's raw requests, so both say the same thing the same way.

export interface NewEvent {
  name: string;
  namespace: string;
  body: Record<string, unknown>;
}

let lastNanos = 0n;

/**
 * client-go's recorder names an Event `<object>.<hex of its UnixNano>`, so that the Events of one
 * object list (by name) in the order they were recorded, and kubectl describe keeps that order for
 * those of the same second; a random suffix showed `Started` above `Created`. Nanoseconds within
 * the millisecond come from the process's high-resolution clock, so that two processes writing in
 * the same millisecond do not collide, and never go back within the process, so that Events
 * recorded one after another in the same millisecond keep their order.
 */
export function eventNameSuffix(now: Date): string {
  let nanos = BigInt(now.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (nanos <= lastNanos) nanos = lastNanos + 1n;
  lastNanos = nanos;
  return nanos.toString(16);
}

/** A first Event (count 1) about `obj`, in its namespace (cluster-scoped objects: default, as kubectl's recorder does). */
export function newEvent(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, now: Date, component: string): NewEvent {
  const namespace = obj.metadata.namespace ?? 'default';
  const name = `${obj.metadata.name}.${eventNameSuffix(now)}`;
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
