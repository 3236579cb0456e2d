import type { ServiceStatus } from './plan.js';
import { ROUTED, type Condition, type TaskService } from '../api/types.js';

// The data plane's part of a TaskService's status, pure: status.address, status.ports and
// condition Routed. A JSON merge patch replaces lists whole, so the patch carries every condition
// (the other writers' unchanged) and the resourceVersion it was computed from: a concurrent write
// by the endpoints controller makes it fail with Conflict instead of being overwritten.

/** The data plane's field manager (its status writes, in managedFields). */
export const PROXY_FIELD_MANAGER = 'okube-proxy';

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** The merge patch to send, or undefined when the status already says it. */
export function statusPatch(svc: TaskService, want: ServiceStatus, now: Date): object | undefined {
  const conditions = svc.status?.conditions ?? [];
  const old = conditions.find((c) => c.type === ROUTED);
  // A new generation is said too (observedGeneration): kubectl wait ignores an older condition.
  const changed = !old || old.status !== want.routed.status || old.reason !== want.routed.reason || old.message !== want.routed.message || old.observedGeneration !== svc.metadata.generation;
  if (!changed && svc.status?.address === want.address && sameJson(svc.status?.ports, want.ports)) return undefined;
  const routed: Condition = {
    type: ROUTED,
    status: want.routed.status,
    reason: want.routed.reason,
    message: want.routed.message,
    lastTransitionTime: old && old.status === want.routed.status ? old.lastTransitionTime : now.toISOString(),
    ...(svc.metadata.generation !== undefined ? { observedGeneration: svc.metadata.generation } : {}),
  };
  return {
    metadata: { resourceVersion: svc.metadata.resourceVersion },
    status: {
      // null removes it (a merge patch): a service of type None answers nowhere.
      address: want.address ?? null,
      ports: want.ports,
      conditions: [...conditions.filter((c) => c.type !== ROUTED), routed],
    },
  };
}

/** Where each routed service answers, one line each (okube up's summary). */
export function answerLines(statuses: ServiceStatus[]): string[] {
  return statuses
    .filter((s) => s.routed.status === 'True')
    .map((s) => `${s.namespace}/${s.name}: ${s.ports.map((p) => `${s.address}:${p.port}${p.name ? ` (${p.name})` : ''}`).join(', ')}`);
}
