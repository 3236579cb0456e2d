import { expect } from 'chai';
import type { Task, TaskStatus } from '../../../../src/api/types.js';
import { passGate, stampReadyTransition, turnsUnready, writeGated, type TrafficGate } from '../../../../src/controllers/task/traffic-gate.js';
import { loggerFor } from '../../../../src/util/logger.js';

// The Task reconciler's traffic gate rules (src/controllers/task/traffic-gate.ts) on plain data.

const ready = (status: 'True' | 'False', at = '2026-01-01T00:00:00.000Z'): TaskStatus => ({
  phase: 'Running',
  conditions: [
    { type: 'Ready', status, reason: status === 'True' ? 'Ready' : 'Unhealthy', message: '', lastTransitionTime: at },
    { type: 'Scheduled', status: 'True', reason: 'Scheduled', message: '', lastTransitionTime: at },
  ],
});
const task = { metadata: { name: 't', namespace: 'ns', uid: 'u1' }, spec: { image: 'x' } } as Task;
const log = loggerFor('test.traffic-gate');

describe('task traffic gate', () => {
  it('a write from Ready=True to Ready=False turns the Task unready', () => {
    expect(turnsUnready(ready('True'), ready('False'))).to.equal(true);
  });

  it('a write that drops the Ready condition of a ready Task turns it unready', () => {
    expect(turnsUnready(ready('True'), { phase: 'Pending' })).to.equal(true);
  });

  it('writes that keep Ready, or turn it True, or start unready do not', () => {
    expect(turnsUnready(ready('True'), ready('True'))).to.equal(false);
    expect(turnsUnready(ready('False'), ready('True'))).to.equal(false);
    expect(turnsUnready(ready('False'), ready('False'))).to.equal(false);
    expect(turnsUnready(undefined, ready('False'))).to.equal(false);
  });

  it('stamps only the Ready condition\'s transition at the time the gate let the write through', () => {
    const at = new Date('2026-01-01T00:00:05.123Z');
    const out = stampReadyTransition(ready('False'), at);
    expect(out.conditions!.map((c) => [c.type, c.lastTransitionTime])).to.deep.equal([
      ['Ready', '2026-01-01T00:00:05.123Z'],
      ['Scheduled', '2026-01-01T00:00:00.000Z'],
    ]);
  });

  it('passGate resolves true once the gate closed', async () => {
    const gate: TrafficGate = { beforeUnready: () => Promise.resolve(), afterReady: () => undefined };
    expect(await passGate(gate, task, 1000, log)).to.equal(true);
  });

  it('passGate gives up after its timeout instead of holding the status write', async () => {
    const gate: TrafficGate = { beforeUnready: () => new Promise(() => undefined), afterReady: () => undefined };
    expect(await passGate(gate, task, 20, log)).to.equal(false);
  });

  it('passGate does not throw when the gate fails (the write goes ahead)', async () => {
    const gate: TrafficGate = { beforeUnready: () => Promise.reject(new Error('haproxy down')), afterReady: () => undefined };
    expect(await passGate(gate, task, 1000, log)).to.equal(false);
  });

  /** A gate and a store that record the order of calls. */
  function recorder(opts: { gateHangs?: boolean; writeFails?: boolean } = {}) {
    const calls: string[] = [];
    const gate: TrafficGate = {
      beforeUnready: (t) => {
        calls.push(`beforeUnready ${t.metadata.uid}`);
        return opts.gateHangs ? new Promise(() => undefined) : Promise.resolve();
      },
      afterReady: (t) => void calls.push(`afterReady ${t.metadata.uid}`),
    };
    const write = (status: TaskStatus) => {
      calls.push(`write Ready=${status.conditions?.find((c) => c.type === 'Ready')?.status} at ${status.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime}`);
      return opts.writeFails ? Promise.reject(new Error('Conflict')) : Promise.resolve({ ...task, status });
    };
    return { calls, gate, write };
  }
  const now = () => new Date('2026-01-01T00:00:09.000Z');

  it('a Ready=True → False write goes through the gate first, stamped at the time it passed', async () => {
    const r = recorder();
    await writeGated({ gate: r.gate, task: { ...task, status: ready('True') }, status: ready('False'), write: r.write, now, timeoutMs: 1000, log });
    expect(r.calls).to.deep.equal(['beforeUnready u1', 'write Ready=False at 2026-01-01T00:00:09.000Z']);
  });

  it('a gate that does not close in time delays the Ready=False write but does not stop it', async () => {
    const r = recorder({ gateHangs: true });
    await writeGated({ gate: r.gate, task: { ...task, status: ready('True') }, status: ready('False'), write: r.write, now, timeoutMs: 20, log });
    expect(r.calls).to.deep.equal(['beforeUnready u1', 'write Ready=False at 2026-01-01T00:00:09.000Z']);
  });

  it('a Ready=False write that fails opens the gate again (the store still says Ready=True) and throws', async () => {
    const r = recorder({ writeFails: true });
    let thrown: unknown;
    await writeGated({ gate: r.gate, task: { ...task, status: ready('True') }, status: ready('False'), write: r.write, now, timeoutMs: 1000, log }).catch((e: unknown) => (thrown = e));
    expect(thrown).to.be.instanceOf(Error);
    expect(r.calls).to.deep.equal(['beforeUnready u1', 'write Ready=False at 2026-01-01T00:00:09.000Z', 'afterReady u1']);
  });

  it('a write that makes the Task Ready opens the gate after it is stored, with the planned transition time', async () => {
    const r = recorder();
    await writeGated({ gate: r.gate, task: { ...task, status: ready('False') }, status: ready('True', '2026-01-01T00:00:07.000Z'), write: r.write, now, timeoutMs: 1000, log });
    expect(r.calls).to.deep.equal(['write Ready=True at 2026-01-01T00:00:07.000Z', 'afterReady u1']);
  });

  it('a write of an unready Task that stays unready does not touch the gate', async () => {
    const r = recorder();
    await writeGated({ gate: r.gate, task: { ...task, status: ready('False') }, status: ready('False'), write: r.write, now, timeoutMs: 1000, log });
    expect(r.calls).to.deep.equal(['write Ready=False at 2026-01-01T00:00:00.000Z']);
  });
});
