import { expect } from 'chai';
import { decodeFieldsV1, encodeFieldsV1, fieldPaths, recordUpdate, serverSideApply, type ManagedFieldsEntry } from '../../../src/apiserver/ssa.js';
import type { Obj } from '../../../src/apiserver/objects.js';

const opts = (manager: string, force = false) => ({ manager, force, time: '2026-01-01T00:00:00Z', apiVersion: 'okube.dev/v1alpha1' });
const cfg = (spec: Record<string, unknown>, labels?: Record<string, string>): Obj => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', ...(labels ? { labels } : {}) }, spec });
const managers = (o: Obj) => (o.metadata.managedFields as ManagedFieldsEntry[]).map((e) => `${e.manager}/${e.operation}`).sort();

describe('server-side apply', () => {
  it('encodes and decodes FieldsV1', () => {
    const paths = [['spec', 'image'], ['metadata', 'labels', 'app'], ['spec', 'ports']];
    expect(decodeFieldsV1(encodeFieldsV1(paths))).to.have.deep.members(paths);
    expect(encodeFieldsV1([['spec', 'image']])).to.deep.equal({ 'f:spec': { 'f:image': {} } });
  });

  it('tracks leaves, not system metadata, status or type meta', () => {
    const o: Obj = { apiVersion: 'v', kind: 'K', metadata: { name: 'n', uid: 'u', labels: { a: '1' } }, spec: { image: 'x', ports: [{ containerPort: 80 }], empty: {} }, status: { phase: 'P' } };
    expect(fieldPaths(o, { skipStatus: true })).to.have.deep.members([['metadata', 'labels', 'a'], ['spec', 'image'], ['spec', 'ports'], ['spec', 'empty']]);
  });

  it('creates from the applied config and records an Apply entry', () => {
    const { object, conflicts } = serverSideApply(undefined, cfg({ image: 'nginx' }, { app: 'a' }), opts('kubectl'));
    expect(conflicts).to.deep.equal([]);
    expect(object.spec).to.deep.equal({ image: 'nginx' });
    expect(managers(object)).to.deep.equal(['kubectl/Apply']);
  });

  it('merges, and removes fields the manager stopped applying', () => {
    const first = serverSideApply(undefined, cfg({ image: 'nginx', restartPolicy: 'Never' }, { app: 'a' }), opts('kubectl')).object;
    const second = serverSideApply(first, cfg({ image: 'nginx:2' }), opts('kubectl')).object;
    expect(second.spec).to.deep.equal({ image: 'nginx:2' });
    expect(second.metadata.labels ?? {}).to.deep.equal({});
  });

  it('keeps fields owned by another manager', () => {
    const first = serverSideApply(undefined, cfg({ image: 'nginx' }), opts('a')).object;
    const second = serverSideApply(first, cfg({ image: 'nginx', nodeName: 'n1' }), opts('b')).object;
    const third = serverSideApply(second, cfg({ image: 'nginx' }), opts('b')).object;
    expect(third.spec).to.deep.equal({ image: 'nginx' }, 'b dropped nodeName which only b owned');
    const fourth = serverSideApply(second, cfg({}), opts('a')).object;
    expect(fourth.spec).to.deep.include({ nodeName: 'n1' });
    expect((fourth.spec as Record<string, unknown>).image).to.equal('nginx', 'b co-owns image, so it stays');
  });

  it('reports conflicts with other managers and lets force take ownership', () => {
    const created = serverSideApply(undefined, cfg({ image: 'nginx' }), opts('kubectl')).object;
    const patched = { ...created, spec: { image: 'other' } } as Obj;
    recordUpdate(created, patched, { manager: 'kubectl-patch', time: 't', apiVersion: 'v' });
    expect(managers(patched)).to.deep.equal(['kubectl-patch/Update']);
    const c = serverSideApply(patched, cfg({ image: 'nginx:2' }), opts('kubectl'));
    expect(c.conflicts).to.deep.equal([{ manager: 'kubectl-patch', field: '.spec.image' }]);
    const same = serverSideApply(patched, cfg({ image: 'other' }), opts('kubectl'));
    expect(same.conflicts).to.deep.equal([], 'applying the current value is shared ownership, not a conflict');
    const forced = serverSideApply(patched, cfg({ image: 'nginx:2' }), opts('kubectl', true));
    expect(forced.object.spec).to.deep.equal({ image: 'nginx:2' });
    expect(managers(forced.object)).to.deep.equal(['kubectl/Apply']);
  });
});
