import { expect } from 'chai';
import { TASK_FINALIZER, type Task, type TaskSpec } from '../../../../src/api/types.js';
import { plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { buildContainerSpec } from '../../../../src/controllers/task/container-spec.js';
import { REQUEST_LABELS, RESTART_ANNOTATION, RETRY_ANNOTATION } from '../../../../src/controllers/task/requests.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';
import { at, container as runningContainer, iso } from './fixtures.js';

// okube restart / okube retry as the pure plan sees them: an annotation, answered by the labels
// of the container created after it.

const node = { name: 'n1', address: '127.0.0.1', ready: true };

function task(spec: Partial<TaskSpec> = {}, status?: Task['status'], annotations?: Record<string, string>): Task {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns', uid: 'uid-1', generation: 1, finalizers: [TASK_FINALIZER], annotations },
    spec: { image: 'img', nodeName: 'n1', ...spec },
    status,
  };
}

const container = (t: Task, restart: number, over: Partial<ContainerInfo> = {}, labels: Record<string, string> = {}): ContainerInfo => runningContainer(t, { restart, ...over }, labels);

const exited = (t: Task, restart: number, labels: Record<string, string> = {}) =>
  container(t, restart, { status: 'exited', running: false, exitCode: 1, startedAt: iso(0), finishedAt: iso(1) }, labels);

const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(10), ...input });
const kinds = (p: ReturnType<typeof plan>) => p.actions.map((a) => a.kind);

// c3's exit was counted as the restart it waits for (c4), as plan/exit.ts counts.
const crashLooping = (annotations?: Record<string, string>, restartCount = 4) =>
  task(
    { backoff: { initialDelaySeconds: 10, maxDelaySeconds: 300 } },
    {
      phase: 'Running',
      restartCount,
      containerID: 'c3',
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, reason: 'Error', containerID: 'c3', startedAt: iso(0), finishedAt: iso(1) } },
      backoff: { restarts: 3, delaySeconds: 40, nextRestartAt: iso(41), lastExitCode: 1, lastFinishedAt: iso(1) },
    },
    annotations,
  );

describe('task plan: restart and retry on request', () => {
  it('copies the request annotations onto the new container as labels', () => {
    const t = task({}, undefined, { [RESTART_ANNOTATION]: iso(5), [RETRY_ANNOTATION]: iso(6) });
    const spec = buildContainerSpec(t, { nodeName: 'n1', address: '127.0.0.1', restartNumber: 0 });
    expect(spec.labels).to.include({ [REQUEST_LABELS.restart]: iso(5), [REQUEST_LABELS.retry]: iso(6) });
  });

  it('retry ends a crash-loop wait at once and resets the backoff, without counting the restart the exit already counted', () => {
    const t = crashLooping({ [RETRY_ANNOTATION]: iso(9) });
    const p = run({ task: t, containers: [exited(t, 3), exited(t, 2)] });
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 4 });
    expect(p.actions).to.deep.include({ kind: 'remove', id: 'c2' });
    expect(p.actions).to.not.deep.include({ kind: 'remove', id: 'c3' });
    expect(p.status.restartCount).to.equal(4);
    expect(p.events.map((e) => e.message)).to.deep.equal([`Retry requested (${RETRY_ANNOTATION}=${iso(9)}): starting a new container now, backoff reset (restart 4)`]);
    expect(p.status.backoff).to.equal(undefined);
    expect(p.status.state?.waiting?.reason).to.equal('ContainerCreating');
    expect(p.status.conditions!.find((c) => c.type === 'BackOff')).to.include({ status: 'False', reason: 'RetryRequested' });
    expect(p.events.map((e) => e.reason)).to.deep.equal(['RetryRequested']);
  });

  it('without a request, the same crash loop waits for nextRestartAt', () => {
    const t = crashLooping();
    const p = run({ task: t, containers: [exited(t, 3)] });
    expect(kinds(p)).to.not.include('create');
    expect(p.requeueAfterMs).to.equal(31_000);
  });

  it('a retry the newest container already answers is not honoured again', () => {
    const t = crashLooping({ [RETRY_ANNOTATION]: iso(9) });
    const p = run({ task: t, containers: [exited(t, 3, { [REQUEST_LABELS.retry]: iso(9) })] });
    expect(kinds(p)).to.not.include('create');
    expect(p.status.restartCount).to.equal(4);
  });

  it('retry does nothing to a running Task', () => {
    const t = task({}, { phase: 'Running', restartCount: 0 }, { [RETRY_ANNOTATION]: iso(9) });
    const p = run({ task: t, containers: [container(t, 0)] });
    expect(kinds(p)).to.not.include('create');
    expect(kinds(p)).to.not.include('stop');
    expect(p.status.restartCount).to.equal(0);
  });

  it('retry brings a Task that hit its restart limit back from Failed', () => {
    const t = task({}, { phase: 'Failed', restartCount: 5, completionTime: iso(1), state: { terminated: { exitCode: 1, reason: 'RestartLimitExceeded', containerID: 'c5' } }, backoff: { restarts: 5, delaySeconds: 160 } }, { [RETRY_ANNOTATION]: iso(9) });
    const p = run({ task: t, containers: [exited(t, 5)] });
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 6 });
    expect(p.status.phase).to.equal('Scheduled');
    expect(p.status.completionTime).to.equal(undefined);
    expect(p.status.backoff).to.equal(undefined);
    expect(p.status.restartCount).to.equal(6);
  });

  it('restart stops a running container gracefully first, then starts a new one and counts the restart once', () => {
    const t = task({ terminationGracePeriodSeconds: 7 }, { phase: 'Running', restartCount: 1, backoff: { restarts: 1, delaySeconds: 10 } }, { [RESTART_ANNOTATION]: iso(9) });
    const p = run({ task: t, containers: [container(t, 1), exited(t, 0)] });
    expect(p.actions).to.deep.equal([
      { kind: 'stopProbes' },
      { kind: 'remove', id: 'c0' },
      { kind: 'stop', id: 'c1', graceSeconds: 7, reason: 'Restarted' },
    ]);
    expect(p.status.restartCount, 'not counted before the new container').to.equal(1);
    expect(p.events[0]).to.include({ type: 'Normal', reason: 'Killing' });
    const stopping = run({ task: { ...t, status: p.status }, containers: [container(t, 1)], inFlight: [{ kind: 'stop', containerId: 'c1', graceSeconds: 7, reason: 'Restarted', since: iso(10) }] });
    expect(kinds(stopping), 'nothing more while it stops').to.deep.equal(['stopProbes']);
    expect(stopping.status.restartCount).to.equal(1);
    const stopped = run({ task: { ...t, status: stopping.status }, containers: [container(t, 1, { status: 'exited', running: false, exitCode: 143, finishedAt: iso(11) })] });
    expect(stopped.actions).to.deep.include({ kind: 'create', restartNumber: 2 });
    expect(stopped.status.restartCount).to.equal(2);
    expect(stopped.status.backoff).to.equal(undefined);
    expect(stopped.events[0]).to.include({ type: 'Normal', reason: 'RestartRequested' });
  });

  it('records the restarted container as lastState Restarted once the new one runs, not as a crash', () => {
    const t = task({}, { phase: 'Scheduled', restartCount: 2, state: { waiting: { reason: 'ContainerCreating' } } }, { [RESTART_ANNOTATION]: iso(9) });
    const old = container(t, 1, { status: 'exited', running: false, exitCode: 143, startedAt: iso(0), finishedAt: iso(9) });
    const fresh = container(t, 2, {}, { [REQUEST_LABELS.restart]: iso(9) });
    const p = run({ task: t, containers: [fresh, old] });
    expect(kinds(p)).to.deep.equal([]);
    expect(p.status.phase).to.equal('Running');
    expect(p.status.restartCount).to.equal(2);
    expect(p.status.lastState?.terminated).to.include({ containerID: 'c1', exitCode: 143, reason: 'Restarted' });
    expect(p.status.backoff).to.equal(undefined);
  });

  it('restart runs a finished Task again', () => {
    const t = task({ restartPolicy: 'Never' }, { phase: 'Succeeded', completionTime: iso(1), state: { terminated: { exitCode: 0, reason: 'Completed', containerID: 'c0' } } }, { [RESTART_ANNOTATION]: iso(9) });
    const p = run({ task: t, containers: [container(t, 0, { status: 'exited', running: false, exitCode: 0 })] });
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 1 });
    expect(p.status.phase).to.equal('Scheduled');
    expect(p.status.restartCount).to.equal(1);
  });

  it('keeps the last exited container when restarting after a crash and removes older ones', () => {
    const t = crashLooping(undefined, 3);
    const due = { ...t, status: { ...t.status!, backoff: { ...t.status!.backoff!, nextRestartAt: iso(5) } } };
    const p = run({ task: due, containers: [exited(due, 3), exited(due, 2)] });
    expect(p.actions).to.deep.include({ kind: 'remove', id: 'c2' });
    expect(p.actions).to.not.deep.include({ kind: 'remove', id: 'c3' });
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 4 });
  });
});
