import type { BackoffSpec, BackoffStatus, ProbeRestartLimit, RestartPolicy } from '../api/types.js';

// The crash-loop backoff (DESIGN.md "Crash-loop backoff and health"), pure: time comes in as a
// parameter, and every decision is recomputed from what Task.status.backoff holds, so a
// restarted controller continues the same schedule.
//
// Two counters, like Kubernetes: status.restartCount is the total number of restarts (never
// reset); status.backoff.restarts is the position in the current backoff sequence — the
// exponent — which starts over once a container ran resetAfterSeconds without failing.

export interface BackoffSettings {
  initialDelaySeconds: number;
  factor: number;
  maxDelaySeconds: number;
  resetAfterSeconds: number;
  jitterPercent: number;
  maxRestarts?: number;
  windowSeconds: number;
  onLimit: 'Fail' | 'Reschedule';
}

export function resolveBackoff(spec: BackoffSpec = {}): BackoffSettings {
  return {
    initialDelaySeconds: spec.initialDelaySeconds ?? 10,
    factor: spec.factor ?? 2,
    maxDelaySeconds: spec.maxDelaySeconds ?? 300,
    resetAfterSeconds: spec.resetAfterSeconds ?? 600,
    jitterPercent: spec.jitterPercent ?? 0,
    maxRestarts: spec.maxRestarts,
    windowSeconds: spec.windowSeconds ?? 600,
    onLimit: spec.onLimit ?? 'Fail',
  };
}

/** Delay before restart n (1-based): min(initial × factor^(n-1), max), spread by jitter. */
export function delayFor(n: number, s: BackoffSettings, rand: () => number = Math.random): number {
  const base = Math.min(s.initialDelaySeconds * s.factor ** Math.max(0, n - 1), s.maxDelaySeconds);
  if (s.jitterPercent <= 0) return base;
  const spread = (base * s.jitterPercent) / 100;
  return Math.min(s.maxDelaySeconds, Math.max(0, base + (rand() * 2 - 1) * spread));
}

export type ExitReason = 'Exited' | 'OOMKilled' | 'Unhealthy';

/** Whether restartPolicy asks for a restart after this exit. */
export function shouldRestart(policy: RestartPolicy | undefined, exitCode: number, reason: ExitReason = 'Exited'): boolean {
  switch (policy ?? 'Always') {
    case 'Always':
      return true;
    case 'OnFailure':
      return exitCode !== 0 || reason === 'Unhealthy';
    case 'Never':
      return false;
  }
}

export interface ContainerExit {
  exitCode: number;
  startedAt?: string;
  finishedAt?: string;
}

export interface ExitDecision {
  backoff: BackoffStatus;
  /** maxRestarts within windowSeconds reached: do not restart. */
  limitExceeded: boolean;
}

function seconds(a: string | undefined, b: string | undefined): number | undefined {
  if (!a || !b) return undefined;
  return (Date.parse(b) - Date.parse(a)) / 1000;
}

/**
 * The backoff after a container exit that will be restarted. The restart is due at
 * finishedAt + delay, so observing the exit late (controller down) never delays it further.
 */
export function onContainerExit(prev: BackoffStatus | undefined, exit: ContainerExit, s: BackoffSettings, now: Date, rand?: () => number): ExitDecision {
  const finishedAt = exit.finishedAt ?? now.toISOString();
  const ranFor = seconds(exit.startedAt, finishedAt);
  const healthyRun = ranFor !== undefined && ranFor >= s.resetAfterSeconds;
  const restarts = prev && !healthyRun ? prev.restarts + 1 : 1;
  const delaySeconds = delayFor(restarts, s, rand);
  const nextRestartAt = new Date(Date.parse(finishedAt) + delaySeconds * 1000).toISOString();

  const windowStart = now.getTime() - s.windowSeconds * 1000;
  const recent = (prev?.recentRestarts ?? []).filter((t) => Date.parse(t) > windowStart);
  const limitExceeded = s.maxRestarts !== undefined && recent.length >= s.maxRestarts;
  return {
    backoff: {
      restarts,
      delaySeconds: Math.round(delaySeconds * 1000) / 1000,
      nextRestartAt: limitExceeded ? undefined : nextRestartAt,
      lastExitCode: exit.exitCode,
      lastFinishedAt: finishedAt,
      recentRestarts: limitExceeded ? recent : [...recent, nextRestartAt],
    },
    limitExceeded,
  };
}

/** Milliseconds until the scheduled restart (0 when due or when none is scheduled). */
export function remainingMs(backoff: BackoffStatus | undefined, now: Date): number {
  if (!backoff?.nextRestartAt) return 0;
  return Math.max(0, Date.parse(backoff.nextRestartAt) - now.getTime());
}

export function isDue(backoff: BackoffStatus | undefined, now: Date): boolean {
  return remainingMs(backoff, now) === 0;
}

export interface ProbeRestartVerdict {
  allowed: boolean;
  /** Probe-triggered restarts still inside the window (to store back in status). */
  recent: string[];
}

/** The rate limit on probe-triggered restarts (default 5 within 300 s). */
export function probeRestartAllowed(recent: string[] | undefined, limit: ProbeRestartLimit | undefined, now: Date): ProbeRestartVerdict {
  const max = limit?.maxRestarts ?? 5;
  const windowMs = (limit?.windowSeconds ?? 300) * 1000;
  const kept = (recent ?? []).filter((t) => Date.parse(t) > now.getTime() - windowMs);
  return { allowed: kept.length < max, recent: kept };
}
