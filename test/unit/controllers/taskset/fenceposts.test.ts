import { expect } from 'chai';
import { availabilityAllowance, resolveFenceposts, scaledValue } from '../../../../src/controllers/taskset/plan/fenceposts.js';
import { taskSet } from './fixtures.js';

const limits = (replicas: number, maxSurge: number | string, maxUnavailable: number | string) =>
  resolveFenceposts(taskSet({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } }).spec);

describe('TaskSet rollout limits (Kubernetes ResolveFenceposts)', () => {
  it('a percent maxSurge rounds up: 25% of 10 replicas is 3', () => {
    expect(limits(10, '25%', 0).maxSurge).to.equal(3);
  });

  it('a percent maxUnavailable rounds down: 25% of 10 replicas is 2', () => {
    expect(limits(10, 0, '25%').maxUnavailable).to.equal(2);
  });

  it('the defaults on 4 replicas allow 1 surge and 1 unavailable', () => {
    expect(resolveFenceposts(taskSet({ replicas: 4, strategy: undefined }).spec)).to.deep.equal({ maxSurge: 1, maxUnavailable: 1 });
  });

  it('the defaults on 1 replica allow 1 surge and 0 unavailable', () => {
    expect(resolveFenceposts(taskSet({ replicas: 1, strategy: { type: 'RollingUpdate' } }).spec)).to.deep.equal({ maxSurge: 1, maxUnavailable: 0 });
  });

  it('numbers are taken as they are', () => {
    expect(limits(10, 4, 7)).to.deep.equal({ maxSurge: 4, maxUnavailable: 7 });
  });

  it('when both round to 0, maxUnavailable becomes 1 so the rollout can move', () => {
    expect(limits(5, 0, '10%')).to.deep.equal({ maxSurge: 0, maxUnavailable: 1 });
  });

  it('100% unavailable of 3 is 3', () => {
    expect(scaledValue('100%', 3, false)).to.equal(3);
  });

  it('Available tolerates maxUnavailable (capped at replicas) for RollingUpdate, nothing for Recreate', () => {
    expect(availabilityAllowance(taskSet({ replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 5 } } }).spec)).to.equal(2);
    expect(availabilityAllowance(taskSet({ replicas: 4, strategy: { type: 'Recreate' } }).spec)).to.equal(0);
  });
});
