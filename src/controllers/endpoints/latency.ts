import type { EndpointSlice, Task } from '../../api/types.js';

// Endpoint update latency for the metrics: for every endpoint whose `ready` a write changes (or
// that a write adds as ready), the time from the Task event behind it — its Ready condition's
// transition, or its deletionTimestamp for a terminating endpoint — to the write. Pure.

function readyByUid(slices: EndpointSlice[]): Map<string, boolean> {
  const m = new Map<string, boolean>();
  for (const s of slices) for (const e of s.endpoints ?? []) if (e.targetRef?.uid) m.set(e.targetRef.uid, e.conditions?.ready !== false);
  return m;
}

/** Seconds from each readiness change to `now`, for the endpoints whose ready differs between `before` and `written`. */
export function readinessLatencies(before: EndpointSlice[], written: EndpointSlice[], taskByUid: (uid: string) => Task | undefined, now: Date): number[] {
  const was = readyByUid(before);
  const out: number[] = [];
  for (const [uid, ready] of readyByUid(written)) {
    if (was.get(uid) === ready || (!was.has(uid) && !ready)) continue;
    const t = taskByUid(uid);
    if (!t) continue;
    const since = !ready && t.metadata.deletionTimestamp ? t.metadata.deletionTimestamp : t.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
    const ms = since ? now.getTime() - Date.parse(since) : NaN;
    if (Number.isFinite(ms) && ms >= 0) out.push(ms / 1000);
  }
  return out;
}
