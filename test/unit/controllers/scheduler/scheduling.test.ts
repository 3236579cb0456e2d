import { expect } from 'chai';
import type { Node, Task } from '../../../../src/api/types.js';
import { allocatableOf, DEFAULT_MAX_TASKS, demandOf, holdsResources, leastAllocatedScore, nodeIsReady, REASONS, schedule, unfitReasons, unschedulableMessage, type NodeSnapshot } from '../../../../src/controllers/scheduler/scheduling.js';

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

  it('keeps a Task with a fixed host port off Nodes whose portRange excludes it, and says why', () => {
    const t = task();
    t.spec.ports = [{ containerPort: 80, hostPort: 8080 }];
    const narrow = node('narrow', { hostPortAllowed: (p) => p >= 30000 && p <= 32767 });
    const open = node('open', { hostPortAllowed: () => true }, { cpu: 1500, memory: 3 * GI });
    expect(schedule(demandOf(t), [narrow, open]).node).to.equal('open');
    expect(schedule(demandOf(t), [narrow]).message).to.equal("0/1 nodes are available: 1 node(s) didn't allow the requested host ports outside their portRange.");
  });

  it('lets a Task without requests onto a Node whose requests are all given out, up to the task limit', () => {
    const d = demandOf(task());
    expect(schedule(d, [node('a', {}, { cpu: 2000, memory: 4 * GI })]).node).to.equal('a');
    expect(schedule(d, [node('a', { allocatable: { milliCpu: 2000, memory: 4 * GI, tasks: 3 } }, { tasks: 3 })]).message).to.equal('0/1 nodes are available: 1 Too many tasks.');
  });
});

describe('scheduler: exact fits and the limits of a Node', () => {
  it('places a Task whose cpu request exactly fills the Node', () => {
    const d = demandOf(task({ cpu: '500m' }));
    expect(schedule(d, [node('a', {}, { cpu: 1500 })]).node).to.equal('a');
  });

  it('places a Task whose memory request exactly fills the Node', () => {
    const d = demandOf(task({ memory: '1Gi' }));
    expect(schedule(d, [node('a', {}, { memory: 3 * GI })]).node).to.equal('a');
  });

  it('rejects a Task whose cpu request is one millicore more than what is left', () => {
    const d = demandOf(task({ cpu: '501m' }));
    expect(unfitReasons(d, node('a', {}, { cpu: 1500 }))).to.deep.equal([REASONS.cpu]);
  });

  it('rejects a Task whose memory request is one byte more than what is left', () => {
    const d = demandOf(task({ memory: String(GI + 1) }));
    expect(unfitReasons(d, node('a', {}, { memory: 3 * GI }))).to.deep.equal([REASONS.memory]);
  });

  it('places the last Task allocatable.tasks allows', () => {
    const n = node('a', { allocatable: { milliCpu: 2000, memory: 4 * GI, tasks: 3 } }, { tasks: 2 });
    expect(unfitReasons(demandOf(task()), n)).to.deep.equal([]);
  });

  it('lets a Task without requests onto a Node whose cpu and memory are over-committed', () => {
    const d = demandOf(task());
    expect(unfitReasons(d, node('a', {}, { cpu: 2500, memory: 5 * GI }))).to.deep.equal([]);
  });

  it('reads a Task with no resources section as requesting nothing', () => {
    const t: Task = { apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'ns' }, spec: { image: 'x' } };
    expect(demandOf(t)).to.deep.include({ requests: { milliCpu: 0, memory: 0 }, hostPorts: [] });
  });

  it('names the resource in the error for a malformed cpu or memory request', () => {
    expect(() => demandOf(task({ cpu: 'lots' }))).to.throw(/^cpu: "lots" is not a quantity/);
    expect(() => demandOf(task({ memory: 'lots' }))).to.throw(/^memory: "lots" is not a quantity/);
  });
});

describe('scheduler: LeastAllocated score', () => {
  it('is the mean of the free cpu and memory percentages after placing the Task', () => {
    // cpu: (2000 - 1000 - 500) / 2000 = 25 % free; memory: (4Gi - 0 - 1Gi) / 4Gi = 75 % free.
    const d = demandOf(task({ cpu: '500m', memory: '1Gi' }));
    expect(leastAllocatedScore(d, node('a', {}, { cpu: 1000, memory: 0 }))).to.equal((25 + 75) / 2);
  });

  it('scores an over-committed resource as 0 free, never negative', () => {
    const d = demandOf(task({ cpu: '500m', memory: '1Gi' }));
    expect(leastAllocatedScore(d, node('a', {}, { cpu: 3000, memory: 1 * GI }))).to.equal((0 + 50) / 2);
  });
});

describe('scheduler: ties between equally good Nodes', () => {
  it('prefers the Node with fewer Tasks when the scores are equal', () => {
    const d = demandOf(task());
    expect(schedule(d, [node('a', {}, { tasks: 4 }), node('b', {}, { tasks: 1 })]).node).to.equal('b');
  });

  it('keeps the Node with fewer Tasks even when one with more comes later', () => {
    const d = demandOf(task());
    expect(schedule(d, [node('b', {}, { tasks: 1 }), node('a', {}, { tasks: 4 })]).node).to.equal('b');
  });

  it('prefers the alphabetically first name when scores and Task counts are equal, whatever the order', () => {
    const d = demandOf(task());
    expect(schedule(d, [node('b'), node('a'), node('c')]).node).to.equal('a');
    expect(schedule(d, [node('a'), node('b')]).node).to.equal('a');
  });

  it('takes a better score over fewer Tasks', () => {
    const d = demandOf(task({ cpu: '100m' }));
    expect(schedule(d, [node('busy', {}, { cpu: 1000, tasks: 1 }), node('idle', {}, { cpu: 0, tasks: 9 })]).node).to.equal('idle');
    expect(schedule(d, [node('idle', {}, { cpu: 0, tasks: 9 }), node('busy', {}, { cpu: 1000, tasks: 1 })]).node).to.equal('idle');
  });
});

describe('scheduler: the Unschedulable message', () => {
  it('lists reasons by count, most frequent first, then by name', () => {
    const msg = unschedulableMessage(6, { [REASONS.unschedulable]: 1, [REASONS.memory]: 3, [REASONS.cpu]: 1, [REASONS.notReady]: 1 });
    expect(msg).to.equal('0/6 nodes are available: 3 Insufficient memory, 1 Insufficient cpu, 1 node(s) were not ready, 1 node(s) were unschedulable.');
  });
});

describe('scheduler: what holds resources and which Nodes count', () => {
  const withPhase = (phase: string | undefined, nodeName: string | undefined): Task => ({
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns' },
    spec: { image: 'x', nodeName },
    status: phase ? ({ phase } as Task['status']) : undefined,
  });

  it('a bound Task holds its Node’s resources while Pending, Scheduled or Running', () => {
    expect([undefined, 'Pending', 'Scheduled', 'Running'].map((p) => holdsResources(withPhase(p, 'n1')))).to.deep.equal([true, true, true, true]);
  });

  it('a Succeeded Task releases its resources', () => {
    expect(holdsResources(withPhase('Succeeded', 'n1'))).to.equal(false);
  });

  it('a Failed Task releases its resources', () => {
    expect(holdsResources(withPhase('Failed', 'n1'))).to.equal(false);
  });

  it('an unbound Task holds nothing', () => {
    expect(holdsResources(withPhase('Pending', undefined))).to.equal(false);
  });

  const nodeObj = (status: Node['status']): Node => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n' }, spec: {} as Node['spec'], status });
  const ready = (s: 'True' | 'False' | 'Unknown') => nodeObj({ conditions: [{ type: 'MemoryPressure', status: 'True' } as never, { type: 'Ready', status: s } as never] });

  it('counts a Node as ready only when its Ready condition is True', () => {
    expect(nodeIsReady(ready('True'))).to.equal(true);
  });

  it('does not count a Node whose Ready condition is Unknown or False as ready', () => {
    expect([nodeIsReady(ready('Unknown')), nodeIsReady(ready('False'))]).to.deep.equal([false, false]);
  });

  it('does not count a Node without status or without a Ready condition as ready', () => {
    expect([nodeIsReady(nodeObj(undefined)), nodeIsReady(nodeObj({ conditions: [] })), nodeIsReady(nodeObj({}))]).to.deep.equal([false, false, false]);
  });

  it('takes allocatable (capacity minus reserved) over capacity, including allocatable.tasks', () => {
    const n = nodeObj({ capacity: { cpu: '4', memory: '8Gi', tasks: 110 }, allocatable: { cpu: '3500m', memory: '7Gi', tasks: 20 } });
    expect(allocatableOf(n)).to.deep.equal({ milliCpu: 3500, memory: 7 * GI, tasks: 20 });
  });

  it('falls back to capacity when no allocatable is reported', () => {
    expect(allocatableOf(nodeObj({ capacity: { cpu: '2', memory: '1Gi', tasks: 8 } }))).to.deep.equal({ milliCpu: 2000, memory: GI, tasks: 8 });
  });

  it('reads a Node that reports nothing as zero cpu and memory and the default 110 Tasks', () => {
    expect(allocatableOf(nodeObj(undefined))).to.deep.equal({ milliCpu: 0, memory: 0, tasks: DEFAULT_MAX_TASKS });
    expect(DEFAULT_MAX_TASKS).to.equal(110);
  });
});

describe('scheduler: spreading a controller\'s Tasks and avoiding Nodes', () => {
  const owned = (uid: string, over: Partial<Task['metadata']> = {}): Task => ({
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Task',
    metadata: { name: 't', namespace: 'ns', ownerReferences: [{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid, controller: true }], ...over },
    spec: { image: 'x' },
  });
  /** A snapshot whose Node holds `counts[uid]` Tasks of each controller. */
  const withOwners = (name: string, counts: Record<string, number>, over: Partial<NodeSnapshot> = {}, used: { cpu?: number; memory?: number; tasks?: number } = {}): NodeSnapshot => ({
    ...node(name, over, used),
    ownerCount: (uid) => counts[uid] ?? 0,
  });
  /** Places `n` Tasks of demand `d` one after another, counting each on its Node as the cache would. */
  const placeAll = (d: ReturnType<typeof demandOf>, nodes: Array<NodeSnapshot & { owned: Record<string, number> }>, n: number) => {
    const placed: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const target = nodes.find((x) => x.name === schedule(d, nodes).node)!;
      target.requested.tasks++;
      target.nonZeroRequested.milliCpu += d.nonZero.milliCpu;
      target.nonZeroRequested.memory += d.nonZero.memory;
      target.owned[d.owner!] = (target.owned[d.owner!] ?? 0) + 1;
      placed[target.name] = (placed[target.name] ?? 0) + 1;
    }
    return placed;
  };
  const counted = (name: string, over: Partial<NodeSnapshot> = {}, used: { cpu?: number; memory?: number; tasks?: number } = {}) => {
    const owned: Record<string, number> = {};
    return Object.assign(withOwners(name, owned, over, used), { owned });
  };

  it('reads the controller uid and the avoided Nodes into the demand, and drops the uid of a terminating Task', () => {
    const d = demandOf(owned('u1', { annotations: { 'okube.dev/avoid-nodes': 'n1, n2' } }));
    expect(d.owner).to.equal('u1');
    expect(d.avoid).to.deep.equal(['n1', 'n2']);
    expect(demandOf(owned('u1', { deletionTimestamp: '2026-01-01T00:00:00Z' })).owner).to.equal(undefined);
  });

  it('puts 3 replicas on 3 equal Nodes one each, though other Tasks leave one of them the least allocated', () => {
    const nodes = [counted('a'), counted('b', {}, { cpu: 300, tasks: 3 }), counted('c', {}, { cpu: 300, tasks: 3 })];
    expect(placeAll(demandOf(owned('u1')), nodes, 3)).to.deep.equal({ a: 1, b: 1, c: 1 });
  });

  it('spreads replicas over unequal Nodes before it fills the biggest', () => {
    const nodes = [counted('big', { allocatable: { milliCpu: 2000, memory: 8 * GI, tasks: 110 } }), counted('mid', { allocatable: { milliCpu: 1000, memory: 8 * GI, tasks: 110 } }), counted('small', { allocatable: { milliCpu: 500, memory: 8 * GI, tasks: 110 } })];
    expect(placeAll(demandOf(owned('u1')), nodes, 3)).to.deep.equal({ big: 1, mid: 1, small: 1 });
  });

  it('prefers the Node without a replica even when it is busier with other Tasks', () => {
    const d = demandOf(owned('u1'));
    const decision = schedule(d, [withOwners('a', { u1: 1 }, {}, { cpu: 100, memory: 200 * MI, tasks: 1 }), withOwners('b', {}, {}, { cpu: 800, memory: GI, tasks: 8 })]);
    expect(decision.node).to.equal('b');
  });

  it('counts only Tasks of the same controller: another TaskSet\'s replicas do not repel it', () => {
    const d = demandOf(owned('u1'));
    const decision = schedule(d, [withOwners('a', { other: 3 }, {}, { tasks: 3 }), withOwners('b', { u1: 1 }, {}, { tasks: 1 })]);
    expect(decision.node).to.equal('a');
  });

  it('lets least-allocated win for a Node too full to be worth the spread', () => {
    const d = demandOf(owned('u1', {}));
    // a holds a replica but is empty otherwise; b holds none but is nearly full (LeastAllocated ≈ 2 against ≈ 95).
    const decision = schedule(d, [withOwners('a', { u1: 1 }), withOwners('b', {}, {}, { cpu: 1900, memory: 4 * GI - 300 * MI, tasks: 19 })]);
    expect(decision.node).to.equal('a');
  });

  it('scores a Task without a controller by least-allocated alone', () => {
    const d = demandOf(task());
    const decision = schedule(d, [withOwners('a', { u1: 5 }, {}, { cpu: 100, tasks: 5 }), withOwners('b', {}, {}, { cpu: 400, tasks: 4 })]);
    expect(decision.node).to.equal('a');
  });

  it('picks a Node that is not avoided when one fits, even a worse-scored one', () => {
    const d = demandOf(owned('u1', { annotations: { 'okube.dev/avoid-nodes': 'a' } }));
    const decision = schedule(d, [withOwners('a', {}), withOwners('b', { u1: 3 }, {}, { cpu: 1500, memory: 3 * GI, tasks: 10 })]);
    expect(decision.node).to.equal('b');
    expect(decision.avoidedFallback).to.equal(undefined);
  });

  it('falls back to an avoided Node when no other Node fits, and says so', () => {
    const d = demandOf({ ...owned('u1', { annotations: { 'okube.dev/avoid-nodes': 'a,c' } }), spec: { image: 'x', resources: { requests: { cpu: '500m' } } } });
    const decision = schedule(d, [withOwners('a', {}), withOwners('b', {}, {}, { cpu: 1800 }), withOwners('c', {}, { ready: false })]);
    expect(decision.node).to.equal('a');
    expect(decision.avoidedFallback).to.equal(true);
  });

  it('still reports a Task that fits nowhere as Unschedulable, avoided Nodes counted by their real reason', () => {
    const d = demandOf({ ...owned('u1', { annotations: { 'okube.dev/avoid-nodes': 'a' } }), spec: { image: 'x', resources: { requests: { cpu: '3' } } } });
    const decision = schedule(d, [withOwners('a', {}), withOwners('b', {})]);
    expect(decision.node).to.equal(undefined);
    expect(decision.message).to.equal('0/2 nodes are available: 2 Insufficient cpu.');
  });

  it('ignores avoided names that are not Nodes', () => {
    const d = demandOf(owned('u1', { annotations: { 'okube.dev/avoid-nodes': 'gone' } }));
    expect(schedule(d, [withOwners('a', {})])).to.deep.equal({ node: 'a', reasons: {} });
  });
});
