// When a Node's periodic work is due, pure. The heartbeat (a ping) stays every period, as the
// kubelet's. Everything else is spaced out, because every call per Node per period is paid by the
// engine, and every Lease write by the API server and etcd (at 100 Nodes, a Lease write each 10 s
// was most of their idle CPU; docs/benchmarks.md "Idle at 100 Nodes"): usage readings cost one
// stats call per running container, so all Nodes together get a budget of calls per second and each
// Node's reading period stretches with the containers there are; the orphan sweep runs every half
// orphan grace period, not every heartbeat — orphans are not urgent, their removal waits the grace
// anyway — and its volume list only every VOLUME_SWEEP_EVERY sweeps unless a leftover volume is
// being watched; the engine's info (capacity, version) is read again only every INFO_MAX_AGE_MS,
// the ping alone says it answers; and the Node's Lease is renewed every other heartbeat, well
// within its duration.

/**
 * Stats calls per second across all Nodes by default (0: no budget). Each call costs the
 * controllers ~1 ms of CPU (dockerode, HTTP; measured at 10,000 Tasks), so 5 a second is ~0.5 %
 * of a core: 150 running containers are still read every 30 s, 10,000 every ~33 min.
 */
export const DEFAULT_USAGE_STATS_PER_SECOND = 5;

/** How long the engine's info is reused after a successful ping. */
export const INFO_MAX_AGE_MS = 300_000;

/** The orphan sweep lists the Node's volumes every this many sweeps (5 min at the defaults). */
export const VOLUME_SWEEP_EVERY = 10;

/**
 * Whether the Node's Lease is renewed at this heartbeat: when its last renewal (the contact time
 * it carries) is 1.5 heartbeat periods old, so every other heartbeat — but at least twice per
 * lease duration (the grace period), which the holder must renew within. A restarted controller
 * reads the last contact from it, so it is at most two periods stale.
 */
export function leaseRenewDue(lastRenewedAt: number | undefined, contactAt: number, periodMs: number, durationMs: number): boolean {
  return lastRenewedAt === undefined || contactAt - lastRenewedAt >= Math.min(1.5 * periodMs, durationMs / 2);
}

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
