import { SERVICE_NAME_LABEL, type EndpointSlice } from '../api/types.js';
import { safeName, type DataPlanePlan } from './plan.js';

// Tasks "held down" by the traffic gate (controllers/task/traffic-gate.ts), pure. The Task
// reconciler asks the data plane to drain a Task's servers before it writes Ready=False; the
// EndpointSlices catch up later, so until then a slice still says ready=true. The rule:
// - a held Task's servers are not ready, whatever the slices say;
// - a hold ends when the slices have caught up — no endpoint of that Task (targetRef.uid) is ready
//   in them any more (not ready, or gone): from then on the slices govern, and a later ready=true
//   there can only come from a later Ready=True write;
// - or when the Task reconciler reports the Task Ready again (afterReady: a Ready=True write, or
//   the Ready=False write failed) — the effect layer just drops the uid.

/** The holds still needed: uids that some slice still lists as a ready endpoint. */
export function holdsStillNeeded(held: ReadonlySet<string>, slices: EndpointSlice[]): Set<string> {
  const readyInSlices = new Set<string>();
  for (const s of slices) for (const ep of s.endpoints ?? []) if (ep.targetRef?.uid && ep.conditions?.ready === true) readyInSlices.add(ep.targetRef.uid);
  return new Set([...held].filter((uid) => readyInSlices.has(uid)));
}

/** `namespace/service/server` of every server of a held Task (servers are named after their Task, plan.ts). */
export function heldServerKeys(held: ReadonlySet<string>, slices: EndpointSlice[]): Set<string> {
  const down = new Set<string>();
  if (!held.size) return down;
  for (const s of slices) {
    const service = s.metadata.labels?.[SERVICE_NAME_LABEL];
    for (const ep of s.endpoints ?? []) {
      if (!ep.targetRef?.uid || !held.has(ep.targetRef.uid) || !ep.targetRef.name) continue;
      down.add(`${s.metadata.namespace}/${service}/${safeName(ep.targetRef.name)}`);
    }
  }
  return down;
}

/** The plan with every server of a held Task not ready. */
export function withHolds(plan: DataPlanePlan, held: ReadonlySet<string>, slices: EndpointSlice[]): DataPlanePlan {
  const down = heldServerKeys(held, slices);
  if (!down.size) return plan;
  return {
    ...plan,
    frontends: plan.frontends.map((f) => ({
      ...f,
      servers: f.servers.map((srv) => (down.has(`${f.namespace}/${f.service}/${srv.name}`) ? { ...srv, ready: false } : srv)),
    })),
  };
}
