import { expect } from 'chai';
import { NEVER } from 'rxjs';
import { LABELS, type Node } from '../../../../src/api/types.js';
import type { Informer } from '../../../../src/client/informer.js';
import type { ResourceClient } from '../../../../src/client/resource-client.js';
import { NodeReconciler } from '../../../../src/controllers/node/node-controller.js';
import { NodeRegistry } from '../../../../src/controllers/node/node-registry.js';
import type { HostInfo, Runtime } from '../../../../src/runtime/runtime.js';

// An engine whose link is cut while the Node controller is in the middle of its orphan sweep:
// the sweep's call never answers (TCP waits for minutes), and the Node must still turn
// Ready=Unknown when its grace period ends.

const GRACE_MS = 400;
const INFO: HostInfo = { ncpu: 2, memoryBytes: 2 ** 31, dockerVersion: '26.1.5', operatingSystem: 'Debian', kernelVersion: '6.1', architecture: 'x86_64' };

/** An engine that answers until `cut()`, after which every call hangs forever. */
function cuttableEngine(dropped: { count: number } = { count: 0 }) {
  let cut = false;
  const hang = <T>(value: T) => (cut ? new Promise<T>(() => undefined) : Promise.resolve(value));
  const runtime = {
    ping: () => hang(undefined),
    info: () => hang(INFO),
    usage: () => hang([]),
    listVolumes: () => hang([]),
    // The cut lands while the sweep lists the Node's containers.
    list: () => {
      cut = true;
      return hang([]);
    },
    events: () => NEVER,
    dropConnections: () => void dropped.count++,
    close: async () => undefined,
  } as unknown as Runtime;
  return runtime;
}

/** An engine that always answers (no containers), counting its pings, info reads and lists, and recording removals. */
function countingEngine() {
  const calls = { ping: 0, info: 0, list: 0, volumes: 0 };
  const removed: string[] = [];
  const runtime = {
    ping: async () => void calls.ping++,
    info: async () => (calls.info++, INFO),
    usage: async () => [],
    listVolumes: async () => (calls.volumes++, []),
    list: async () => (calls.list++, []),
    remove: async (id: string) => void removed.push(id),
    events: () => NEVER,
    close: async () => undefined,
  } as unknown as Runtime;
  return { calls, removed, runtime };
}

/** A Node on an engine that is cut during its first orphan sweep, and its reconciler; ready() reads its Ready condition. */
function cutNode(name: string, periodMs: number) {
  let node: Node = { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name, creationTimestamp: new Date().toISOString() }, spec: { dockerHost: 'tcp://10.0.0.9:2376' } } as Node;
  const dropped = { count: 0 };
  const runtime = cuttableEngine(dropped);
  const reconciler = new NodeReconciler({
    nodes: { replaceStatus: async (n: Node) => ((node = structuredClone(n)), n) } as unknown as ResourceClient<Node>,
    informer: { get: () => node } as unknown as Informer<Node>,
    registry: new NodeRegistry(() => runtime),
    allocated: () => ({ milliCpu: 0, memory: 0, tasks: 0 }),
    tasksOn: () => [],
    taskByUid: () => undefined,
    gracePeriodMs: GRACE_MS,
    periodMs,
    usagePeriodMs: 0,
  });
  return { reconciler, dropped, ready: () => node.status?.conditions?.find((c) => c.type === 'Ready') };
}

describe('NodeReconciler', () => {
  it('turns a Node Ready=Unknown when the grace ends although its engine stopped answering mid orphan sweep', async function () {
    this.timeout(10_000);
    const { reconciler, ready } = cutNode('n1', 50);
    const start = Date.now();
    await reconciler.reconcile('n1');
    expect(ready()?.status).to.equal('True');
    // Requeued as the controller would, until the Node is no longer Ready or 20 graces passed.
    while (ready()?.status === 'True' && Date.now() - start < 20 * GRACE_MS) {
      const { requeueAfterMs } = await reconciler.reconcile('n1');
      await new Promise((r) => setTimeout(r, requeueAfterMs ?? 0));
    }
    const cond = ready();
    expect(cond?.status, `after ${Date.now() - start} ms: ${cond?.message}`).to.equal('Unknown');
    expect(cond?.reason).to.equal('EngineUnreachable');
  });

  it('drops the engine\'s connections once when the Node turns Ready=Unknown, so calls still waiting on it fail now', async function () {
    this.timeout(10_000);
    const { reconciler, ready, dropped } = cutNode('n3', 50);
    const start = Date.now();
    await reconciler.reconcile('n3');
    expect(dropped.count, 'not while Ready').to.equal(0);
    while (ready()?.status === 'True' && Date.now() - start < 20 * GRACE_MS) {
      const { requeueAfterMs } = await reconciler.reconcile('n3');
      await new Promise((r) => setTimeout(r, requeueAfterMs ?? 0));
    }
    expect(ready()?.status).to.equal('Unknown');
    await reconciler.reconcile('n3');
    expect(dropped.count, 'once, at the transition').to.equal(1);
  });

  it('asks for the next heartbeat at once when the engine stops answering during the orphan sweep', async function () {
    this.timeout(10_000);
    const { reconciler, ready } = cutNode('n2', 10_000);
    // The heartbeat answers, then the sweep's list hangs until the grace runs out.
    const { requeueAfterMs } = await reconciler.reconcile('n2');
    expect(ready()?.status).to.equal('True');
    expect(requeueAfterMs).to.equal(0);
  });

  it('pings every heartbeat, renews the Lease every other one, sweeps orphans every half orphan grace, their volumes and the engine info every 5 min', async () => {
    const node: Node = { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n1', creationTimestamp: new Date().toISOString() }, spec: { dockerHost: 'tcp://10.0.0.9:2376' } } as Node;
    const { calls, runtime } = countingEngine();
    let now = Date.now();
    const reconciler = new NodeReconciler({
      nodes: { replaceStatus: async (n: Node) => n } as unknown as ResourceClient<Node>,
      informer: { get: () => node } as unknown as Informer<Node>,
      registry: new NodeRegistry(() => runtime),
      allocated: () => ({ milliCpu: 0, memory: 0, tasks: 0 }),
      tasksOn: () => [],
      taskByUid: () => undefined,
      leases: { renew: async () => void renewals++, lastRenewed: async () => undefined, forget: async () => undefined },
      now: () => new Date(now),
      periodMs: 10_000,
      orphanGraceMs: 60_000,
      usagePeriodMs: 0,
    });
    let renewals = 0;
    // Ten minutes of heartbeats, 10 s apart.
    for (let i = 0; i < 60; i++, now += 10_000) await reconciler.reconcile('n1');
    expect({ ...calls, renewals }).to.deep.equal({ ping: 60, info: 2, list: 20, volumes: 2, renewals: 30 });
  });

  describe("with the Task controller's relist answering within the period", () => {
    const node: Node = { apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n1', creationTimestamp: new Date().toISOString() }, spec: { dockerHost: 'tcp://10.0.0.9:2376' } } as Node;
    const container = (id: string, nodeName: string) => ({ id, name: id, image: 'img', status: 'running' as const, running: true, ports: [], labels: { [LABELS.managed]: 'true', [LABELS.node]: nodeName, [LABELS.taskUid]: `uid-${id}` } });
    function rig(orphanGraceMs = 0) {
      const renewed: number[] = [];
      const { calls, runtime, removed } = countingEngine();
      let now = Date.now();
      const registry = new NodeRegistry(() => runtime);
      const reconciler = new NodeReconciler({
        nodes: { replaceStatus: async (n: Node) => n } as unknown as ResourceClient<Node>,
        informer: { get: () => node } as unknown as Informer<Node>,
        registry,
        allocated: () => ({ milliCpu: 0, memory: 0, tasks: 0 }),
        tasksOn: () => [],
        taskByUid: () => undefined,
        leases: { renew: async (_n: string, at: Date) => void renewed.push(at.getTime()), lastRenewed: async () => undefined, forget: async () => undefined },
        now: () => new Date(now),
        periodMs: 10_000,
        orphanGraceMs,
        usagePeriodMs: 0,
      });
      return { calls, renewed, removed, registry, reconciler, at: () => now, advance: (ms: number) => (now += ms) };
    }

    it('counts the list as the contact: no ping, and the Lease carries the time of that answer', async () => {
      const r = rig();
      await r.reconciler.reconcile('n1'); // first heartbeat: ping and info
      r.advance(20_000);
      const listedAt = r.at() - 4_000;
      r.registry.get('n1')!.listed = { at: listedAt, containers: [] };
      r.calls.ping = 0;
      await r.reconciler.reconcile('n1');
      expect(r.calls.ping).to.equal(0);
      expect(r.renewed.at(-1)).to.equal(listedAt);
    });

    it('pings when the last list is a period old or older', async () => {
      const r = rig();
      await r.reconciler.reconcile('n1');
      r.advance(20_000);
      r.registry.get('n1')!.listed = { at: r.at() - 10_000, containers: [] };
      r.calls.ping = 0;
      await r.reconciler.reconcile('n1');
      expect(r.calls.ping).to.equal(1);
      expect(r.renewed.at(-1)).to.equal(r.at());
    });

    it("sweeps orphans from the list, keeping to this Node's containers, without listing again", async () => {
      const r = rig();
      await r.reconciler.reconcile('n1');
      r.advance(10_000);
      r.registry.get('n1')!.listed = { at: r.at() - 1_000, containers: [container('mine', 'n1'), container('theirs', 'n2')] };
      r.calls.list = 0;
      // Orphan grace 0: removed by the sweep that sees it.
      await r.reconciler.reconcile('n1');
      expect(r.calls.list).to.equal(0);
      expect(r.removed).to.deep.equal(['mine']);
    });

    it("leaves another cluster's containers under the same Node name alone, and sweeps this cluster's and unlabelled ones", async () => {
      const r = rig();
      r.registry.cluster = 'c-1';
      await r.reconciler.reconcile('n1');
      r.advance(10_000);
      const of = (id: string, cluster?: string) => {
        const c = container(id, 'n1');
        return cluster ? { ...c, labels: { ...c.labels, [LABELS.cluster]: cluster } } : c;
      };
      r.registry.get('n1')!.listed = { at: r.at() - 1_000, containers: [of('ours', 'c-1'), of('other-cluster', 'c-2'), of('before-the-label')] };
      await r.reconciler.reconcile('n1');
      expect(r.removed).to.deep.equal(['ours', 'before-the-label']);
    });

    it('sweeps from a list older than a period but within the orphan grace, and lists itself past it', async () => {
      const r = rig(60_000);
      await r.reconciler.reconcile('n1'); // first heartbeat: the first sweep, from its own list
      r.advance(30_000);
      r.registry.get('n1')!.listed = { at: r.at() - 45_000, containers: [] };
      r.calls.list = 0;
      await r.reconciler.reconcile('n1');
      expect(r.calls.list, 'a 45 s old list, grace 60 s').to.equal(0);
      r.advance(30_000);
      await r.reconciler.reconcile('n1');
      expect(r.calls.list, 'the same list, now 75 s old').to.equal(1);
    });
  });
});
