import { expect } from 'chai';
import { controllerUidOf, rawSpreadScore, spreadScores } from '../../../../src/controllers/scheduler/spreading.js';

describe('scheduler: spreading score (PodTopologySpread on the hostname)', () => {
  it('takes the controller uid from the ownerReference with controller: true, not the first one', () => {
    const meta = { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }, { apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: 'u2', controller: true }] };
    expect(controllerUidOf(meta)).to.equal('u2');
    expect(controllerUidOf({ ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u1' }] })).to.equal(undefined);
    expect(controllerUidOf({})).to.equal(undefined);
  });

  it('computes the raw score as count × log(feasible + 2) + maxSkew − 1, rounded', () => {
    expect(rawSpreadScore(0, 3)).to.equal(2);
    expect(rawSpreadScore(1, 3)).to.equal(Math.round(Math.log(5) + 2));
    expect(rawSpreadScore(4, 3, 1)).to.equal(Math.round(4 * Math.log(5)));
  });

  it('gives every Node 100 when none holds a Task of the controller', () => {
    expect(spreadScores([0, 0, 0])).to.deep.equal([100, 100, 100]);
  });

  it('scores a Node holding one more replica lower than the empty ones', () => {
    const [a, b, c] = spreadScores([1, 0, 0]);
    expect(b).to.equal(100);
    expect(c).to.equal(100);
    expect(a).to.be.lessThan(b);
    expect(a).to.equal(Math.floor((100 * 2) / 4)); // raw 4 vs 2: 100 × (4 + 2 − 4) / 4
  });

  it('orders Nodes by how many replicas they hold, fewer first', () => {
    const s = spreadScores([5, 2, 0, 9]);
    expect(s[2]).to.be.greaterThan(s[1]);
    expect(s[1]).to.be.greaterThan(s[0]);
    expect(s[0]).to.be.greaterThan(s[3]);
  });

  it('tolerates small skews with a larger maxSkew (scores closer together)', () => {
    const gap = (maxSkew: number) => {
      const [a, b] = spreadScores([1, 0], maxSkew);
      return b - a;
    };
    expect(gap(5)).to.be.lessThan(gap(1));
  });
});
