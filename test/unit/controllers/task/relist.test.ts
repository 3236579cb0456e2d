import { expect } from 'chai';
import { LABELS } from '../../../../src/api/types.js';
import { applyEvent, changedTasks, snapshotOf, taskKeyOfLabels } from '../../../../src/controllers/task/relist.js';
import type { ContainerStatus } from '../../../../src/runtime/runtime.js';

// The relist's decision (task/relist.ts): which Tasks a Node's container list says changed.

const labels = (name: string) => ({ [LABELS.managed]: 'true', [LABELS.namespace]: 'ns', [LABELS.name]: name });
const c = (id: string, name: string, status: ContainerStatus) => ({ id, labels: labels(name), status });

describe('task relist: what changed between two container lists of a Node', () => {
  it('reports nothing on the first list of a Node', () => {
    expect(changedTasks(undefined, snapshotOf([c('a', 'web', 'running')]))).to.deep.equal([]);
  });

  it('reports nothing when every container kept its state', () => {
    const list = [c('a', 'web', 'running'), c('b', 'db', 'exited')];
    expect(changedTasks(snapshotOf(list), snapshotOf(list))).to.deep.equal([]);
  });

  it('reports the Task of a container that went from running to exited', () => {
    expect(changedTasks(snapshotOf([c('a', 'web', 'running'), c('b', 'db', 'running')]), snapshotOf([c('a', 'web', 'exited'), c('b', 'db', 'running')]))).to.deep.equal(['ns/web']);
  });

  it('reports the Task of a container that is gone and of one that appeared', () => {
    expect(changedTasks(snapshotOf([c('a', 'web', 'running')]), snapshotOf([c('b', 'db', 'created')])).sort()).to.deep.equal(['ns/db', 'ns/web']);
  });

  it('names a Task once however many of its containers changed', () => {
    expect(changedTasks(snapshotOf([c('a', 'web', 'running')]), snapshotOf([c('a', 'web', 'exited'), c('b', 'web', 'created')]))).to.deep.equal(['ns/web']);
  });

  it('leaves out containers that are not an okube Task container', () => {
    const foreign = { id: 'x', labels: { [LABELS.namespace]: 'ns', [LABELS.name]: 'web' }, status: 'running' as const };
    expect(snapshotOf([foreign]).size).to.equal(0);
    expect(taskKeyOfLabels({ [LABELS.managed]: 'true', [LABELS.name]: 'web' })).to.equal(undefined);
  });

  it('does not report again a die, start or destroy the events stream already delivered', () => {
    const before = snapshotOf([c('a', 'web', 'running'), c('b', 'db', 'running')]);
    applyEvent(before, { action: 'die', containerId: 'a', labels: labels('web') });
    applyEvent(before, { action: 'destroy', containerId: 'b', labels: labels('db') });
    applyEvent(before, { action: 'create', containerId: 'c', labels: labels('db') });
    applyEvent(before, { action: 'start', containerId: 'c', labels: labels('db') });
    expect(changedTasks(before, snapshotOf([c('a', 'web', 'exited'), c('c', 'db', 'running')]))).to.deep.equal([]);
  });

  it('ignores events that do not change a container state (exec, attach, kill)', () => {
    const before = snapshotOf([c('a', 'web', 'running')]);
    for (const action of ['exec_start', 'attach', 'kill']) applyEvent(before, { action, containerId: 'a', labels: labels('web') });
    expect(before.get('a')).to.deep.equal({ key: 'ns/web', state: 'running' });
  });
});
