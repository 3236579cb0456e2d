import { expect } from 'chai';
import { withDeadline } from '../../../src/util/deadline.js';
import { isOkubeError } from '../../../src/util/errors.js';

describe('withDeadline', () => {
  it('gives the answer of a call that answers in time', async () => {
    expect(await withDeadline(Promise.resolve(7), 1000, 'x')).to.equal(7);
  });

  it('fails with Unavailable, naming the call and the wait, when the call never answers', async () => {
    try {
      await withDeadline(new Promise(() => undefined), 20, 'docker engine tcp://10.0.0.1:2376');
      expect.fail('expected Unavailable');
    } catch (err) {
      expect(isOkubeError(err, 'Unavailable')).to.equal(true);
      expect((err as Error).message).to.equal('docker engine tcp://10.0.0.1:2376: no answer within 0s');
    }
  });

  it('passes the call\'s own failure through', async () => {
    try {
      await withDeadline(Promise.reject(new Error('refused')), 1000, 'x');
      expect.fail('expected the failure');
    } catch (err) {
      expect((err as Error).message).to.equal('refused');
    }
  });
});
