import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { plan, STOPPING_CONDITION, type InFlightOp, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { RESTART_ANNOTATION } from '../../../../src/controllers/task/requests.js';
import { at, container, iso, node, task } from './fixtures.js';

// The plan with stops and pulls under way outside the workers: it neither asks for them again
// nor does what needs their end, and it says what the Task is waiting for.

const stopOf = (id: string, reason: string, graceSeconds = 30): InFlightOp => ({ kind: 'stop', containerId: id, graceSeconds, reason, since: iso(1) });
const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(2), ...input });
const kinds = (p: ReturnType<typeof plan>) => p.actions.map((a) => a.kind);
const condition = (p: ReturnType<typeof plan>, type: string) => p.status.conditions?.find((c) => c.type === type);

describe('task plan with engine calls in flight', () => {
  it('on deletion waits for a stop in flight: no second stop, no remove, the finalizer stays', () => {
    const t = task({}, undefined, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Deleted')] });
    expect(kinds(p)).to.deep.equal(['stopProbes']);
    expect(condition(p, STOPPING_CONDITION)).to.include({ status: 'True', reason: 'Deleted' });
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Terminating' });
  });

  it('on deletion with a shorter grace period than the stop in flight, stops again with it; the Stopping condition names the shorter one', () => {
    const t = task({}, undefined, { deletionTimestamp: iso(0), deletionGracePeriodSeconds: 2 });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Deleted')] });
    expect(p.actions).to.deep.include({ kind: 'stop', id: 'c0', graceSeconds: 2, reason: 'Deleted' });
    expect(kinds(p)).to.not.include('remove');
    expect(p.events.map((e) => e.message)).to.deep.equal(['Stopping container c0 (grace shortened to 2s)']);
    const again = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Deleted'), stopOf('c0', 'Deleted', 2)] });
    expect(kinds(again)).to.deep.equal(['stopProbes']);
    expect(condition(again, STOPPING_CONDITION)?.message).to.match(/SIGKILL after 2s$/);
  });

  it('on deletion removes the container and the finalizer once it has stopped', () => {
    const t = task({}, { conditions: [{ type: STOPPING_CONDITION, status: 'True', reason: 'Deleted', message: '', lastTransitionTime: iso(1) }] }, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t, { status: 'exited', running: false, exitCode: 137 })] });
    expect(kinds(p)).to.deep.equal(['stopProbes', 'remove', 'removeFinalizer']);
  });

  it('a container being killed for its liveness probe is not Ready and not probed again', () => {
    const t = task({ livenessProbe: { tcpSocket: { port: 1 } } }, { phase: 'Running', ready: true, probes: { unhealthyContainerID: 'c0', unhealthyMessage: 'Liveness probe failed: refused' } });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Unhealthy')] });
    expect(kinds(p)).to.not.include('startProbes');
    expect(kinds(p)).to.not.include('stop');
    expect(p.status.ready).to.equal(false);
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Unhealthy', message: 'Liveness probe failed: refused' });
    expect(condition(p, STOPPING_CONDITION)).to.include({ status: 'True', reason: 'Unhealthy' });
  });

  it('the liveness verdict itself makes the Task not Ready in the plan that stops it', () => {
    const t = task({ livenessProbe: { tcpSocket: { port: 1 } } }, { phase: 'Running', ready: true });
    const p = run({ task: t, containers: [container(t)], probe: { started: true, ready: true, restart: { reason: 'LivenessProbe', message: 'Liveness probe failed: 404' } } });
    expect(p.actions).to.deep.include({ kind: 'stop', id: 'c0', graceSeconds: 30, reason: 'Unhealthy' });
    expect(p.status.ready).to.equal(false);
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Unhealthy' });
  });

  it('never creates a container while an older one of the Task is still stopping', () => {
    const t = task({}, { phase: 'Running' });
    const old = container(t, { restart: 0 });
    const exited = container(t, { restart: 1, status: 'exited', running: false, exitCode: 0, finishedAt: iso(1) });
    const p = run({ task: { ...t, spec: { ...t.spec, restartPolicy: 'Always', backoff: { initialDelaySeconds: 0 } } }, containers: [exited, old], inFlight: [stopOf('c0', 'Duplicate')] });
    expect(kinds(p)).to.not.include('create');
    expect(kinds(p)).to.not.include('remove');
  });

  it('a spec change waits for the old container to stop before creating the new one', () => {
    const old = task();
    const t = task({ image: 'img2' }, { phase: 'Running' });
    const p = run({ task: t, containers: [container(old)], inFlight: [stopOf('c0', 'SpecChanged')] });
    expect(kinds(p)).to.deep.equal(['stopProbes']);
    expect(p.status.state?.waiting?.reason).to.equal('ContainerCreating');
  });

  it('while the image is being pulled, says so and creates nothing', () => {
    const p = run({ task: task(), imagePresent: false, inFlight: [{ kind: 'pull', image: 'img', since: iso(1) }] });
    expect(kinds(p)).to.deep.equal([]);
    expect(p.status.state?.waiting).to.deep.equal({ reason: 'ContainerCreating', message: 'pulling image img' });
  });

  it('a pull it asks for comes with one Pulling Event', () => {
    const p = run({ task: task(), imagePresent: false });
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'Pulling', message: 'Pulling image img' }]);
  });

  it('says Pulling no more while that pull is under way', () => {
    const p = run({ task: task(), imagePresent: false, inFlight: [{ kind: 'pull', image: 'img', since: iso(1) }] });
    expect(p.events).to.deep.equal([]);
  });

  it('a pull retried from ImagePullBackOff keeps that state, so another failure escalates the backoff', () => {
    const t = task({}, { phase: 'Scheduled', state: { waiting: { reason: 'ImagePullBackOff', message: 'x' } }, backoff: { restarts: 2, delaySeconds: 20, nextRestartAt: iso(1) } });
    const p = run({ task: t, imagePresent: false, inFlight: [{ kind: 'pull', image: 'img', since: iso(1) }] });
    expect(p.status.state?.waiting?.reason).to.equal('ImagePullBackOff');
  });

  it('drops the Stopping condition once no stop is in flight', () => {
    const t = task({}, { phase: 'Running', conditions: [{ type: STOPPING_CONDITION, status: 'True', reason: 'Unhealthy', message: '', lastTransitionTime: iso(1) }] });
    const p = run({ task: t, containers: [container(t)] });
    expect(condition(p, STOPPING_CONDITION)).to.equal(undefined);
  });
});

describe('task plan with engine calls in flight: what the status says', () => {
  const LONG = 'abcdefabcdef0123456789';

  it('names the stop under way in the Stopping condition: container (12 characters), reason, SIGTERM time and grace', () => {
    const t = task({}, undefined, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t, { id: LONG })], inFlight: [stopOf(LONG, 'Deleted')] });
    expect(condition(p, STOPPING_CONDITION)).to.include({
      status: 'True',
      reason: 'Deleted',
      message: `stopping container abcdefabcdef (Deleted): SIGTERM sent at ${iso(1)}, SIGKILL after 30s`,
    });
    expect(STOPPING_CONDITION).to.equal('Stopping');
  });

  it('drops the Stopping condition, and only it, once no stop is under way', () => {
    const conditions = [
      { type: 'Scheduled', status: 'True' as const, reason: 'Scheduled', message: 'on n1', lastTransitionTime: iso(0) },
      { type: STOPPING_CONDITION, status: 'True' as const, reason: 'Deleted', message: 'x', lastTransitionTime: iso(1) },
    ];
    const t = task({}, { phase: 'Running', conditions }, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t, { status: 'exited', running: false, exitCode: 0 })] });
    expect(p.status.conditions?.map((c) => c.type)).to.include('Scheduled').and.not.include(STOPPING_CONDITION);
  });

  it('takes a stop in flight for another container, or a pull, for no stop of this one', () => {
    const t = task({}, { phase: 'Running' });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('other', 'Deleted'), { kind: 'pull', image: 'img', since: iso(1) } as InFlightOp] });
    expect(condition(p, STOPPING_CONDITION)).to.equal(undefined);
    expect(p.status.phase).to.equal('Running');
  });

  it('takes a stop in flight for a container that already exited as finished: the deletion removes it', () => {
    const t = task({}, undefined, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t, { status: 'exited', running: false, exitCode: 0 })], inFlight: [stopOf('c0', 'Deleted')] });
    expect(kinds(p)).to.deep.equal(['stopProbes', 'remove', 'removeFinalizer']);
    expect(condition(p, STOPPING_CONDITION)).to.equal(undefined);
  });

  it('on deletion with a stop in flight says the Task is Terminating, not ready', () => {
    const t = task({}, { phase: 'Running', ready: true }, { deletionTimestamp: iso(0) });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Deleted')] });
    expect(p.status.ready).to.equal(false);
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Terminating', message: 'the Task is being deleted: its container is stopping' });
  });

  it('after a spec change waits for the old container to stop, saying it is replacing it', () => {
    const t = task({ image: 'img:2' }, { phase: 'Running', ready: true });
    const old = container(task(), {});
    const p = run({ task: t, containers: [old], inFlight: [stopOf('c0', 'SpecChanged')] });
    expect(kinds(p)).to.deep.equal(['stopProbes']);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating', message: 'replacing the container after a spec change' } });
    expect(p.status.ready).to.equal(false);
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'ContainerCreating', message: 'replacing the container: the old one is stopping' });
  });

  describe('a spec change reverted while its stop is under way (the stop cannot be taken back)', () => {
    const t = task({}, { phase: 'Running', ready: true, restartCount: 0, containerID: 'c0', state: { running: { startedAt: iso(0) } } });
    const exited = container(t, { status: 'exited', running: false, exitCode: 137, finishedAt: iso(1) });

    it('while the stop runs, says the container is being replaced, not that it runs', () => {
      const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'SpecChanged')] });
      expect(kinds(p)).to.deep.equal(['stopProbes']);
      expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating', message: 'replacing the container after a spec change' } });
      expect(p.status.ready).to.equal(false);
    });

    it('once stopped, replaces the container at once: no crash counted, no back-off, no BackOff event', () => {
      const p = run({ task: t, containers: [exited], endedStop: stopOf('c0', 'SpecChanged') as PlanInput['endedStop'] });
      expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 1 });
      expect(p.status.restartCount).to.equal(0);
      expect(p.status.state?.waiting?.reason).to.equal('ContainerCreating');
      expect(p.status.backoff?.restarts ?? 0).to.equal(0);
      expect(p.events.map((e) => e.reason)).to.not.include('BackOff');
    });

    it('the new container running shows the stopped one as replaced after a spec change, not as a crash', () => {
      const next = container(t, { restart: 1, startedAt: iso(2) });
      const p = run({ task: t, containers: [next, exited], endedStop: stopOf('c0', 'SpecChanged') as PlanInput['endedStop'] });
      expect(p.status.lastState?.terminated).to.include({ containerID: 'c0', reason: 'SpecChanged', exitCode: 137 });
      expect(p.status.restartCount).to.equal(0);
    });

    it('an exit after a stop for another reason is still a crash (a duplicate stop does not replace)', () => {
      const p = run({ task: t, containers: [exited], endedStop: stopOf('c0', 'Duplicate') as PlanInput['endedStop'] });
      expect(p.status.restartCount).to.equal(1);
      expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    });
  });

  for (const phase of [undefined, 'Pending'] as const) {
    it(`while pulling, a ${phase ?? 'new'} Task is Scheduled, waiting in ContainerCreating and not ready`, () => {
      const t = task({}, phase ? { phase, ready: true } : undefined);
      const p = run({ task: t, inFlight: [{ kind: 'pull', image: 'img', since: iso(1) } as InFlightOp] });
      expect(p.status.phase).to.equal('Scheduled');
      expect(p.status.state).to.deep.equal({ waiting: { reason: 'ContainerCreating', message: 'pulling image img' } });
      expect(p.status.ready).to.equal(false);
      expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'ContainerCreating', message: 'pulling image img' });
    });
  }

  it('while pulling again after a failed pull, keeps ImagePullBackOff as the state and the Ready reason, and the phase', () => {
    const t = task({}, { phase: 'Running', state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } });
    const p = run({ task: t, inFlight: [{ kind: 'pull', image: 'img', since: iso(1) } as InFlightOp] });
    expect(p.status.phase).to.equal('Running');
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ImagePullBackOff', message: 'no such image' } });
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'ImagePullBackOff', message: 'pulling image img' });
  });

  it('a liveness kill without a recorded probe message says the liveness probe failed', () => {
    const t = task({ livenessProbe: { tcpSocket: { port: 1 } } }, { phase: 'Running', ready: true });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Unhealthy')] });
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Unhealthy', message: 'the liveness probe failed' });
  });

  it('a container stopped for another reason is not ready with reason Stopping, naming the reason', () => {
    const t = task({}, { phase: 'Running', ready: true, probes: { unhealthyMessage: 'stale' } });
    const p = run({ task: t, containers: [container(t)], inFlight: [stopOf('c0', 'Restarted')] });
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Stopping', message: 'the container is stopping (Restarted)' });
  });
});

describe('task plan: a restart request with engine calls in flight', () => {
  const asked = () => task({}, { phase: 'Running', ready: true }, { annotations: { [RESTART_ANNOTATION]: iso(1) } });

  it('leaves an older container that is already stopping alone and stops the current one, naming it in 12 characters', () => {
    const t = asked();
    const current = container(t, { restart: 2, id: 'abcdefabcdef0123456789' });
    const older = container(t, { restart: 1 });
    const p = run({ task: t, containers: [current, older], inFlight: [stopOf('c1', 'Duplicate')] });
    expect(p.actions).to.deep.equal([{ kind: 'stopProbes' }, { kind: 'stop', id: current.id, graceSeconds: 30, reason: 'Restarted' }]);
    expect(p.events).to.deep.equal([{ type: 'Normal', reason: 'Killing', message: `Stopping container abcdefabcdef (grace 30s): restart requested (${RESTART_ANNOTATION}=${iso(1)})` }]);
  });

  it('creates no new container while an older one still stops, even when the current one has exited', () => {
    const t = asked();
    const current = container(t, { restart: 2, status: 'exited', running: false, exitCode: 0 });
    const older = container(t, { restart: 1 });
    const p = run({ task: t, containers: [current, older], inFlight: [stopOf('c1', 'Duplicate')] });
    expect(kinds(p)).to.not.include('create');
    expect(condition(p, 'Ready')).to.include({ status: 'False', reason: 'Stopping' });
  });
});

describe('task plan: a failed pull passed in as input', () => {
  it('plans nothing for the engine, reports ErrImagePull with a Warning event and retries after the initial delay', () => {
    const p = run({ task: task({}, { phase: 'Scheduled' }), pullFailure: 'manifest unknown' });
    expect(p.actions).to.deep.equal([]);
    expect(p.status.state).to.deep.equal({ waiting: { reason: 'ErrImagePull', message: 'manifest unknown' } });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'ErrImagePull', message: 'manifest unknown' }]);
    expect(p.requeueAfterMs).to.equal(10_000);
  });

  it('after an earlier failed pull says ImagePullBackOff and waits twice as long', () => {
    const first = run({ task: task({}, { phase: 'Scheduled' }), pullFailure: 'manifest unknown' });
    const p = run({ task: task({}, first.status), pullFailure: 'manifest unknown' });
    expect(p.events).to.deep.equal([{ type: 'Warning', reason: 'ImagePullBackOff', message: 'manifest unknown' }]);
    expect(p.status.backoff).to.include({ restarts: 2, delaySeconds: 20 });
    expect(p.requeueAfterMs).to.equal(20_000);
  });

  it('lets a deletion go ahead of a failed pull', () => {
    const t = task({}, { phase: 'Scheduled' }, { deletionTimestamp: iso(0) });
    const p = run({ task: t, pullFailure: 'manifest unknown' });
    expect(kinds(p)).to.deep.equal(['stopProbes', 'removeFinalizer']);
    expect(p.events.map((e) => e.reason)).to.not.include('ErrImagePull');
  });
});
