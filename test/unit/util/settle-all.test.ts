import { expect } from 'chai';
import { settleAll } from '../../../src/util/settle-all.js';

// settleAll is how okube up runs etcd's start, the Docker check and module loading side by side:
// it must never report a failure while another step is still running (whose stop would then never
// be registered), and the error it reports must not depend on which step was faster.

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('settleAll', () => {
  it('resolves with every value, in argument order', async () => {
    const slow = deferred<string>();
    const all = settleAll([slow.promise, Promise.resolve(2)]);
    slow.resolve('a');
    expect(await all).to.deep.equal(['a', 2]);
  });

  it('does not reject while another step is still running', async () => {
    const running = deferred<number>();
    let settled = false;
    const all = settleAll([Promise.reject(new Error('docker')), running.promise]).finally(() => (settled = true));
    all.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 20));
    expect(settled, 'rejected before the running step finished').to.equal(false);
    running.resolve(1);
    await all.catch(() => undefined);
    expect(settled).to.equal(true);
  });

  it('rejects with the first failed step in argument order, not the first to fail in time', async () => {
    const late = deferred<number>();
    const all = settleAll([late.promise, Promise.reject(new Error('etcd'))]);
    late.reject(new Error('docker'));
    try {
      await all;
      expect.fail('settleAll resolved');
    } catch (err) {
      expect((err as Error).message).to.equal('docker');
    }
  });
});
