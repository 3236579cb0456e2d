import { expect } from 'chai';
import type { Task } from '../../../../src/api/types.js';
import { demandOf, leastAllocatedScore, REASONS, schedule, unschedulableMessage, type NodeSnapshot } from '../../../../src/controllers/scheduler/scheduling.js';

const GI = 2 ** 30;
const MI = 2 ** 20;

function node(name: string, over: Partial<NodeSnapshot> = {}, used: { cpu?: number; memory?: number; tasks?: number } = {}): NodeSnapshot {
  return {
    name,
    ready: true,
    unschedulable: false,
    labels: {},
    allocatable: { milliCpu: 2000, memory: 4 * GI, tasks: 110 },
    requested: { milliCpu: used.cpu ?? 0, memory: used.memory ?? 0, tasks: used.tasks ?? 0 },
    nonZeroRequested: { milliCpu: used.cpu ?? 0, memory: used.memory ?? 0 },
    ...over,
  };
}

const task = (requests: { cpu?: string; memory?: string } = {}, nodeSelector?: Record<string, string>): Task => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: 'Task',
  metadata: { name: 't', namespace: 'ns' },
  spec: { image: 'x', resources: { requests }, nodeSelector },
});

describe('scheduler: filter, score and the Unschedulable message', () => {
  it('reads requests as millicores and bytes, with kube-scheduler defaults for scoring only', () => {
    expect(demandOf(task({ cpu: '250m', memory: '64Mi' }))).to.deep.include({ requests: { milliCpu: 250, memory: 64 * MI }, nonZero: { milliCpu: 250, memory: 64 * MI } });
    expect(demandOf(task())).to.deep.include({ requests: { milliCpu: 0, memory: 0 }, nonZero: { milliCpu: 100, memory: 200 * MI } });
  });

  it('picks the least allocated Node, not the first one', () => {
    const d = demandOf(task({ cpu: '100m', memory: '100Mi' }));
    const decision = schedule(d, [node('a', {}, { cpu: 1000, memory: GI, tasks: 5 }), node('b', {}, { cpu: 200, memory: 200 * MI, tasks: 2 }), node('c', {}, { cpu: 600, memory: GI, tasks: 3 })]);
    expect(decision.node).to.equal('b');
  });

  it('scores by the free fraction, so a bigger Node takes more Tasks than a smaller one', () => {
    const d = demandOf(task({ cpu: '100m', memory: '10Mi' }));
    const big = node('big', { allocatable: { milliCpu: 4000, memory: 4 * GI, tasks: 110 } }, { cpu: 1000, memory: GI });
    const small = node('small', { allocatable: { milliCpu: 1000, memory: 4 * GI, tasks: 110 } }, { cpu: 200, memory: GI });
    expect(leastAllocatedScore(d, big)).to.be.greaterThan(leastAllocatedScore(d, small));
  });

  it('spreads Tasks in proportion to capacity when decisions are applied one after another', () => {
    const nodes = [node('a', { allocatable: { milliCpu: 2000, memory: 8 * GI, tasks: 110 } }), node('b', { allocatable: { milliCpu: 1000, memory: 8 * GI, tasks: 110 } }), node('c', { allocatable: { milliCpu: 500, memory: 8 * GI, tasks: 110 } })];
    const d = demandOf(task({ cpu: '100m', memory: '16Mi' }));
    const placed: Record<string, number> = {};
    for (let i = 0; i < 30; i++) {
      const n = nodes.find((x) => x.name === schedule(d, nodes).node)!;
      n.requested.milliCpu += 100;
      n.nonZeroRequested.milliCpu += 100;
      n.requested.memory += 16 * MI;
      n.nonZeroRequested.memory += 16 * MI;
      n.requested.tasks++;
      placed[n.name] = (placed[n.name] ?? 0) + 1;
    }
    expect(placed.a).to.be.greaterThan(placed.b);
    expect(placed.b).to.be.greaterThan(placed.c);
    expect(placed.a + placed.b + placed.c).to.equal(30);
  });

  it('skips Nodes that are not Ready, cordoned, not matching the selector, or full', () => {
    const d = demandOf(task({ memory: '1Gi' }, { disk: 'ssd' }));
    const decision = schedule(d, [
      node('down', { ready: false, labels: { disk: 'ssd' } }),
      node('cordoned', { unschedulable: true, labels: { disk: 'ssd' } }),
      node('hdd', { labels: { disk: 'hdd' } }),
      node('full', { labels: { disk: 'ssd' } }, { memory: 3.5 * GI }),
      node('fits', { labels: { disk: 'ssd' } }, { memory: 2 * GI }),
    ]);
    expect(decision.node).to.equal('fits');
  });

  it('counts the reasons like Kubernetes: "0/3 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable."', () => {
    const d = demandOf(task({ memory: '3Gi' }));
    const decision = schedule(d, [node('a', {}, { memory: 2 * GI }), node('b', {}, { memory: 3 * GI }), node('c', { unschedulable: true })]);
    expect(decision.node).to.equal(undefined);
    expect(decision.reasons).to.deep.equal({ [REASONS.memory]: 2, [REASONS.unschedulable]: 1 });
    expect(decision.message).to.equal('0/3 nodes are available: 2 Insufficient memory, 1 node(s) were unschedulable.');
  });

  it('reports every resource a Node lacks', () => {
    const decision = schedule(demandOf(task({ cpu: '3', memory: '5Gi' })), [node('a')]);
    expect(decision.message).to.equal('0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.');
  });

  it('says so when there are no Nodes at all', () => {
    expect(schedule(demandOf(task()), []).message).to.equal('no nodes available to schedule tasks');
    expect(unschedulableMessage(2, { [REASONS.notReady]: 2 })).to.equal('0/2 nodes are available: 2 node(s) were not ready.');
  });

  it('keeps two Tasks with the same fixed host port apart', () => {
    const t = task();
    t.spec.ports = [{ containerPort: 80, hostPort: 8080 }];
    const busy = node('busy', { hostPortInUse: (p) => p === 'TCP/8080' });
    expect(schedule(demandOf(t), [busy, node('free', {}, { cpu: 1500, memory: 3 * GI })]).node).to.equal('free');
    expect(schedule(demandOf(t), [busy]).message).to.equal("0/1 nodes are available: 1 node(s) didn't have free ports for the requested task ports.");
  });

  it('lets a Task without requests onto a Node whose requests are all given out, up to the task limit', () => {
    const d = demandOf(task());
    expect(schedule(d, [node('a', {}, { cpu: 2000, memory: 4 * GI })]).node).to.equal('a');
    expect(schedule(d, [node('a', { allocatable: { milliCpu: 2000, memory: 4 * GI, tasks: 3 } }, { tasks: 3 })]).message).to.equal('0/1 nodes are available: 1 Too many tasks.');
  });
});
