import { expect } from 'chai';
import type { Task, TaskPhase } from '../../../../src/api/types.js';
import { AllocationCache } from '../../../../src/controllers/scheduler/allocation-cache.js';

const MI = 2 ** 20;

function task(name: string, rv: number, nodeName?: string, phase?: TaskPhase): Task {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name, namespace: 'ns', resourceVersion: String(rv) },
    spec: { image: 'x', nodeName, resources: { requests: { cpu: '100m', memory: '64Mi' } } },
    status: phase ? { phase } : undefined,
  };
}

describe('AllocationCache', () => {
  it('sums the requests of the Tasks bound to each Node', () => {
    const c = new AllocationCache();
    c.observe(task('a', 1, 'n1'));
    c.observe(task('b', 2, 'n1'));
    c.observe(task('c', 3, 'n2'));
    c.observe(task('d', 4));
    expect(c.sums('n1').requested).to.deep.equal({ milliCpu: 200, memory: 128 * MI, tasks: 2 });
    expect(c.sums('n2').requested.tasks).to.equal(1);
  });

  it('counts an assumed binding at once and ignores older informer copies until the binding is seen', () => {
    const c = new AllocationCache();
    const t = task('a', 5);
    c.assume(t, 'n1');
    expect(c.sums('n1').requested.tasks).to.equal(1);
    c.observe(task('a', 5)); // the informer's copy from before the binding
    expect(c.sums('n1').requested.tasks).to.equal(1);
    c.bound('ns/a', '6');
    c.observe(task('a', 6, 'n1'));
    expect(c.isAssumed('ns/a')).to.equal(false);
    expect(c.sums('n1').requested.tasks).to.equal(1);
  });

  it('tracks the fixed host ports each Node publishes', () => {
    const c = new AllocationCache();
    const t = task('a', 1, 'n1');
    t.spec.ports = [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }];
    c.observe(t);
    expect([...c.sums('n1').hostPorts.keys()]).to.deep.equal(['TCP/8080']);
    c.delete('ns/a');
    expect(c.sums('n1').hostPorts.size).to.equal(0);
  });

  it('drops an assumption whose binding failed', () => {
    const c = new AllocationCache();
    c.assume(task('a', 5), 'n1');
    c.forget('ns/a');
    expect(c.sums('n1').requested.tasks).to.equal(0);
  });

  it('frees a Node when its Task finishes, moves away or is deleted, and says which', () => {
    const c = new AllocationCache();
    c.observe(task('a', 1, 'n1'));
    c.observe(task('b', 2, 'n1'));
    c.observe(task('c', 3, 'n1'));
    expect(c.observe(task('a', 4, 'n1', 'Succeeded'))).to.equal('n1');
    expect(c.observe(task('b', 5, 'n2'))).to.equal('n1');
    expect(c.delete('ns/c')).to.equal('n1');
    expect(c.sums('n1').requested).to.deep.equal({ milliCpu: 0, memory: 0, tasks: 0 });
    expect(c.sums('n2').requested.tasks).to.equal(1);
  });
});

describe('AllocationCache: Tasks per controller (for spreading)', () => {
  const owned = (name: string, rv: number, nodeName: string | undefined, uid: string, over: Partial<Task['metadata']> = {}): Task => {
    const t = task(name, rv, nodeName);
    t.metadata = { ...t.metadata, ownerReferences: [{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid, controller: true }], ...over };
    return t;
  };
  const countOn = (c: AllocationCache, node: string, uid: string) => c.snapshot({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: node }, spec: {} } as never).ownerCount!(uid);

  it('counts bound Tasks per controller uid on each Node', () => {
    const c = new AllocationCache();
    c.observe(owned('a', 1, 'n1', 'u1'));
    c.observe(owned('b', 2, 'n1', 'u1'));
    c.observe(owned('c', 3, 'n1', 'u2'));
    c.observe(owned('d', 4, 'n2', 'u1'));
    expect(countOn(c, 'n1', 'u1')).to.equal(2);
    expect(countOn(c, 'n1', 'u2')).to.equal(1);
    expect(countOn(c, 'n2', 'u1')).to.equal(1);
    expect(countOn(c, 'n3', 'u1')).to.equal(0);
  });

  it('counts an assumed binding for its controller at once', () => {
    const c = new AllocationCache();
    c.assume(owned('a', 1, undefined, 'u1'), 'n1');
    expect(countOn(c, 'n1', 'u1')).to.equal(1);
    c.forget('ns/a');
    expect(countOn(c, 'n1', 'u1')).to.equal(0);
  });

  it('stops counting a Task once it is terminating, finished or deleted', () => {
    const c = new AllocationCache();
    c.observe(owned('a', 1, 'n1', 'u1'));
    c.observe(owned('b', 2, 'n1', 'u1'));
    c.observe(owned('c', 3, 'n1', 'u1'));
    c.observe(owned('a', 4, 'n1', 'u1', { deletionTimestamp: '2026-01-01T00:00:00Z' }));
    expect(countOn(c, 'n1', 'u1')).to.equal(2);
    expect(c.sums('n1').requested.tasks).to.equal(3); // still holds its resources while it stops
    c.observe({ ...owned('b', 5, 'n1', 'u1'), status: { phase: 'Failed' } });
    c.delete('ns/c');
    expect(countOn(c, 'n1', 'u1')).to.equal(0);
  });
});
