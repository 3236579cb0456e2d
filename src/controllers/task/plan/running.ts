import { probeRestartAllowed } from '../../../backoff/index.js';
import { LABELS } from '../../../api/types.js';
import type { ContainerInfo } from '../../../runtime/runtime.js';
import { replacedOnRequest, REQUEST_LABELS, RESTART_ANNOTATION } from '../requests.js';
import { backoffRunning } from './backoff.js';
import { cond, finish, hasProbes, SPEC_CHANGED, stoppedForSpecChange, stopping, type PlanContext } from './context.js';
import { exitRecorded } from './exit.js';
import type { Plan, ProbeStart } from './types.js';

// A running container: its state in status, then what the probes say (a liveness kill within
// the probe-restart limit, readiness).

/** Step: the newest container runs. */
export function running(ctx: PlanContext): Plan | undefined {
  const c = ctx.current;
  if (!c?.running) return undefined;
  runningState(ctx, c);
  const stop = stopping(ctx, c);
  if (stop) {
    // Being stopped (a liveness kill, a restart request): not ready, and not probed again.
    ctx.status.ready = false;
    const message = stop.reason === 'Unhealthy' ? (ctx.status.probes?.unhealthyMessage ?? 'the liveness probe failed') : `the container is stopping (${stop.reason})`;
    cond(ctx, 'Ready', 'False', stop.reason === 'Unhealthy' ? 'Unhealthy' : 'Stopping', message);
    return finish(ctx);
  }
  return probes(ctx, c);
}

function runningState(ctx: PlanContext, c: ContainerInfo): void {
  const { status, previous, nowIso } = ctx;
  const replaced = previous && previous.status !== 'created' && !exitRecorded(previous, status) ? replacedWhy(ctx, previous, c) : undefined;
  if (previous && replaced) {
    // The container a restart request or a spec change replaced: its real exit, as the last state (not a crash).
    status.lastState = {
      terminated: {
        exitCode: previous.exitCode ?? 137,
        ...replaced,
        startedAt: previous.startedAt,
        finishedAt: previous.finishedAt ?? nowIso,
        containerID: previous.id,
      },
    };
  }
  status.phase = 'Running';
  status.containerID = c.id;
  status.state = { running: { startedAt: c.startedAt ?? nowIso } };
  status.startTime ??= c.startedAt ?? nowIso;
  status.ports = c.ports.map((p) => ({
    containerPort: p.containerPort,
    hostPort: p.hostPort,
    protocol: p.protocol,
    hostIP: p.hostIP,
    name: ctx.spec.ports?.find((sp) => sp.containerPort === p.containerPort)?.name,
  }));
  backoffRunning(status);
  cond(ctx, 'BackOff', 'False', 'Running', 'the container is running');
}

function probes(ctx: PlanContext, c: ContainerInfo): Plan {
  const { status, spec, input } = ctx;
  // Probes declared but no result yet: where they start — for a container probed before okube
  // restarted, what the stored status says (probedBefore), handed to the probes too so both agree;
  // for a new one not ready (and not started) until the probes say so.
  const resumed = !input.probe && hasProbes(ctx.task) ? probedBefore(ctx.task, c) : undefined;
  if (hasProbes(ctx.task)) ctx.actions.push({ kind: 'startProbes', containerId: c.id, ports: status.ports!, ...(resumed ? { initial: resumed } : {}) });
  if (input.probe?.probes) status.probes = { ...status.probes, ...input.probe.probes };
  if (input.probe?.restart) return probeRestart(ctx, c, input.probe.restart);
  status.conditions = (status.conditions ?? []).filter((x) => x.type !== 'ProbeRestartLimited');
  const probe = input.probe ?? (hasProbes(ctx.task) ? (resumed ?? { started: !spec.startupProbe, ready: !spec.startupProbe && !spec.readinessProbe }) : undefined);
  status.started = probe?.started ?? true;
  status.ready = probe ? probe.ready : true;
  if (status.ready) cond(ctx, 'Ready', 'True', 'Ready', spec.readinessProbe ? 'the readiness probe passes' : 'the container is running');
  else {
    // Why, when the probe said (a port not published, a 503, a refused connection): the condition
    // is where kubectl describe and wait look, not status.probes.
    const failed = (st?: { result: string; message?: string }) => (st?.result === 'Failure' && st.message ? `: ${st.message}` : '');
    if (status.started) cond(ctx, 'Ready', 'False', 'ReadinessProbeFailed', `the readiness probe does not pass yet${failed(status.probes?.readiness)}`);
    else cond(ctx, 'Ready', 'False', 'StartupProbePending', `waiting for the startup probe${failed(status.probes?.startup)}`);
  }
  return finish(ctx);
}

/**
 * The verdict the stored status holds for this container when okube probed it before a restart
 * of its controllers (same id, same start): started and ready as the spec reads them (no startup
 * probe: started; no readiness probe: ready once started). Carrying it on keeps a ready
 * container in its services across the restart (the kubelet drops them until the next probe:
 * kubernetes#100277); the next results decide from there, with the usual thresholds.
 */
function probedBefore(task: PlanContext['task'], c: ContainerInfo): ProbeStart | undefined {
  const stored = task.status;
  const since = stored?.state?.running?.startedAt;
  if (stored?.containerID !== c.id || since === undefined || (c.startedAt !== undefined && since !== c.startedAt)) return undefined;
  const started = !task.spec.startupProbe || stored.started === true;
  return { started, ready: task.spec.readinessProbe ? started && stored.ready === true : started };
}

/** A liveness or startup probe asks for a restart: stop the container, unless the probe-restart limit says no. */
function probeRestart(ctx: PlanContext, c: ContainerInfo, restart: { reason: string; message: string }): Plan {
  const { status, spec, nowIso } = ctx;
  const verdict = probeRestartAllowed(status.probes?.probeRestarts, spec.probeRestartLimit, ctx.now);
  if (verdict.allowed) {
    status.probes = { ...status.probes, probeRestarts: [...verdict.recent, nowIso], unhealthyContainerID: c.id, unhealthyMessage: restart.message };
    ctx.actions.push({ kind: 'stopProbes' }, { kind: 'stop', id: c.id, graceSeconds: ctx.grace, reason: 'Unhealthy' });
    ctx.events.push({ type: 'Warning', reason: 'Unhealthy', message: restart.message });
    ctx.events.push({ type: 'Normal', reason: 'Killing', message: `Container failed ${restart.reason}, will be restarted` });
    status.ready = false;
    cond(ctx, 'Ready', 'False', 'Unhealthy', restart.message);
    return finish(ctx);
  }
  status.probes = { ...status.probes, probeRestarts: verdict.recent };
  status.ready = false;
  const limit = spec.probeRestartLimit ?? {};
  const message = `probe-triggered restarts limited to ${limit.maxRestarts ?? 5} in ${limit.windowSeconds ?? 300}s; leaving the container running: ${restart.message}`;
  cond(ctx, 'ProbeRestartLimited', 'True', 'RestartRateLimited', message);
  cond(ctx, 'Ready', 'False', 'ProbeRestartLimited', message);
  return finish(ctx, 30_000);
}

/** Why `newer` replaced `older` other than by a crash: a restart request, or a spec change (undefined: neither). */
function replacedWhy(ctx: PlanContext, older: ContainerInfo, newer: ContainerInfo): { reason: string; message: string } | undefined {
  if (replacedOnRequest(older, newer)) return { reason: 'Restarted', message: `restarted on request (${RESTART_ANNOTATION}=${newer.labels[REQUEST_LABELS.restart] ?? ''})` };
  if (older.labels[LABELS.specHash] !== newer.labels[LABELS.specHash] || stoppedForSpecChange(ctx, older)) return { reason: SPEC_CHANGED, message: 'replaced after a spec change' };
  return undefined;
}
