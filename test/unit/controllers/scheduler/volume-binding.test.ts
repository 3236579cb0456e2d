import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { claimPlacement } from '../../../../src/controllers/scheduler/volume-binding.js';
import { demandOf, REASONS, schedule, type NodeSnapshot } from '../../../../src/controllers/scheduler/scheduling.js';

// Volume node affinity and hostPath filtering in the scheduler's pure decision.

const task = (volumes: NonNullable<Task['spec']['volumes']>): Task => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'ns' }, spec: { image: 'x', volumes } });
const claim = (name: string) => ({ name, persistentVolumeClaim: { claimName: name } });
const snap = (name: string, over: Partial<NodeSnapshot> = {}): NodeSnapshot => ({
  name,
  ready: true,
  unschedulable: false,
  labels: {},
  allocatable: { milliCpu: 2000, memory: 2 ** 32, tasks: 110 },
  requested: { milliCpu: 0, memory: 0, tasks: 0 },
  nonZeroRequested: { milliCpu: 0, memory: 0 },
  ...over,
});

describe('claimPlacement', () => {
  const claims = (c: Record<string, { node?: string; deleting?: boolean }>) => ({ get: (_ns: string, n: string) => c[n] });

  it('pins the Task to the Node of a bound claim', () => {
    expect(claimPlacement(task([claim('a')]), claims({ a: { node: 'n2' } }))).to.deep.equal({ node: 'n2', unbound: [] });
  });

  it('refuses a claim being deleted, as kube-scheduler does', () => {
    expect(claimPlacement(task([claim('a')]), claims({ a: { node: 'n2', deleting: true } }))).to.deep.equal({ message: 'persistentvolumeclaim "a" is being deleted' });
  });

  it('lists claims bound to no Node yet for binding with the Task', () => {
    expect(claimPlacement(task([claim('a')]), claims({ a: {} }))).to.deep.equal({ node: undefined, unbound: ['a'] });
  });

  it('is unschedulable naming a missing claim', () => {
    expect(claimPlacement(task([claim('a')]), claims({}))).to.deep.equal({ message: 'persistentvolumeclaim "a" not found' });
  });

  it('is unschedulable when two claims live on different Nodes', () => {
    expect(claimPlacement(task([claim('a'), claim('b')]), claims({ a: { node: 'n1' }, b: { node: 'n2' } }))).to.have.property('message').that.includes('different nodes');
  });
});

describe('schedule with volumes', () => {
  it('places a Task with a bound claim only on its Node, even when another is emptier', () => {
    const d = { ...demandOf(task([claim('a')])), requiredNode: 'busy' };
    const decision = schedule(d, [snap('empty'), snap('busy', { requested: { milliCpu: 1500, memory: 0, tasks: 3 }, nonZeroRequested: { milliCpu: 1500, memory: 0 } })]);
    expect(decision.node).to.equal('busy');
  });

  it('says volume node affinity conflict for the other Nodes when the claim Node does not fit', () => {
    const d = { ...demandOf(task([claim('a')])), requiredNode: 'gone' };
    expect(schedule(d, [snap('a'), snap('b')]).message).to.equal(`0/2 nodes are available: 2 ${REASONS.volumeNode}.`);
  });

  it('places a hostPath Task only on a Node whose allowedHostPaths cover it', () => {
    const d = demandOf(task([{ name: 'h', hostPath: { path: '/srv/x' } }]));
    expect(schedule(d, [snap('none'), snap('srv', { allowedHostPaths: [{ pathPrefix: '/srv' }] })]).node).to.equal('srv');
    expect(schedule(d, [snap('none')]).message).to.equal(`0/1 nodes are available: 1 ${REASONS.hostPath}.`);
  });
});
