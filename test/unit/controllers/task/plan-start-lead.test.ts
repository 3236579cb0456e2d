import { expect } from 'chai';
import { LABELS, type Task } from '../../../../src/api/types.js';
import { plan, type PlanInput } from '../../../../src/controllers/task/plan.js';
import { MAX_START_LEAD_MS, startLeadMs } from '../../../../src/controllers/task/plan/start-lead.js';
import type { ContainerInfo } from '../../../../src/runtime/runtime.js';
import { at, container, iso, node, task } from './fixtures.js';

// The start lead (plan/start-lead.ts): a crash loop's pre-created container is started the Node's
// learned start latency (bounded) before nextRestartAt, so that its process runs at the promise.

const CFG = 'cfg-1';
const spec = { backoff: { initialDelaySeconds: 10 } };

const exitedC = (t: Task, restart: number, finished = 2): ContainerInfo =>
  container(t, { restart, status: 'exited', running: false, exitCode: 1, startedAt: iso(finished - 2), finishedAt: iso(finished) }, { [LABELS.configHash]: CFG });
const nextC = (t: Task, restart: number): ContainerInfo =>
  container(t, { restart, status: 'created', running: false, startedAt: undefined }, { [LABELS.configHash]: CFG });

const run = (input: Partial<PlanInput> & { task: Task }) => plan({ node, containers: [], now: at(0), imagePresent: true, configHash: CFG, ...input });

/** The status stored after container c0 crashed at t=2 (restart due at t=12, a 10 s delay). */
const waiting = (t: Task) => task(spec, run({ task: t, containers: [exitedC(t, 0)], now: at(3) }).status);

describe('task plan: start lead, the bounds', () => {
  it('is none without an estimate, or with a zero or negative one', () => {
    expect(startLeadMs(undefined, 10)).to.equal(0);
    expect(startLeadMs(0, 10)).to.equal(0);
    expect(startLeadMs(-40, 10)).to.equal(0);
  });

  it('is the engine latency within the bounds', () => {
    expect(startLeadMs(520, 10)).to.equal(520);
  });

  it('is never more than one second, however slow the engine was', () => {
    expect(startLeadMs(5000, 300)).to.equal(MAX_START_LEAD_MS);
  });

  it('is never more than nine tenths of the backoff delay', () => {
    expect(startLeadMs(950, 1)).to.equal(900);
    expect(startLeadMs(800, 1)).to.equal(800);
    expect(startLeadMs(800, 0)).to.equal(0);
  });
});

describe('task plan: start lead, when the pre-created container starts', () => {
  const t = task(spec);

  it('starts it once nextRestartAt is no further than the lead, and keeps the promise in status', () => {
    const p = run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(11.5), startLatencyMs: 500 });
    expect(p.actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
    expect(p.status.backoff?.nextRestartAt).to.equal(iso(12));
  });

  it('does not start it earlier than the lead, on any reconcile, and comes back when it is due', () => {
    const early = run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(5), startLatencyMs: 500 });
    expect(early.actions).to.deep.equal([]);
    expect(early.requeueAfterMs).to.equal(6500);
    const justBefore = run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(11.499), startLatencyMs: 500 });
    expect(justBefore.actions).to.deep.equal([]);
    expect(justBefore.requeueAfterMs).to.equal(1);
  });

  it('comes back at its start time from the plan that records the crash and makes the container', () => {
    const p = run({ task: t, containers: [exitedC(t, 0)], now: at(3), startLatencyMs: 500 });
    expect(p.actions).to.deep.include({ kind: 'precreate', restartNumber: 1 });
    expect(p.requeueAfterMs).to.equal(8500);
  });

  it('uses at most a second of an outlying estimate', () => {
    const before = run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(10.99), startLatencyMs: 5000 });
    expect(before.actions).to.deep.equal([]);
    const due = run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(11), startLatencyMs: 5000 });
    expect(due.actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
  });

  it('leads by at most nine tenths of a short delay', () => {
    const short = { backoff: { initialDelaySeconds: 1 } };
    const t1 = task(short);
    const stored = task(short, run({ task: t1, containers: [exitedC(t1, 0)], now: at(2.1) }).status); // due at t=3
    expect(run({ task: stored, containers: [nextC(t1, 1), exitedC(t1, 0)], now: at(2.09), startLatencyMs: 950 }).actions).to.deep.equal([]);
    expect(run({ task: stored, containers: [nextC(t1, 1), exitedC(t1, 0)], now: at(2.1), startLatencyMs: 950 }).actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
  });

  it('has no lead while the next container is not made: waits for nextRestartAt, then creates', () => {
    const noNext = run({ task: waiting(t), containers: [exitedC(t, 0)], now: at(11.5), startLatencyMs: 500, precreateFailed: 1 });
    expect(noNext.actions).to.deep.equal([]);
    expect(noNext.requeueAfterMs).to.equal(500);
    const due = run({ task: waiting(t), containers: [exitedC(t, 0)], now: at(12), startLatencyMs: 500, precreateFailed: 1 });
    expect(due.actions.map((a) => a.kind)).to.deep.equal(['create']);
  });

  it('has no lead without an estimate: starts at nextRestartAt', () => {
    expect(run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(11.9) }).actions).to.deep.equal([]);
    expect(run({ task: waiting(t), containers: [nextC(t, 1), exitedC(t, 0)], now: at(12) }).actions).to.deep.equal([{ kind: 'start', id: 'c1' }]);
  });
});
