import { expect } from 'chai';
import { isDue, leaseRenewDue, orphanSweepIntervalMs, usagePeriodMs } from '../../../../src/controllers/node/periodic.js';

describe('node periodic work', () => {
  describe('usagePeriodMs', () => {
    it('keeps the configured period while all containers fit the stats budget', () => {
      expect(usagePeriodMs(30_000, 20, 600)).to.equal(30_000);
    });
    it('stretches the period so the containers of all Nodes take no more than the budget per second', () => {
      // 10,000 containers at 20 stats calls a second: each read every 500 s.
      expect(usagePeriodMs(30_000, 20, 10_000)).to.equal(500_000);
    });
    it('keeps the configured period without a budget', () => {
      expect(usagePeriodMs(30_000, 0, 10_000)).to.equal(30_000);
    });
    it('keeps a period of 0 (never read) whatever the containers', () => {
      expect(usagePeriodMs(0, 20, 10_000)).to.equal(0);
    });
  });

  describe('orphanSweepIntervalMs', () => {
    it('sweeps every half orphan grace period', () => {
      expect(orphanSweepIntervalMs(10_000, 60_000)).to.equal(30_000);
    });
    it('sweeps no more often than the heartbeat', () => {
      expect(orphanSweepIntervalMs(500, 600)).to.equal(500);
    });
  });

  describe('isDue', () => {
    it('is due when never done', () => {
      expect(isDue(undefined, 1_000, 30_000)).to.equal(true);
    });
    it('is not due before the interval has passed', () => {
      expect(isDue(1_000, 30_999, 30_000)).to.equal(false);
    });
    it('is due once the interval has passed', () => {
      expect(isDue(1_000, 31_000, 30_000)).to.equal(true);
    });
  });

  it('renews a Lease first, then every other 10 s heartbeat', () => {
    expect(leaseRenewDue(undefined, 0, 10_000, 40_000)).to.equal(true);
    expect(leaseRenewDue(0, 10_000, 10_000, 40_000)).to.equal(false);
    expect(leaseRenewDue(0, 20_000, 10_000, 40_000)).to.equal(true);
  });

  it('renews a Lease at least twice per lease duration, however long the heartbeat period', () => {
    expect(leaseRenewDue(0, 3_000, 10_000, 6_000)).to.equal(true);
    expect(leaseRenewDue(0, 2_999, 10_000, 6_000)).to.equal(false);
  });
});
