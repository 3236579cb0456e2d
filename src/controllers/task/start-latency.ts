import type { Runtime } from '../../runtime/runtime.js';

// How long a Node's engine takes from okube's start call to the container's process start (its
// StartedAt): learned from every start okube makes (a created container's start, and the start
// that follows a create), per engine connection, so that a crash loop's
// pre-created container can be started that much before status.backoff.nextRestartAt (plan/
// start-lead.ts decides how much of it to use). On Docker this is ~0.5 s even on a quiet host.

/** Starts remembered per engine: enough for a steady median, few enough to follow a change of load. */
export const START_LATENCY_WINDOW = 16;
/**
 * An estimate from the first start seen: every start on the Node counts (a Task's first container
 * too), and a lone outlier can do little harm under plan/start-lead.ts's bounds (≤ 1 s, ≤ half the
 * delay), while waiting for more would leave a Task's first restarts unled.
 */
export const START_LATENCY_MIN_SAMPLES = 1;

/**
 * The typical start latency of the samples (ms): their median, so that a few starts slowed by a
 * busy host (or sped up by a skewed clock) do not move it. Undefined below the minimum count.
 */
export function typicalStartLatency(samples: readonly number[]): number | undefined {
  const finite = samples.filter((s) => Number.isFinite(s));
  if (finite.length < START_LATENCY_MIN_SAMPLES) return undefined;
  const sorted = [...finite].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The last samples with a new one added, the oldest dropped past the window. */
export function withSample(samples: readonly number[], ms: number): number[] {
  return [...samples, ms].slice(-START_LATENCY_WINDOW);
}

/**
 * The samples of each engine. Keyed by the Node's Runtime (its engine connection): a Node whose
 * engine is replaced starts learning again, and a gone Node's samples go with its runtime.
 */
export class StartLatencies {
  private readonly samples = new WeakMap<Runtime, number[]>();

  /** One start: the call at `calledAtMs`, the process started at `startedAt` (the engine's time). */
  record(rt: Runtime, calledAtMs: number, startedAt: string | undefined): void {
    const started = startedAt === undefined ? NaN : Date.parse(startedAt);
    if (!Number.isFinite(started)) return;
    this.samples.set(rt, withSample(this.samples.get(rt) ?? [], started - calledAtMs));
  }

  /** The engine's typical start latency in ms (undefined: not enough starts seen yet). */
  latency(rt: Runtime): number | undefined {
    return typicalStartLatency(this.samples.get(rt) ?? []);
  }
}
