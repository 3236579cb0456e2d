import { expect } from 'chai';
import { EngineOps } from '../../../../src/controllers/task/engine-ops.js';
import type { InFlightOp } from '../../../../src/controllers/task/plan.js';

// The bookkeeping of engine calls run beside the workers: one of a kind at a time, in flight
// until the call ends, the Task enqueued when it does (later after failures), failures reported once.

const stop = (id: string, graceSeconds = 30): InFlightOp => ({ kind: 'stop', containerId: id, graceSeconds, reason: 'Deleted', since: '2026-01-01T00:00:00.000Z' });

function deferred(): { promise: Promise<void>; resolve(): void; reject(e: Error): void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('EngineOps', () => {
  it('keeps an operation in flight until its call ends, then enqueues the Task at once', async () => {
    const requeued: Array<[string, number]> = [];
    const ops = new EngineOps((k, ms) => requeued.push([k, ms]));
    const call = deferred();
    ops.run('ns/a', stop('c1'), () => call.promise);
    expect(ops.list('ns/a')).to.deep.equal([stop('c1')]);
    expect(requeued).to.deep.equal([]);
    call.resolve();
    await tick();
    expect(ops.list('ns/a')).to.deep.equal([]);
    expect(requeued).to.deep.equal([['ns/a', 0]]);
  });

  it('remembers the Task\'s last stop that ended, not one that failed, until the Task is forgotten', async () => {
    const ops = new EngineOps(() => undefined);
    const ok = deferred();
    ops.run('ns/a', stop('c1'), () => ok.promise);
    expect(ops.endedStop('ns/a')).to.equal(undefined, 'still in flight');
    ok.resolve();
    await tick();
    expect(ops.endedStop('ns/a')).to.deep.equal(stop('c1'));
    const failing = deferred();
    ops.run('ns/a', stop('c2'), () => failing.promise);
    failing.reject(new Error('engine down'));
    await tick();
    expect(ops.endedStop('ns/a')).to.deep.equal(stop('c1'));
    ops.forget('ns/a');
    expect(ops.endedStop('ns/a')).to.equal(undefined);
  });

  it('does not start a second stop of the same container while one is in flight', () => {
    const ops = new EngineOps(() => undefined);
    let calls = 0;
    const never = () => {
      calls++;
      return new Promise<void>(() => undefined);
    };
    ops.run('ns/a', stop('c1'), never);
    ops.run('ns/a', stop('c1'), never);
    ops.run('ns/a', stop('c2'), never);
    expect(calls).to.equal(2);
    expect(ops.active).to.equal(2);
  });

  it('starts a shorter stop of a container beside a longer one in flight (a delete that shortened the grace), not a longer one', () => {
    const ops = new EngineOps(() => undefined);
    const graces: number[] = [];
    const run = (grace: number) => ops.run('ns/a', stop('c1', grace), () => (graces.push(grace), new Promise<void>(() => undefined)));
    run(30);
    run(2);
    run(2);
    run(10);
    expect(graces).to.deep.equal([30, 2]);
  });

  it('reports a failed call once and brings the Task back later, later again after each failure', async () => {
    const requeued: number[] = [];
    const ops = new EngineOps((_k, ms) => requeued.push(ms));
    for (let i = 0; i < 2; i++) {
      ops.run('ns/a', stop('c1'), () => Promise.reject(new Error('engine says no')));
      await tick();
    }
    expect(requeued).to.deep.equal([1000, 2000]);
    expect(ops.takeFailures('ns/a').map((f) => f.message)).to.deep.equal(['engine says no', 'engine says no']);
    expect(ops.takeFailures('ns/a')).to.deep.equal([]);
  });
});
