import { expect } from 'chai';
import { decide, type DependentView, type GcView, type OwnerView } from '../../../../src/apiserver/gc/decide.js';

// The garbage collector's pure decision, with plain data (kube's attemptToDeleteItem,
// classifyReferences, processDeletingDependentsItem and attemptToOrphan).

const owner = (uid: string, state: OwnerView['state']): OwnerView => ({ uid, state });
const dep = (key: string, blockOwnerDeletion = true, deletingDependents = false): DependentView => ({ key, blockOwnerDeletion, deletingDependents });
const view = (v: Partial<GcView>): GcView => ({ deleting: false, finalizers: [], owners: [], dependents: [], ...v });

describe('garbage collector decision', () => {
  describe('a live object with owners', () => {
    it('does nothing for an object without owners', () => {
      expect(decide(view({})).kind).to.equal('none');
    });
    it('does nothing while every owner exists', () => {
      expect(decide(view({ owners: [owner('a', 'solid'), owner('b', 'solid')] })).kind).to.equal('none');
    });
    it('deletes in the background when its only owner is gone', () => {
      expect(decide(view({ owners: [owner('a', 'dangling')] }))).to.deep.equal({ kind: 'delete', policy: 'Background', unblockOwnerRefs: false });
    });
    it('deletes when every one of several owners is gone', () => {
      expect(decide(view({ owners: [owner('a', 'dangling'), owner('b', 'dangling')] })).kind).to.equal('delete');
    });
    it('only drops the gone owner’s reference when another owner exists', () => {
      expect(decide(view({ owners: [owner('a', 'dangling'), owner('b', 'solid')] }))).to.deep.equal({ kind: 'removeOwnerRefs', uids: ['a'] });
    });
    it('drops the reference to an owner deleting in the foreground when another owner exists', () => {
      expect(decide(view({ owners: [owner('a', 'waiting'), owner('b', 'solid')] }))).to.deep.equal({ kind: 'removeOwnerRefs', uids: ['a'] });
    });
    it('deletes in the background when its owner waits in the foreground and it has no dependents', () => {
      expect(decide(view({ owners: [owner('a', 'waiting')] }))).to.deep.equal({ kind: 'delete', policy: 'Background', unblockOwnerRefs: false });
    });
    it('deletes in the foreground when its owner waits in the foreground and it has dependents of its own', () => {
      expect(decide(view({ owners: [owner('a', 'waiting')], dependents: [dep('k')] }))).to.deep.equal({ kind: 'delete', policy: 'Foreground', unblockOwnerRefs: false });
    });
    it('unblocks its owners first when a dependent already deletes in the foreground (a cycle)', () => {
      expect(decide(view({ owners: [owner('a', 'waiting')], dependents: [dep('k', true, true)] }))).to.deep.equal({ kind: 'delete', policy: 'Foreground', unblockOwnerRefs: true });
    });
    it('honours an orphan finalizer already on the object when collecting it', () => {
      expect(decide(view({ owners: [owner('a', 'dangling')], finalizers: ['orphan'] }))).to.deep.include({ kind: 'delete', policy: 'Orphan' });
    });
    it('honours a foregroundDeletion finalizer already on the object when collecting it', () => {
      expect(decide(view({ owners: [owner('a', 'dangling')], finalizers: ['foregroundDeletion'] }))).to.deep.include({ kind: 'delete', policy: 'Foreground' });
    });
    it('does not collect a cluster-scoped object naming a namespaced owner', () => {
      expect(decide(view({ owners: [owner('a', 'invalid'), owner('b', 'dangling')] })).kind).to.equal('none');
    });
    it('does not collect while an owner’s kind cannot be resolved', () => {
      expect(decide(view({ owners: [owner('a', 'unresolvable'), owner('b', 'dangling')] })).kind).to.equal('none');
    });
  });

  describe('an object being deleted', () => {
    it('orphans every dependent when it carries the orphan finalizer', () => {
      expect(decide(view({ deleting: true, finalizers: ['orphan'], dependents: [dep('x'), dep('y', false)] }))).to.deep.equal({ kind: 'orphan', dependents: ['x', 'y'] });
    });
    it('orphans with an empty list (then drops the finalizer) when it has no dependents', () => {
      expect(decide(view({ deleting: true, finalizers: ['orphan'] }))).to.deep.equal({ kind: 'orphan', dependents: [] });
    });
    it('drops foregroundDeletion once no dependent blocks it', () => {
      expect(decide(view({ deleting: true, finalizers: ['foregroundDeletion'], dependents: [dep('x', false)] }))).to.deep.equal({ kind: 'removeFinalizer', finalizer: 'foregroundDeletion' });
    });
    it('keeps foregroundDeletion and visits its dependents while one blocks', () => {
      expect(decide(view({ deleting: true, finalizers: ['foregroundDeletion'], dependents: [dep('x'), dep('y', false)] }))).to.deep.equal({ kind: 'deleteDependents', dependents: ['x', 'y'] });
    });
    it('does not revisit a dependent that already deletes its own dependents', () => {
      expect(decide(view({ deleting: true, finalizers: ['foregroundDeletion'], dependents: [dep('x', true, true)] }))).to.deep.equal({ kind: 'deleteDependents', dependents: [] });
    });
    it('does nothing for an object terminating on its own finalizers, even if its owner is gone', () => {
      expect(decide(view({ deleting: true, finalizers: ['okube.dev/task'], owners: [owner('a', 'dangling')] })).kind).to.equal('none');
    });
  });
});
