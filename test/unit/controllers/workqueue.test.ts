import { expect } from 'chai';
import { WorkQueue } from '../../../src/controllers/workqueue.js';
import { Controller } from '../../../src/controllers/controller.js';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('queues a key added twice only once', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    expect(q.len()).to.equal(1);
  });

  it('hands a key re-added during processing out again only after done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    let second: string | undefined;
    void q.get().then((k) => (second = k));
    await tick();
    expect(second, 'not while still processing').to.equal(undefined);
    q.done(first!);
    await tick();
    expect(second).to.equal('a');
  });

  it('keeps the earlier time when a key is delayed twice', async () => {
    const q = new WorkQueue();
    q.addAfter('a', 20);
    q.addAfter('a', 10_000);
    await tick(60);
    expect(q.len()).to.equal(1);
    q.shutDown();
  });

  it('backs off exponentially per key and forget resets it', () => {
    const q = new WorkQueue({ baseDelayMs: 1000 });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.failuresOf('a')).to.equal(2);
    q.forget('a');
    expect(q.failuresOf('a')).to.equal(0);
    q.shutDown();
  });

  it('resolves waiting workers with undefined on shutdown', async () => {
    const q = new WorkQueue();
    const pending = q.get();
    q.shutDown();
    expect(await pending).to.equal(undefined);
  });
});

describe('Controller', () => {
  it('never reconciles one key in two workers at once', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const c = new Controller('t', async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await tick(10);
      inFlight--;
    }, { workers: 4 });
    c.start();
    for (let i = 0; i < 20; i++) {
      c.enqueue('same');
      await tick(2);
    }
    await tick(50);
    await c.stop();
    expect(maxInFlight).to.equal(1);
  });

  it('retries a failing reconcile and honours requeueAfterMs', async () => {
    const calls: string[] = [];
    let fails = 2;
    const c = new Controller('t', async (key) => {
      calls.push(key);
      if (fails-- > 0) throw new Error('boom');
      if (calls.length === 3) return { requeueAfterMs: 20 };
    }, { workers: 1 });
    c.start();
    c.enqueue('k');
    await tick(200);
    await c.stop();
    expect(calls.length).to.equal(4);
  });

  it('says a key is failing while its retry waits out the backoff, and not once a reconcile succeeds', async () => {
    let fail = true;
    const c = new Controller('t', async () => {
      if (fail) throw new Error('engine down');
    }, { workers: 1, queue: new WorkQueue<string>({ baseDelayMs: 10_000 }) });
    c.start();
    c.enqueue('k');
    await tick(20);
    expect(c.failing('k'), 'after the failure').to.equal(true);
    fail = false;
    c.enqueue('k'); // retried now, not in 10 s
    await tick(20);
    await c.stop();
    expect(c.failing('k'), 'after the success').to.equal(false);
  });
});

