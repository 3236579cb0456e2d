// When a Node's periodic work is due, pure. The heartbeat (ping, Lease) stays every period, as
// the kubelet's; what grows with the Tasks is bounded instead: usage readings cost one stats
// call per running container, so all Nodes together get a budget of calls per second and each
// Node's reading period stretches with the containers there are; the orphan sweep (two lists
// per Node) runs every half orphan grace period, not every heartbeat — orphans are not urgent,
// their removal waits the grace anyway; and the engine's info (capacity, version) is read again
// only every infoMaxAgeMs, the ping alone says it answers.

/**
 * Stats calls per second across all Nodes by default (0: no budget). Each call costs the
 * controllers ~1 ms of CPU (dockerode, HTTP; measured at 10,000 Tasks), so 5 a second is ~0.5 %
 * of a core: 150 running containers are still read every 30 s, 10,000 every ~33 min.
 */
export const DEFAULT_USAGE_STATS_PER_SECOND = 5;

/** How long the engine's info is reused after a successful ping. */
export const INFO_MAX_AGE_MS = 60_000;

/**
 * The period between two usage readings of each Node: the configured one, or longer when
 * reading every running container of every Node that often would pass the budget of stats
 * calls per second.
 */
export function usagePeriodMs(basePeriodMs: number, statsPerSecond: number, runningContainers: number): number {
  if (basePeriodMs <= 0 || statsPerSecond <= 0) return basePeriodMs;
  return Math.max(basePeriodMs, Math.ceil((runningContainers / statsPerSecond) * 1000));
}

/** Time between orphan sweeps: half the orphan grace, but never more often than the heartbeat. */
export function orphanSweepIntervalMs(heartbeatMs: number, orphanGraceMs: number): number {
  return Math.max(heartbeatMs, Math.floor(orphanGraceMs / 2));
}

/** Whether work last done at `lastAt` (undefined: never) is due again. */
export function isDue(lastAt: number | undefined, now: number, intervalMs: number): boolean {
  return lastAt === undefined || now - lastAt >= intervalMs;
}
