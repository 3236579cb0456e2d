import { expect } from 'chai';
import { changes, DependentsIndex, mayMatter, type NodeInfo } from '../../../../src/apiserver/gc/graph.js';

// The collector's dependents index: which objects name an owner uid, and which updates matter.

const ref = (uid: string, blockOwnerDeletion?: boolean) => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', name: `n-${uid}`, uid, blockOwnerDeletion });
const node = (key: string, n: Partial<NodeInfo> = {}): NodeInfo => ({ key, uid: `uid-${key}`, refs: [], finalizers: [], ...n });

describe('garbage collector dependents index', () => {
  it('lists the objects naming an owner, with their blockOwnerDeletion', () => {
    const ix = new DependentsIndex();
    ix.set(node('a', { refs: [ref('o', true)] }));
    ix.set(node('b', { refs: [ref('o'), ref('p')] }));
    expect(ix.dependentsOf('o')).to.deep.equal([
      { key: 'a', blockOwnerDeletion: true, deletingDependents: false },
      { key: 'b', blockOwnerDeletion: false, deletingDependents: false },
    ]);
  });
  it('forgets a dependent whose reference was removed', () => {
    const ix = new DependentsIndex();
    ix.set(node('a', { refs: [ref('o'), ref('p')] }));
    ix.set(node('a', { refs: [ref('p')] }));
    expect(ix.dependentsOf('o')).to.deep.equal([]);
    expect(ix.dependentsOf('p').map((d) => d.key)).to.deep.equal(['a']);
  });
  it('does not keep objects without references or GC finalizers', () => {
    const ix = new DependentsIndex();
    ix.set(node('a', { finalizers: ['x'], deletionTimestamp: 't' }));
    expect(ix.size).to.equal(0);
  });
  it('keeps an owner deleting in the foreground, and marks it as deleting its dependents', () => {
    const ix = new DependentsIndex();
    ix.set(node('mid', { refs: [ref('o')], finalizers: ['foregroundDeletion'], deletionTimestamp: 't' }));
    expect(ix.dependentsOf('o')[0].deletingDependents).to.equal(true);
  });
  it('removes a deleted object from every owner it named', () => {
    const ix = new DependentsIndex();
    ix.set(node('a', { refs: [ref('o'), ref('p')] }));
    ix.remove('a');
    expect(ix.dependentsOf('o')).to.deep.equal([]);
    expect(ix.dependentsOf('p')).to.deep.equal([]);
  });
  it('sees a status-only update as no change', () => {
    const a = node('a', { refs: [ref('o')] });
    expect(changes(a, { ...a })).to.deep.equal({ refs: false, deletion: false });
  });
  it('sees a new deletionTimestamp as a deletion change', () => {
    const a = node('a', { refs: [ref('o')] });
    expect(changes(a, { ...a, deletionTimestamp: 't' })).to.deep.equal({ refs: false, deletion: true });
  });
  it('sees a recreated object (another uid) as new', () => {
    const a = node('a', { refs: [ref('o')] });
    expect(changes(a, { ...a, uid: 'other' })).to.deep.equal({ refs: true, deletion: false });
  });
});

describe('garbage collector: which unindexed objects are decoded', () => {
  const stored = (meta: Record<string, unknown>) => JSON.stringify({ kind: 'Task', metadata: { name: 'a', uid: 'u', ...meta }, spec: { image: 'nginx' } });
  it('skips an object with neither ownerReferences nor a deletionTimestamp', () => {
    expect(mayMatter(stored({ finalizers: ['x'], labels: { app: 'a' } }))).to.equal(false);
  });
  it('decodes one with ownerReferences or a deletionTimestamp', () => {
    expect(mayMatter(stored({ ownerReferences: [{ uid: 'o' }] }))).to.equal(true);
    expect(mayMatter(stored({ deletionTimestamp: '2026-01-01T00:00:00Z', finalizers: ['orphan'] }))).to.equal(true);
  });
  it('decodes one whose JSON holds any escape (a key name could be spelt with one)', () => {
    const escaped = '{"kind":"Task","metadata":{"name":"a","owner\\u0052eferences":[{"uid":"o"}]}}';
    expect(JSON.parse(escaped).metadata.ownerReferences).to.deep.equal([{ uid: 'o' }]);
    expect(mayMatter(escaped)).to.equal(true);
  });
});
