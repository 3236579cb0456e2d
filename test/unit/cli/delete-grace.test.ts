import { expect } from 'chai';
import { deleteGracePeriod } from '../../../src/cli/commands/delete.js';

// `okube delete --grace-period/--force` sends what kubectl sends as DeleteOptions.gracePeriodSeconds.

describe('delete --grace-period and --force', () => {
  it('sends none by default, the period when given, and 0 only with --force (0 alone becomes 1, as kubectl)', () => {
    expect(deleteGracePeriod(-1, false)).to.equal(undefined);
    expect(deleteGracePeriod(5, false)).to.equal(5);
    expect(deleteGracePeriod(0, false)).to.equal(1);
    expect(deleteGracePeriod(0, true)).to.equal(0);
    expect(deleteGracePeriod(-1, true)).to.equal(0);
  });
});
