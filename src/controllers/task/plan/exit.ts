import type { ContainerState, TaskStatus } from '../../../api/types.js';
import { shouldRestart, type BackoffSettings, type ExitReason } from '../../../backoff/index.js';
import type { ContainerInfo } from '../../../runtime/runtime.js';
import { backoffAfterExit, backoffFinished, backoffLeftMs, resetBackoff } from './backoff.js';
import { cond, finish, type PlanContext } from './context.js';
import { precreateNext } from './next.js';
import { untilStartMs } from './start-lead.js';
import type { Plan } from './types.js';

// Exit bookkeeping: an exit is recorded in status exactly once, and decides between finishing
// the Task (restartPolicy), giving up (the restart limit: fail, or move to another Node) and a
// restart now or after the crash-loop delay.

type Terminated = NonNullable<ContainerState['terminated']>;
type ExitWhy = { reason: string; restartReason: ExitReason; message?: string };

function exitReason(c: ContainerInfo, status: TaskStatus): ExitWhy {
  if (status.probes?.unhealthyContainerID === c.id) return { reason: 'Unhealthy', restartReason: 'Unhealthy', message: status.probes.unhealthyMessage };
  if (c.oomKilled) return { reason: 'OOMKilled', restartReason: 'OOMKilled' };
  if (c.error) return { reason: 'ContainerCannotRun', restartReason: 'Exited', message: c.error };
  return { reason: c.exitCode === 0 ? 'Completed' : 'Error', restartReason: 'Exited' };
}

/** The exit of `c` is already in status (so it must not be counted twice). */
export function exitRecorded(c: ContainerInfo, status: TaskStatus): boolean {
  return status.state?.terminated?.containerID === c.id || status.lastState?.terminated?.containerID === c.id;
}

/** Step: record a new exit (or a running container that vanished); sets ctx.exited for the restart. */
export function exitBookkeeping(ctx: PlanContext): Plan | undefined {
  const { current, status } = ctx;
  ctx.exited = current && current.status !== 'created' ? current : undefined;
  let exitOverride: { exitCode: number; message: string } | undefined;
  if (!current && status.state?.running && status.containerID) {
    // Our running container vanished (docker rm -f): an exit we never saw, treated as a kill.
    exitOverride = { exitCode: 137, message: `container ${status.containerID.slice(0, 12)} was removed outside okube` };
  }
  if ((ctx.exited && !exitRecorded(ctx.exited, status)) || exitOverride) {
    const info = ctx.exited ?? ({ id: status.containerID!, startedAt: status.state?.running?.startedAt, finishedAt: ctx.nowIso, exitCode: exitOverride!.exitCode } as ContainerInfo);
    const decision = recordExit(ctx, info, exitOverride?.message);
    if (decision === 'done') return finish(ctx, ttlRequeue(ctx));
    if (decision === 'limit') return finish(ctx);
    if (decision === 'wait') {
      precreateNext(ctx);
      return finish(ctx, untilStartMs(ctx));
    }
    ctx.exited = info; // due now: on to the restart
  }
  return undefined;
}

/** Records an exit in status: 'restart' (due now), 'wait' (in backoff), 'done' (finished) or 'limit'. */
function recordExit(ctx: PlanContext, c: ContainerInfo, message?: string): 'restart' | 'wait' | 'done' | 'limit' {
  const { status } = ctx;
  const why = exitReason(c, status);
  const exitCode = c.exitCode ?? 137;
  const terminated: Terminated = {
    exitCode,
    reason: why.reason,
    ...(message ?? why.message ? { message: message ?? why.message } : {}),
    startedAt: c.startedAt,
    finishedAt: c.finishedAt ?? ctx.nowIso,
    containerID: c.id,
  };
  if (status.probes?.unhealthyContainerID) status.probes = { ...status.probes, unhealthyContainerID: undefined, unhealthyMessage: undefined };
  status.ready = false;
  status.containerID = c.id;
  ctx.actions.push({ kind: 'stopProbes' });

  if (!shouldRestart(ctx.spec.restartPolicy, exitCode, why.restartReason)) return finished(ctx, terminated, why);

  status.lastState = { terminated };
  const { decision, settings } = backoffAfterExit(ctx, { exitCode, startedAt: c.startedAt, finishedAt: terminated.finishedAt });
  if (decision.limitExceeded) return limitExceeded(ctx, terminated, `restarted ${settings.maxRestarts} times within ${settings.windowSeconds}s; last exit code ${exitCode}`, settings.onLimit);
  status.restartCount = (status.restartCount ?? 0) + 1;
  // A container that exited and will be restarted makes the Task Running, as the kubelet's phase
  // counts a Pod's terminated-and-restarting container: whether a reconcile happened to see it
  // running before it crashed must not decide the phase.
  status.phase = 'Running';
  const delay = decision.backoff.delaySeconds;
  status.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${delay}s restarting failed container (exit code ${exitCode})` } };
  cond(ctx, 'BackOff', 'True', 'CrashLoopBackOff', `back-off ${delay}s restarting failed container; next restart at ${decision.backoff.nextRestartAt}`);
  cond(ctx, 'Ready', 'False', 'CrashLoopBackOff', `the container exited with code ${exitCode} (${why.reason})`);
  ctx.events.push({ type: 'Warning', reason: 'BackOff', message: `Back-off ${delay}s restarting failed container (exit code ${exitCode}, ${why.reason})` });
  return backoffLeftMs(ctx) > 0 ? 'wait' : 'restart';
}

/** restartPolicy does not restart this exit: the Task is finished. */
function finished(ctx: PlanContext, terminated: Terminated, why: ExitWhy): 'done' {
  const { status } = ctx;
  const exitCode = terminated.exitCode;
  status.phase = exitCode === 0 && why.reason !== 'Unhealthy' ? 'Succeeded' : 'Failed';
  status.state = { terminated };
  status.completionTime = terminated.finishedAt;
  backoffFinished(status);
  cond(ctx, 'Ready', 'False', status.phase, `the container exited with code ${exitCode}`);
  cond(ctx, 'BackOff', 'False', status.phase, 'no restart: the Task has finished');
  ctx.events.push(status.phase === 'Succeeded'
    ? { type: 'Normal', reason: 'Completed', message: `Container exited with code 0` }
    : { type: 'Warning', reason: 'Failed', message: `Container exited with code ${exitCode} (${why.reason}); restartPolicy ${ctx.spec.restartPolicy ?? 'Always'} does not restart it` });
  return 'done';
}

/** Too many restarts in the window: fail the Task, or move it to another Node (onLimit: Reschedule). */
function limitExceeded(ctx: PlanContext, terminated: Terminated, msg: string, onLimit: BackoffSettings['onLimit']): 'limit' {
  const { status } = ctx;
  if (onLimit === 'Reschedule') {
    ctx.actions.push({ kind: 'reschedule' });
    resetBackoff(status);
    status.state = { waiting: { reason: 'Rescheduling', message: msg } };
    ctx.events.push({ type: 'Warning', reason: 'RestartLimitExceeded', message: `${msg}; moving to another Node` });
    return 'limit';
  }
  status.phase = 'Failed';
  status.state = { terminated: { ...terminated, reason: 'RestartLimitExceeded', message: msg } };
  status.completionTime = terminated.finishedAt;
  cond(ctx, 'Ready', 'False', 'RestartLimitExceeded', msg);
  cond(ctx, 'BackOff', 'False', 'RestartLimitExceeded', msg);
  ctx.events.push({ type: 'Warning', reason: 'RestartLimitExceeded', message: msg });
  return 'limit';
}

function ttlRequeue(ctx: PlanContext): number | undefined {
  const { spec, status } = ctx;
  if (spec.ttlSecondsAfterFinished === undefined || !status.completionTime) return undefined;
  return Math.max(0, Date.parse(status.completionTime) + spec.ttlSecondsAfterFinished * 1000 - ctx.now.getTime());
}
