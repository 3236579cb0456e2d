import { expect } from 'chai';
import { deletionFinalizers, planDelete, propagationOptions } from '../../../src/apiserver/propagation.js';

// DELETE's propagation policy → GC finalizers, as kube-apiserver's generic registry decides them.

const q = (s: string) => new URLSearchParams(s);

describe('delete propagation (kube generic registry finalizer rules)', () => {
  describe('propagationOptions', () => {
    it('takes the policy from the query before the body', () => {
      expect(propagationOptions(q('propagationPolicy=Orphan'), { propagationPolicy: 'Foreground' })).to.deep.equal({ propagationPolicy: 'Orphan' });
    });
    it('takes the policy from the DeleteOptions body when the query has none', () => {
      expect(propagationOptions(q(''), { propagationPolicy: 'Foreground' })).to.deep.equal({ propagationPolicy: 'Foreground' });
    });
    it('reads the legacy orphanDependents flag from the query as a boolean', () => {
      expect(propagationOptions(q('orphanDependents=false'), {})).to.deep.equal({ orphanDependents: false });
    });
    it('has neither when nothing was asked', () => {
      expect(propagationOptions(q(''), {})).to.deep.equal({});
    });
  });

  describe('deletionFinalizers', () => {
    it('Orphan adds the orphan finalizer after the object’s own', () => {
      expect(deletionFinalizers(['okube.dev/task'], { propagationPolicy: 'Orphan' })).to.deep.equal(['okube.dev/task', 'orphan']);
    });
    it('Foreground adds foregroundDeletion', () => {
      expect(deletionFinalizers([], { propagationPolicy: 'Foreground' })).to.deep.equal(['foregroundDeletion']);
    });
    it('Background removes a GC finalizer set by an earlier delete', () => {
      expect(deletionFinalizers(['orphan', 'x'], { propagationPolicy: 'Background' })).to.deep.equal(['x']);
    });
    it('Foreground replaces orphan', () => {
      expect(deletionFinalizers(['orphan'], { propagationPolicy: 'Foreground' })).to.deep.equal(['foregroundDeletion']);
    });
    it('orphanDependents=true means Orphan', () => {
      expect(deletionFinalizers([], { orphanDependents: true })).to.deep.equal(['orphan']);
    });
    it('orphanDependents=false removes both GC finalizers', () => {
      expect(deletionFinalizers(['foregroundDeletion', 'orphan'], { orphanDependents: false })).to.deep.equal([]);
    });
    it('without options keeps the GC finalizer the object already has', () => {
      expect(deletionFinalizers(['foregroundDeletion'], {})).to.deep.equal(['foregroundDeletion']);
    });
    it('without options and without GC finalizers defaults to Background', () => {
      expect(deletionFinalizers(['a'], {})).to.deep.equal(['a']);
    });
  });

  describe('planDelete', () => {
    it('removes an object without finalizers deleted in the background', () => {
      expect(planDelete({}, { propagationPolicy: 'Background' })).to.deep.equal({ kind: 'remove' });
    });
    it('marks an object with its own finalizer, keeping it', () => {
      expect(planDelete({ finalizers: ['a'] }, {})).to.deep.equal({ kind: 'mark', finalizers: ['a'] });
    });
    it('marks an object deleted with Orphan with the orphan finalizer', () => {
      expect(planDelete({}, { propagationPolicy: 'Orphan' })).to.deep.equal({ kind: 'mark', finalizers: ['orphan'] });
    });
    it('leaves a terminating object unchanged when the finalizers stay the same', () => {
      expect(planDelete({ deletionTimestamp: 't', finalizers: ['foregroundDeletion'] }, { propagationPolicy: 'Foreground' })).to.deep.equal({ kind: 'unchanged' });
    });
    it('switches a terminating object from foreground to orphan on a second DELETE', () => {
      expect(planDelete({ deletionTimestamp: 't', finalizers: ['a', 'foregroundDeletion'] }, { propagationPolicy: 'Orphan' })).to.deep.equal({ kind: 'mark', finalizers: ['a', 'orphan'] });
    });
    it('removes a terminating object whose only finalizer was a GC one dropped by a Background DELETE', () => {
      expect(planDelete({ deletionTimestamp: 't', finalizers: ['orphan'] }, { propagationPolicy: 'Background' })).to.deep.equal({ kind: 'remove' });
    });
  });
});
