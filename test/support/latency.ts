// Samples the latency of one request, one at a time, while something else happens (a restart
// storm, abuse), for figures the tests print (never assert beyond generous bounds).

export interface LatencySummary {
  count: number;
  errors: number;
  firstError?: string;
  p50: number;
  p99: number;
  max: number;
}

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1)];
}

export function summarize(samplesMs: number[], errors: string[]): LatencySummary {
  const s = [...samplesMs].sort((a, b) => a - b);
  return { count: s.length, errors: errors.length, firstError: errors[0], p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN };
}

export function formatSummary(what: string, s: LatencySummary): string {
  return `${what}: ${s.count} samples, p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, max ${s.max.toFixed(1)} ms, ${s.errors} errors`;
}

/** Calls `request` back to back (pausing `gapMs` between calls) until stopped. */
export function sampleLatency(request: () => Promise<unknown>, gapMs = 20): { stop(): Promise<LatencySummary> } {
  const samples: number[] = [];
  const errors: string[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        await request();
        samples.push(performance.now() - t0);
      } catch (err) {
        errors.push((err as Error).message);
      }
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return summarize(samples, errors);
    },
  };
}
