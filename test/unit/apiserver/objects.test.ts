import { expect } from 'chai';
import { carryOverSystemMeta, deepEqual, dropEmptyMeta, fromStored, nextGeneration, specChanged, toStored, type Obj } from '../../../src/apiserver/objects.js';

describe('object rules', () => {
  const base = (): Obj => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'n', uid: 'u', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z', labels: { a: '1' } }, spec: { image: 'x' }, status: { phase: 'Running' } });

  it('bumps generation on spec changes only', () => {
    const a = base();
    const labels = base();
    labels.metadata.labels = { a: '2' };
    expect(nextGeneration(a, labels)).to.equal(3);
    const status = base();
    status.status = { phase: 'Failed' };
    expect(nextGeneration(a, status)).to.equal(3);
    const spec = base();
    spec.spec = { image: 'y' };
    expect(nextGeneration(a, spec)).to.equal(4);
    const extra = base();
    (extra as Record<string, unknown>).data = { k: 'v' };
    expect(specChanged(a, extra)).to.equal(true, 'any non-metadata, non-status top-level field counts');
  });

  it('carries over system metadata on update', () => {
    const old = base();
    const next: Obj = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', uid: 'forged', generation: 99, creationTimestamp: 'now' }, spec: { image: 'x' } };
    carryOverSystemMeta(old, next);
    expect(next.metadata).to.include({ uid: 'u', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z', namespace: 'n' });
  });

  it('stores without resourceVersion and fills it on read', () => {
    const o = base();
    o.metadata.resourceVersion = '12';
    const stored = toStored(o);
    expect(JSON.parse(stored).metadata).to.not.have.property('resourceVersion');
    expect(fromStored(stored, 42).metadata.resourceVersion).to.equal('42');
  });

  it('compares deeply, ignoring undefined members', () => {
    expect(deepEqual({ a: [1, { b: 2 }], c: undefined }, { a: [1, { b: 2 }] })).to.equal(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).to.equal(false);
  });

  it('drops empty or null labels, annotations, ownerReferences, finalizers and generateName, as Go omits them, and keeps the rest', () => {
    const m = { name: 't', generateName: '', labels: {}, annotations: null, ownerReferences: [], finalizers: ['f'] } as unknown as Obj['metadata'];
    dropEmptyMeta(m);
    expect(m).to.deep.equal({ name: 't', finalizers: ['f'] });
  });
});
