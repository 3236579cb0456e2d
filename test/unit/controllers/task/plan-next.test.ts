import { expect } from 'chai';
import { LABELS, type Task } from '../../../../src/api/types.js';
import { plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { REQUEST_LABELS, RESTART_ANNOTATION, RETRY_ANNOTATION } from '../../../../src/controllers/task/requests.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';
import { at, container, iso, node, task } from './fixtures.js';

// Exact restarts (plan/next.ts): during a crash-loop wait the plan asks for the next container
// ahead of its start, starts it at nextRestartAt and never before, and treats it as the next one
// — not a duplicate — in every other step.

const CFG = 'cfg-1';
const spec = { backoff: { initialDelaySeconds: 10 } };

const exitedC = (t: Task, restart: number, finished = 2): ContainerInfo =>
  container(t, { restart, status: 'exited', running: false, exitCode: 1, startedAt: iso(finished - 2), finishedAt: iso(finished) }, { [LABELS.configHash]: CFG });

/** The next container: created during the wait, never started. */
const nextC = (t: Task, restart: number, configHash = CFG): ContainerInfo =>
  container(t, { restart, status: 'created', running: false, startedAt: undefined }, { [LABELS.configHash]: configHash });

/** The plan of a reconciler that found the image present and the configuration resolved. */
const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(0), imagePresent: true, configHash: CFG, ...input });
const kinds = (p: ReturnType<typeof plan>) => p.actions.map((a) => a.kind);

/** The status stored after container c0 crashed at t=2 (restart due at t=12). */
function waitingStatus(t: Task): Task['status'] {
  return run({ task: t, containers: [exitedC(t, 0)], now: at(3) }).status;
}

describe('task plan: the next container made during a crash-loop wait', () => {
  it('asks for the next container, unstarted, in the plan that records the crash', () => {
    const t = task(spec, { phase: 'Running' });
    const p = run({ task: t, containers: [exitedC(t, 0)], now: at(3) });
    expect(p.actions).to.deep.include({ kind: 'precreate', restartNumber: 1 });
    expect(kinds(p)).to.not.include.members(['create', 'start']);
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(p.requeueAfterMs).to.equal(9000);
  });

  it('asks for it on a later reconcile of the wait when the first did not', () => {
    const t = task(spec);
    const p = run({ task: task(spec, waitingStatus(t)), containers: [exitedC(t, 0)], now: at(5) });
    expect(p.actions).to.deep.equal([{ kind: 'precreate', restartNumber: 1 }]);
  });

  it('neither starts nor makes another before nextRestartAt, and leaves status as the exit left it', () => {
    const t = task(spec);
    const stored = waitingStatus(t);
    const p = run({ task: task(spec, stored), containers: [nextC(t, 1), exitedC(t, 0)], now: at(11.9) });
    expect(p.actions).to.deep.equal([]);
    expect(p.status.restartCount).to.equal(1);
    expect(p.status.lastState).to.deep.equal(stored!.lastState);
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(p.requeueAfterMs).to.equal(100);
  });

  it('starts that container at nextRestartAt, with no create and no second count', () => {
    const t = task(spec);
    const p = run({ task: task(spec, waitingStatus(t)), containers: [nextC(t, 1), exitedC(t, 0)], now: at(12) });
    expect(p.actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
    expect(p.status.restartCount).to.equal(1);
  });

  it('still waits for nextRestartAt when the exited container was removed behind okube\'s back (docker container prune), then starts the next one', () => {
    const t = task(spec);
    const stored = waitingStatus(t);
    const early = run({ task: task(spec, stored), containers: [nextC(t, 1)], now: at(5) });
    expect(early.actions).to.deep.equal([]);
    expect(early.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(early.status.restartCount).to.equal(1);
    expect(early.requeueAfterMs).to.equal(7000);
    expect(run({ task: task(spec, stored), containers: [nextC(t, 1)], now: at(12) }).actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
  });

  it('ends the wait at once on a spec change when the exited container was pruned: the outdated next one goes and a new one is made', () => {
    const t = task(spec);
    const stored = waitingStatus(t);
    const changed = task({ ...spec, image: 'img2' }, stored, { generation: 2 });
    const p = run({ task: changed, containers: [nextC(t, 1)], now: at(5) });
    expect(p.actions).to.deep.equal([{ kind: 'remove', id: 'c1' }, { kind: 'create', restartNumber: 1 }]);
    expect(p.status.state?.waiting?.reason).to.not.equal('CrashLoopBackOff');
    expect(p.events.map((e) => e.reason)).to.include('SpecChanged');
  });

  it('ends the wait at once on a spec change when every container was pruned, and makes one for the new spec', () => {
    const t = task(spec);
    const changed = task({ ...spec, image: 'img2' }, waitingStatus(t), { generation: 2 });
    const p = run({ task: changed, containers: [], now: at(5) });
    expect(kinds(p)).to.deep.equal(['create']);
    expect(p.status.backoff?.nextRestartAt).to.equal(undefined);
  });

  it('answers a restart request during a wait whose exit was pruned with a new container carrying the request, once', () => {
    const t = task(spec);
    const stored = waitingStatus(t);
    const asked = task(spec, stored, { annotations: { [RESTART_ANNOTATION]: iso(4) } });
    const p = run({ task: asked, containers: [nextC(t, 1)], now: at(5) });
    expect(p.actions).to.deep.equal([{ kind: 'remove', id: 'c1' }, { kind: 'create', restartNumber: 1 }]);
    // The container made carries the request (the create labels it from the annotation): nothing is pending after it starts.
    const made = container(asked, { restart: 1, startedAt: iso(5) }, { [LABELS.configHash]: CFG, [REQUEST_LABELS.restart]: iso(4) });
    const after = run({ task: task(spec, p.status, asked.metadata), containers: [made], now: at(6) });
    expect(kinds(after)).to.not.include.members(['stop', 'create', 'remove']);
    expect(after.status.restartCount).to.equal(p.status.restartCount);
  });

  it('still waits when every container was pruned and nothing changed', () => {
    const t = task(spec);
    const p = run({ task: task(spec, waitingStatus(t)), containers: [], now: at(5) });
    expect(p.actions).to.deep.equal([]);
    expect(p.requeueAfterMs).to.be.greaterThan(0);
  });

  it('keeps two containers at most: the oldest exit goes when the next one is made, the one just seen stays', () => {
    const t = task(spec);
    const p = run({ task: t, containers: [exitedC(t, 1, 30), exitedC(t, 0)], now: at(31) });
    expect(p.actions).to.deep.include({ kind: 'precreate', restartNumber: 2, replaces: 'c0' });
    expect(p.actions).to.not.deep.include({ kind: 'remove', id: 'c1' });
    // One left over (a crash of an older controller): removed, the next one and the last exit kept.
    const again = run({ task: task(spec, p.status), containers: [nextC(t, 2), exitedC(t, 1, 30), exitedC(t, 0)], now: at(35) });
    expect(again.actions).to.deep.equal([{ kind: 'remove', id: 'c0' }]);
  });

  it('after a controller crash between making it and writing status, records the exit and waits instead of starting it', () => {
    const t = task(spec, { phase: 'Running', containerID: 'c0', state: { running: { startedAt: iso(0) } } });
    const p = run({ task: t, containers: [nextC(t, 1), exitedC(t, 0)], now: at(3) });
    expect(p.status.restartCount).to.equal(1);
    expect(p.status.lastState?.terminated).to.include({ containerID: 'c0', exitCode: 1 });
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
    expect(kinds(p)).to.not.include.members(['start', 'create', 'precreate', 'remove']);
  });

  it('is not asked for when restartPolicy says no restart', () => {
    const t = task({ ...spec, restartPolicy: 'Never' }, { phase: 'Running' });
    expect(kinds(run({ task: t, containers: [exitedC(t, 0)], now: at(3) }))).to.not.include('precreate');
    // A policy changed to Never while the Task waits.
    const waiting = task({ ...spec, restartPolicy: 'Never' }, waitingStatus(task(spec)));
    expect(kinds(run({ task: waiting, containers: [exitedC(t, 0)], now: at(5) }))).to.not.include('precreate');
  });

  it('is not asked for while the image is missing, the configuration does not resolve or a pull runs', () => {
    const t = task(spec);
    const stored = task(spec, waitingStatus(t));
    const containers = [exitedC(t, 0)];
    expect(kinds(run({ task: stored, containers, now: at(5), imagePresent: false }))).to.not.include('precreate');
    expect(kinds(run({ task: stored, containers, now: at(5), configError: 'secret "s" not found', configHash: undefined }))).to.not.include('precreate');
    expect(kinds(run({ task: stored, containers, now: at(5), inFlight: [{ kind: 'pull', image: 'img', since: iso(4) }] }))).to.not.include('precreate');
  });

  it('is not asked for again for a restart whose container could not be made', () => {
    const t = task(spec);
    const p = run({ task: task(spec, waitingStatus(t)), containers: [exitedC(t, 0)], now: at(5), precreateFailed: 1 });
    expect(kinds(p)).to.not.include('precreate');
  });

  it('is thrown away on a spec change, and the new spec gets a container at once as before', () => {
    const old = task(spec);
    const changed = task({ ...spec, image: 'img2' }, waitingStatus(old));
    const p = run({ task: changed, containers: [nextC(old, 1), exitedC(old, 0)], now: at(5) });
    expect(p.actions).to.deep.include({ kind: 'remove', id: 'c1' });
    expect(p.actions, 'the exited one stays, for logs --previous').to.not.deep.include({ kind: 'remove', id: 'c0' });
    expect(p.actions.findIndex((a) => a.kind === 'remove' && a.id === 'c1')).to.be.below(p.actions.findIndex((a) => a.kind === 'create'));
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 1 });
    expect(kinds(p)).to.not.include('start');
  });

  it('is made again when the Secret/ConfigMap values it was made from changed', () => {
    const t = task(spec);
    const p = run({ task: task(spec, waitingStatus(t)), containers: [nextC(t, 1, 'cfg-old'), exitedC(t, 0)], now: at(5) });
    expect(p.actions).to.deep.equal([{ kind: 'remove', id: 'c1' }, { kind: 'precreate', restartNumber: 1 }]);
  });

  it('is thrown away when its configuration no longer resolves, and the wait ends as before', () => {
    const t = task(spec);
    const p = run({ task: task(spec, waitingStatus(t)), containers: [nextC(t, 1), exitedC(t, 0)], now: at(5), configError: 'secret "s" not found', configHash: undefined });
    expect(p.actions).to.deep.equal([{ kind: 'remove', id: 'c1' }]);
    expect(p.status.state?.waiting?.reason).to.equal('CrashLoopBackOff');
  });

  it('goes with the others when the Task is deleted during the wait', () => {
    const t = task(spec, undefined, { deletionTimestamp: iso(4) });
    const p = run({ task: task(spec, waitingStatus(t), { deletionTimestamp: iso(4) }), containers: [nextC(t, 1), exitedC(t, 0)], now: at(5) });
    expect(p.actions).to.deep.include({ kind: 'remove', id: 'c1' });
    expect(p.actions).to.deep.include({ kind: 'remove', id: 'c0' });
    expect(kinds(p)).to.not.include.members(['start', 'create', 'precreate']);
  });

  it('gives way to a retry request: removed before the new container is made, and the replaced one is the exited one', () => {
    const t = task(spec, undefined, { annotations: { [RETRY_ANNOTATION]: iso(4) } });
    const p = run({ task: task(spec, waitingStatus(t), { annotations: { [RETRY_ANNOTATION]: iso(4) } }), containers: [nextC(t, 1), exitedC(t, 0)], now: at(5) });
    expect(p.actions[1]).to.deep.equal({ kind: 'remove', id: 'c1' });
    expect(p.actions).to.deep.include({ kind: 'create', restartNumber: 1 });
    expect(p.actions).to.not.deep.include({ kind: 'remove', id: 'c0' });
  });

  it('does not take a created container as the next one when nothing ran before it', () => {
    const t = task(spec);
    const p = run({ task: t, containers: [nextC(t, 0)] });
    expect(p.actions).to.deep.equal([{ kind: 'start', id: 'c0' }]);
  });
});
