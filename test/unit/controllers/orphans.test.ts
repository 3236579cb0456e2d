import { expect } from 'chai';
import { LABELS, VOLUME_TASK_LABEL } from '../../../src/api/types.js';
import { OrphanTracker, OrphanVolumeTracker } from '../../../src/controllers/node/orphans.js';
import type { ContainerInfo } from '../../../src/runtime/runtime.js';

const c = (id: string, uid: string, managed = 'true'): ContainerInfo => ({ id, name: id, image: 'x', labels: { [LABELS.managed]: managed, [LABELS.taskUid]: uid }, status: 'running', running: true, ports: [] });

describe('OrphanTracker', () => {
  it('removes a container whose Task is gone only after the grace period', () => {
    const t = new OrphanTracker(1000);
    const known = () => false;
    expect(t.orphans([c('a', 'u1')], known, 0)).to.deep.equal([]);
    expect(t.orphans([c('a', 'u1')], known, 999)).to.deep.equal([]);
    expect(t.orphans([c('a', 'u1')], known, 1000).map((x) => x.id)).to.deep.equal(['a']);
  });

  it('never touches a container whose Task exists or that okube does not manage', () => {
    const t = new OrphanTracker(0);
    expect(t.orphans([c('a', 'u1'), c('b', 'u2', 'false')], (x) => x.labels[LABELS.taskUid] === 'u1', 5)).to.deep.equal([]);
  });

  it('forgets a container that reappeared as owned, restarting its grace period', () => {
    const t = new OrphanTracker(1000);
    t.orphans([c('a', 'u1')], () => false, 0);
    t.orphans([c('a', 'u1')], () => true, 500);
    expect(t.orphans([c('a', 'u1')], () => false, 1200)).to.deep.equal([]);
  });
});

describe('OrphanVolumeTracker', () => {
  const vol = (uid: string) => ({ labels: { [VOLUME_TASK_LABEL]: uid } });

  it('names a Task uid whose volumes no Task here owns only after the grace period', () => {
    const t = new OrphanVolumeTracker(1000);
    expect(t.due([vol('a'), vol('a'), vol('b')], (uid) => uid === 'b', 0)).to.deep.equal([]);
    expect(t.due([vol('a'), vol('b')], (uid) => uid === 'b', 999)).to.deep.equal([]);
    expect(t.due([vol('a'), vol('b')], (uid) => uid === 'b', 1000)).to.deep.equal(['a']);
  });

  it('starts the grace period again for a uid that was owned in between', () => {
    const t = new OrphanVolumeTracker(1000);
    t.due([vol('a')], () => false, 0);
    t.due([vol('a')], () => true, 500);
    expect(t.due([vol('a')], () => false, 1200)).to.deep.equal([]);
  });

  it('ignores volumes that are not a Task’s own (a claim’s)', () => {
    expect(new OrphanVolumeTracker(0).due([{ labels: { 'okube.dev/claim-uid': 'c' } }], () => false, 0)).to.deep.equal([]);
  });
});
