import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { at, container, iso, node, task } from './fixtures.js';

const exitedC = (t: Task, restart: number, code: number, started: number, finished: number) =>
  container(t, { restart, status: 'exited', running: false, exitCode: code, startedAt: iso(started), finishedAt: iso(finished) });

const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(0), ...input });
const kinds = (p: ReturnType<typeof plan>) => p.actions.map((a) => a.kind);

describe('task plan', () => {
  it('adds the finalizer before anything else', () => {
    const p = run({ task: task({}, undefined, { finalizers: [] }) });
    expect(kinds(p)).to.deep.equal(['addFinalizer']);
  });

  it('stays Pending with Scheduled=False while no Node is assigned', () => {
    const p = run({ task: task({ nodeName: undefined }), node: undefined });
    expect(p.status.phase).to.equal('Pending');
    expect(p.status.conditions!.find((c) => c.type === 'Scheduled')).to.include({ status: 'False', reason: 'Unschedulable' });
    expect(p.actions).to.deep.equal([]);
  });

  it('creates exactly one container when there is none', () => {
    const p = run({ task: task() });
    expect(p.actions).to.deep.equal([{ kind: 'create', restartNumber: 0 }]);
    expect(p.status.state?.waiting?.reason).to.equal('ContainerCreating');
  });

  it('adopts an existing running container instead of creating one', () => {
    const t = task();
    const p = run({ task: t, containers: [container(t)] });
    expect(kinds(p)).to.not.include('create');
    expect(p.status).to.include({ phase: 'Running', containerID: 'c0', ready: true });
  });

  it('removes duplicate containers and keeps the newest', () => {
    const t = task();
    const p = run({ task: t, containers: [container(t, { restart: 0 }), container(t, { restart: 1 })] });
    expect(p.actions).to.deep.include({ kind: 'remove', id: 'c0' });
    expect(p.actions).to.deep.include({ kind: 'stop', id: 'c0', graceSeconds: 30, reason: 'Duplicate' });
    expect(p.status.containerID).to.equal('c1');
  });

  it('records a crash, counts the restart and waits for nextRestartAt', () => {
    const t = task({ backoff: { initialDelaySeconds: 10 } }, { phase: 'Running' });
    const p = run({ task: t, containers: [exitedC(t, 0, 1, 0, 2)], now: at(3) });
    expect(p.status.restartCount).to.equal(1);
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(p.status.lastState?.terminated).to.include({ exitCode: 1, reason: 'Error', containerID: 'c0' });
    expect(p.status.backoff).to.include({ restarts: 1, delaySeconds: 10, nextRestartAt: iso(12), lastExitCode: 1 });
    expect(p.status.conditions!.find((c) => c.type === 'BackOff')).to.include({ status: 'True', reason: 'CrashLoopBackOff' });
    expect(p.requeueAfterMs).to.equal(9000);
    expect(kinds(p)).to.not.include('create');
  });

  it('does not count an exit twice when reconciled again before the restart', () => {
    const t = task({}, undefined);
    const first = run({ task: t, containers: [exitedC(t, 0, 1, 0, 2)], now: at(3) });
    const again = run({ task: task({}, first.status), containers: [exitedC(t, 0, 1, 0, 2)], now: at(5) });
    expect(again.status.restartCount).to.equal(1);
    expect(again.status.backoff).to.deep.equal(first.status.backoff);
    expect(again.requeueAfterMs).to.equal(7000);
  });

  it('never restarts before nextRestartAt, even right after a controller restart', () => {
    const t = task();
    const waiting = run({ task: t, containers: [exitedC(t, 0, 1, 0, 2)], now: at(3) }).status;
    const p = run({ task: task({}, waiting), containers: [exitedC(t, 0, 1, 0, 2)], now: at(11.9) });
    expect(kinds(p)).to.not.include('create');
  });

  it('restarts once nextRestartAt has come, as restart number n+1', () => {
    const t = task();
    const waiting = run({ task: t, containers: [exitedC(t, 0, 1, 0, 2)], now: at(3) }).status;
    const p = run({ task: task({}, waiting), containers: [exitedC(t, 0, 1, 0, 2)], now: at(12) });
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 1 });
  });

  it('doubles the delay across successive crashes up to the cap', () => {
    const spec = { backoff: { initialDelaySeconds: 1, factor: 2, maxDelaySeconds: 4 } };
    let status: Task['status'];
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = task(spec, status);
      status = run({ task: t, containers: [exitedC(t, i, 1, i * 100, i * 100 + 1)], now: at(i * 100 + 1) }).status;
      delays.push(status.backoff!.delaySeconds);
    }
    expect(delays).to.deep.equal([1, 2, 4, 4, 4]);
  });

  it('ends Failed with RestartLimitExceeded after maxRestarts', () => {
    const spec = { backoff: { initialDelaySeconds: 1, maxRestarts: 2, windowSeconds: 600 } };
    let status: Task['status'];
    for (let i = 0; i < 3; i++) {
      const t = task(spec, status);
      status = run({ task: t, containers: [exitedC(t, i, 1, i * 10, i * 10 + 1)], now: at(i * 10 + 1) }).status;
    }
    expect(status!.phase).to.equal('Failed');
    expect(status!.state?.terminated?.reason).to.equal('RestartLimitExceeded');
    expect(status!.restartCount).to.equal(2);
  });

  it('with restartPolicy Never, exit 0 ends Succeeded and keeps the container', () => {
    const t = task({ restartPolicy: 'Never' });
    const p = run({ task: t, containers: [exitedC(t, 0, 0, 0, 5)], now: at(6) });
    expect(p.status.phase).to.equal('Succeeded');
    expect(p.status.state?.terminated).to.include({ exitCode: 0, reason: 'Completed' });
    expect(kinds(p)).to.not.include('remove');
  });

  it('with restartPolicy OnFailure, exit 0 ends Succeeded and exit 1 restarts', () => {
    const t = task({ restartPolicy: 'OnFailure' });
    expect(run({ task: t, containers: [exitedC(t, 0, 0, 0, 1)], now: at(2) }).status.phase).to.equal('Succeeded');
    expect(run({ task: t, containers: [exitedC(t, 0, 1, 0, 1)], now: at(2) }).status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
  });

  it('replaces the container without backoff when the spec hash changes', () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running', restartCount: 3 });
    const p = run({ task: t, containers: [container(old)] });
    expect(kinds(p)).to.deep.equal(['stopProbes', 'stop', 'create']);
    expect(p.status.restartCount).to.equal(3);
    expect(p.status.backoff).to.equal(undefined);
  });

  it('on deletion stops gracefully, removes the containers, then drops the finalizer', () => {
    const t = task({ terminationGracePeriodSeconds: 7 }, undefined, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t)] });
    expect(p.actions).to.deep.equal([
      { kind: 'stopProbes' },
      { kind: 'stop', id: 'c0', graceSeconds: 7, reason: 'Deleted' },
      { kind: 'remove', id: 'c0' },
      { kind: 'removeFinalizer' },
    ]);
  });

  it('keeps lastTransitionTime when a condition does not flip', () => {
    const t = task();
    const first = run({ task: t, containers: [container(t)], now: at(0) }).status;
    const second = run({ task: task({}, first), containers: [container(t)], now: at(50) }).status;
    const ready = (s: typeof first) => s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready(second).lastTransitionTime).to.equal(ready(first).lastTransitionTime);
  });

  it('reports ErrImageNeverPull when the image is missing and pulls are not allowed', () => {
    const p = run({ task: task({ imagePullPolicy: 'Never' }), imagePresent: false });
    expect(p.status.state?.waiting?.reason).to.equal('ErrImageNeverPull');
    expect(kinds(p)).to.not.include('create');
  });

  it('pulls a missing image before creating the container', () => {
    const p = run({ task: task(), imagePresent: false });
    expect(kinds(p)).to.deep.equal(['pullImage', 'create']);
  });

  it('treats a running container that vanished as a kill and restarts through the backoff', () => {
    const t = task({}, { phase: 'Running', containerID: 'gone', state: { running: { startedAt: iso(0) } } });
    const p = run({ task: t, containers: [], now: at(30) });
    expect(p.status.lastState?.terminated).to.include({ exitCode: 137, containerID: 'gone' });
    expect(p.status.restartCount).to.equal(1);
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
  });

  it('stops an unhealthy container and records the exit as Unhealthy', () => {
    const t = task({ livenessProbe: { tcpSocket: { port: 1 } } }, { phase: 'Running' });
    const p = run({ task: t, containers: [container(t)], probe: { started: true, ready: false, restart: { reason: 'liveness', message: 'connection refused' } } });
    expect(p.actions).to.deep.include({ kind: 'stop', id: 'c0', graceSeconds: 30, reason: 'Unhealthy' });
    const after = run({ task: task({ livenessProbe: { tcpSocket: { port: 1 } } }, p.status), containers: [container(t, { status: 'exited', running: false, exitCode: 137, finishedAt: iso(1) })], now: at(1) });
    expect(after.status.lastState?.terminated?.reason).to.equal('Unhealthy');
    expect(after.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
  });

  it('stops restarting for probes once the rate limit is hit and says why', () => {
    const recent = [1, 2, 3, 4, 5].map(iso);
    const t = task({ livenessProbe: { tcpSocket: { port: 1 } } }, { phase: 'Running', probes: { probeRestarts: recent } });
    const p = run({ task: t, containers: [container(t)], now: at(10), probe: { started: true, ready: false, restart: { reason: 'liveness', message: 'timeout' } } });
    expect(kinds(p)).to.not.include('stop');
    expect(p.status.conditions!.find((c) => c.type === 'ProbeRestartLimited')).to.include({ status: 'True' });
    expect(p.status.ready).to.equal(false);
  });

  it('on deletion stops with the deletion grace period when it is shorter than the spec, and with the spec otherwise (0: none given, as kube-apiserver marks custom resources)', () => {
    const graceOf = (meta: Record<string, unknown>) => {
      const t = task({ terminationGracePeriodSeconds: 7 }, undefined, { deletionTimestamp: iso(0), ...meta });
      return run({ task: t, containers: [container(t)] }).actions.find((a) => a.kind === 'stop');
    };
    expect(graceOf({ deletionGracePeriodSeconds: 1 })).to.include({ graceSeconds: 1 });
    expect(graceOf({ deletionGracePeriodSeconds: 60 })).to.include({ graceSeconds: 7 });
    expect(graceOf({ deletionGracePeriodSeconds: 0 })).to.include({ graceSeconds: 7 });
  });

  it('deletes a finished Task once ttlSecondsAfterFinished has passed', () => {
    const t = task({ restartPolicy: 'Never', ttlSecondsAfterFinished: 10 }, { phase: 'Succeeded', completionTime: iso(0) });
    expect(run({ task: t, now: at(5) }).requeueAfterMs).to.equal(5000);
    expect(kinds(run({ task: t, now: at(10) }))).to.deep.equal(['deleteTask']);
  });
});

describe('task plan with probes', () => {
  it('is not Ready before the readiness probe has passed', () => {
    const t = task({ readinessProbe: { tcpSocket: { port: 80 } } });
    const p = run({ task: t, containers: [container(t)] });
    expect(p.status.ready).to.equal(false);
    expect(p.actions.map((a) => a.kind)).to.include('startProbes');
  });

  it('is not started before the startup probe has passed', () => {
    const t = task({ startupProbe: { tcpSocket: { port: 80 } } });
    expect(run({ task: t, containers: [container(t)] }).status.started).to.equal(false);
  });

  it('follows the probe verdict once there is one and records the probe results', () => {
    const t = task({ readinessProbe: { tcpSocket: { port: 80 } } });
    const probes = { readiness: { result: 'Success' as const, time: iso(1), message: 'ok' } };
    const p = run({ task: t, containers: [container(t)], probe: { started: true, ready: true, probes } });
    expect(p.status.ready).to.equal(true);
    expect(p.status.probes?.readiness).to.deep.equal(probes.readiness);
  });
});

describe('task plan probe restart limit', () => {
  it('counts each probe-triggered restart towards the limit', () => {
    const spec = { livenessProbe: { tcpSocket: { port: 1 } }, probeRestartLimit: { maxRestarts: 2, windowSeconds: 300 } };
    const unhealthy = { started: true, ready: false, restart: { reason: 'LivenessProbe', message: 'refused' } };
    let status: Task['status'] = { phase: 'Running' };
    const stops: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      const t = task(spec, status);
      const p = run({ task: t, containers: [container(t, { restart: i })], now: at(i * 10), probe: unhealthy });
      stops.push(p.actions.some((a) => a.kind === 'stop'));
      status = p.status;
    }
    expect(stops).to.deep.equal([true, true, false]);
    expect(status!.probes!.probeRestarts).to.have.length(2);
  });
});
