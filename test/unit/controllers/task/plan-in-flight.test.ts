import { expect } from 'chai';
import { LABELS, TASK_FINALIZER, type Task, type TaskSpec } from '../../../../src/api/types.js';
import { plan, STOPPING_CONDITION, type InFlightOp, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { specHash } from '../../../../src/controllers/task/container-spec.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';

// The plan with stops and pulls under way outside the workers: it neither asks for them again
// nor does what needs their end, and it says what the Task is waiting for.

const T0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString();
const node = { name: 'n1', address: '127.0.0.1', ready: true };

function task(spec: Partial<TaskSpec> = {}, status?: Task['status'], meta: Partial<Task['metadata']> = {}): Task {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns', uid: 'uid-1', generation: 1, finalizers: [TASK_FINALIZER], ...meta },
    spec: { image: 'img', nodeName: 'n1', ...spec },
    status,
  };
}

function container(t: Task, over: Partial<ContainerInfo> & { restart?: number } = {}): ContainerInfo {
  const { restart = 0, ...rest } = over;
  return {
    id: `c${restart}`,
    name: `c${restart}`,
    image: 'img',
    labels: { [LABELS.taskUid]: 'uid-1', [LABELS.specHash]: specHash(t), [LABELS.restart]: String(restart) },
    status: 'running',
    running: true,
    startedAt: iso(0),
    ports: [],
    ...rest,
  };
}

const stopOf = (id: string, reason: string): InFlightOp => ({ kind: 'stop', containerId: id, graceSeconds: 30, reason, since: iso(1) });
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
