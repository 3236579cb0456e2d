import { expect } from 'chai';
import { median, spread } from '../../../hack/bench/lib.js';

describe('benchmark statistics (hack/bench/lib)', () => {
  it('median of an odd count is the middle sample whatever the order', () => {
    expect(median([9, 1, 5])).to.equal(5);
  });

  it('median of an even count is the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).to.equal(2.5);
  });

  it('median of no samples is NaN, not 0', () => {
    expect(Number.isNaN(median([]))).to.equal(true);
  });

  it('spread gives median, min–max and the sample count', () => {
    expect(spread([3.2, 1.04, 2], 2, ' s')).to.equal('2.00 s (1.04–3.20, n=3)');
  });

  it('spread of no samples says n=0', () => {
    expect(spread([])).to.equal('n/a (n=0)');
  });
});
