import { expect } from 'chai';
import type { KubeObject } from '../../../src/api/types.js';
import { EventQueue, type EventWriter } from '../../../src/client/event-queue.js';

// The controllers' Events go through a bounded queue: record() never waits for the API server.

interface Written { name: string; reason: string; at: number }

/** A writer whose writes end only when the test says so. */
class HeldWriter implements EventWriter {
  readonly written: Written[] = [];
  readonly started: Written[] = [];
  private releases: Array<() => void> = [];
  held = true;
  async write(obj: KubeObject, _type: 'Normal' | 'Warning', reason: string, _message: string, at: Date): Promise<void> {
    const w = { name: obj.metadata.name!, reason, at: at.getTime() };
    this.started.push(w);
    if (this.held) await new Promise<void>((r) => this.releases.push(r));
    this.written.push(w);
  }
  release(): void {
    this.held = false;
    for (const r of this.releases.splice(0)) r();
  }
}

const task = (name: string): KubeObject => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name, namespace: 'ns', uid: `uid-${name}` } });
const tick = () => new Promise((r) => setImmediate(r));

function counting() {
  const drops: string[] = [];
  return { drops, metrics: { dropped: (_c: string, cause: 'queue_full' | 'stopped') => drops.push(cause) } };
}

describe('EventQueue', () => {
  it('returns from record() before the write ends', async () => {
    const w = new HeldWriter();
    const q = new EventQueue(w, { component: 'test' });
    let returned = false;
    await q.record(task('a'), 'Normal', 'Scheduled', 'x').then(() => (returned = true));
    expect(returned).to.equal(true);
    expect(w.written).to.have.length(0);
    w.release();
    await q.stop(1000);
    expect(w.written.map((e) => e.reason)).to.deep.equal(['Scheduled']);
  });

  it('writes one object\'s Events in the order recorded, one at a time', async () => {
    const w = new HeldWriter();
    const q = new EventQueue(w, { component: 'test', workers: 4 });
    for (const r of ['Scheduled', 'Created', 'Started']) void q.record(task('a'), 'Normal', r, r);
    await tick();
    expect(w.started.map((e) => e.reason)).to.deep.equal(['Scheduled']);
    w.release();
    await q.stop(1000);
    expect(w.written.map((e) => e.reason)).to.deep.equal(['Scheduled', 'Created', 'Started']);
  });

  it('writes different objects\' Events concurrently', async () => {
    const w = new HeldWriter();
    const q = new EventQueue(w, { component: 'test', workers: 64 });
    for (let i = 0; i < 8; i++) void q.record(task(`t${i}`), 'Normal', 'Scheduled', 'x');
    await tick();
    expect(w.started.length).to.be.greaterThan(1);
    w.release();
    await q.stop(1000);
  });

  it('stamps each Event with the time it was recorded, not written', async () => {
    const w = new HeldWriter();
    let now = 1000;
    const q = new EventQueue(w, { component: 'test', workers: 1, now: () => new Date(now) });
    void q.record(task('a'), 'Normal', 'Created', 'x');
    now = 2000;
    void q.record(task('a'), 'Normal', 'Started', 'x');
    now = 9000;
    w.release();
    await q.stop(1000);
    expect(w.written.map((e) => e.at)).to.deep.equal([1000, 2000]);
  });

  it('drops an Event when the queue is full, counted, without waiting', async () => {
    const w = new HeldWriter();
    const { drops, metrics } = counting();
    const q = new EventQueue(w, { component: 'test', workers: 1, capacity: 2, metrics });
    // The first is taken by the worker at once; two wait; the fourth finds the queue full.
    for (const r of ['A', 'B', 'C', 'D']) void q.record(task('a'), 'Normal', r, r);
    expect(drops).to.deep.equal(['queue_full']);
    w.release();
    await q.stop(1000);
    expect(w.written.map((e) => e.reason)).to.deep.equal(['A', 'B', 'C']);
  });

  it('stop() flushes what is queued', async () => {
    const w = new HeldWriter();
    w.held = false;
    const q = new EventQueue(w, { component: 'test', workers: 2 });
    for (let i = 0; i < 20; i++) void q.record(task(`t${i % 3}`), 'Normal', `R${i}`, 'x');
    expect(await q.stop(1000)).to.equal(0);
    expect(w.written).to.have.length(20);
  });

  it('stop() gives up after its timeout and counts the Events left as dropped', async () => {
    const w = new HeldWriter();
    const { drops, metrics } = counting();
    const q = new EventQueue(w, { component: 'test', workers: 1, metrics });
    for (const r of ['A', 'B', 'C']) void q.record(task('a'), 'Normal', r, r);
    expect(await q.stop(20)).to.equal(2);
    expect(drops).to.deep.equal(['stopped', 'stopped']);
    w.release();
  });

  it('takes no Events after stop()', async () => {
    const w = new HeldWriter();
    w.held = false;
    const { drops, metrics } = counting();
    const q = new EventQueue(w, { component: 'test', metrics });
    await q.stop(1000);
    await q.record(task('a'), 'Normal', 'Late', 'x');
    await tick();
    expect(w.started).to.have.length(0);
    expect(drops).to.deep.equal(['stopped']);
  });

  it('keeps writing after a writer throws', async () => {
    let calls = 0;
    const q = new EventQueue({ write: async () => { calls++; if (calls === 1) throw new Error('boom'); } }, { component: 'test', workers: 1 });
    void q.record(task('a'), 'Normal', 'A', 'x');
    void q.record(task('a'), 'Normal', 'B', 'x');
    await q.stop(1000);
    expect(calls).to.equal(2);
  });
});
