import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { AVOID_NODES_ANNOTATION } from '../../../src/api/annotations.js';
import { LABELS, type Node, type OwnerReference, type Task, type TaskSpec } from '../../../src/api/types.js';
import { formatCpu } from '../../../src/api/quantity.js';
import type { ControllerManager } from '../../../src/controllers/manager.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { netnsNode, netnsRuntime, removeNodeContainers, restoreNetnsEngines } from '../../support/netns.js';
import { taskObject, waitFor } from '../../support/tasks.js';
import { requireEnv } from '../../support/require-env.js';

// The real scheduler over three real Docker engines (each in its own network namespace, over
// TCP+TLS: test/support/netns.ts; this file's Nodes carry its own label, which every Task selects,
// and host ports 30200–30399) of unequal size (allocatable CPU 2, 1 and 0.5, through spec.reserved): Tasks that
// share a controller ownerReference spread one per Node where least-allocated alone would stack
// them on the biggest, and okube.dev/avoid-nodes steers a Task elsewhere, or onto the avoided
// Node when nothing else fits. The owner is a Secret the test makes, not a TaskSet: the
// scheduler only reads the uid, and a live owner keeps a garbage collector off these Tasks.

describe('scheduler: spreading a controller\'s Tasks and avoiding Nodes on three Docker engines', function () {
  this.timeout(300_000);
  const env = testEnv();
  const netns = env.netns.slice(0, 3);
  const addresses = netns.map((e) => e.address);
  const engines = netns.map(netnsRuntime);
  const group = uniqueName('spread');
  const targets = [2, 1, 0.5];
  let rig: ControllerRig;
  let manager: ControllerManager;
  let names: string[] = [];
  let ns: string;
  let owner: OwnerReference;

  const sleeper = (over: Partial<TaskSpec> = {}): TaskSpec => ({
    image: env.image,
    command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
    terminationGracePeriodSeconds: 2,
    resources: { requests: { cpu: '100m', memory: '16Mi' } },
    nodeSelector: { 'okube.dev/test-group': group },
    ...over,
  });
  const replica = (name: string, over: Partial<TaskSpec> = {}, annotations?: Record<string, string>): Task => {
    const t = taskObject(ns, name, sleeper(over));
    t.metadata.ownerReferences = [owner];
    if (annotations) t.metadata.annotations = annotations;
    return t;
  };
  const running = (name: string) => waitFor(`${name} Running`, async () => {
    const t = await manager.tasks.get(name, ns);
    return t.status?.phase === 'Running' ? t : undefined;
  }, 120_000, 200);
  const readyOf = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');

  before(async function () {
    requireEnv(this, netns.length === 3, 'three Docker engines in network namespaces needed (OKUBE_TEST_NETNS_DOCKER_HOSTS; run hack/dev-env.sh netns-hosts 3)');
    // An earlier file may have killed or cut one: this one needs all three.
    await restoreNetnsEngines(3);
    rig = await startControllers({ schedulerRetryMs: 5000 });
    manager = rig.manager;
    // The rig's own Node (the main engine) takes nothing here: only the three netns engines count.
    await manager.nodes.patch(rig.nodeName, { spec: { unschedulable: true } });
    names = netns.map((_, i) => `${group}-${i + 1}`);
    for (let i = 0; i < 3; i++) await manager.nodes.create(netnsNode(names[i], netns[i], { start: 30200, end: 30399 }, { 'okube.dev/test-group': group }));
    const ncpu = (await engines[0].info()).ncpu;
    for (let i = 0; i < 3; i++) await manager.nodes.patch(names[i], { spec: { reserved: { cpu: formatCpu(Math.max(0, ncpu - targets[i])) } } });
    await waitFor('three Nodes Ready with allocatable CPU 2, 1, 500m, and the rig\'s Node cordoned', async () => {
      const nodes = await Promise.all(names.map((n) => manager.nodes.get(n)));
      const ok = nodes.every((n, i) => readyOf(n)?.status === 'True' && n.status?.allocatable?.cpu === formatCpu(targets[i]));
      return ok && names.every((n) => manager.nodeInformer.get(n)) && manager.nodeInformer.get(rig.nodeName)?.spec.unschedulable === true;
    }, 60_000, 250);
    ns = await newNamespace(rig.cluster);
    const secret = await rig.cluster.kc.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'owner' }, stringData: { role: 'stands in for a TaskSet' } } });
    owner = { apiVersion: 'v1', kind: 'Secret', name: 'owner', uid: secret.metadata!.uid!, controller: true };
  });

  after(async () => {
    if (!rig) return;
    if (ns) {
      for (const t of (await manager.tasks.list({ namespace: ns }).catch(() => ({ items: [] as Task[] }))).items) await manager.tasks.delete(t.metadata.name!, ns).catch(() => undefined);
      await waitFor('Tasks gone', async () => (await manager.tasks.list({ namespace: ns })).items.length === 0, 120_000, 250).catch(() => undefined);
    }
    await removeNodeContainers(netns, names);
    await stopControllers(rig);
  });

  it('puts 3 Tasks of one controller on 3 Nodes, one each, though least-allocated alone would put two on the biggest', async () => {
    await Promise.all(['r0', 'r1', 'r2'].map((n) => manager.tasks.create(replica(n))));
    const tasks = await Promise.all(['r0', 'r1', 'r2'].map(running));
    const placed = tasks.map((t) => t.spec.nodeName);
    console.log(`      3 replicas on Nodes of CPU 2 / 1 / 0.5: ${names.map((n) => placed.filter((p) => p === n).length).join(' / ')}`);
    expect([...placed].sort()).to.deep.equal([...names].sort());
    for (const t of tasks) {
      const i = names.indexOf(t.spec.nodeName!);
      expect(t.status!.hostIP).to.equal(addresses[i]);
      expect((await engines[i].list({ [LABELS.taskUid]: t.metadata.uid! })).filter((c) => c.running)).to.have.length(1);
    }
  });

  it('places a Task that avoids the Node it would have chosen on another Node', async () => {
    // With one replica everywhere, spreading ties and least-allocated picks the biggest Node: avoid it.
    await manager.tasks.create(replica('r3', {}, { [AVOID_NODES_ANNOTATION]: names[0] }));
    const t = await running('r3');
    console.log(`      r3 (avoiding ${names[0]}, the biggest) went to ${t.spec.nodeName}`);
    expect(t.spec.nodeName).to.not.equal(names[0]);
    expect(names).to.include(t.spec.nodeName);
  });

  it('places a Task on a Node it avoids when that Node is the only one that fits, rather than leave it Pending', async () => {
    // 1.5 CPU fits only the 2-CPU Node (which holds 100m), and that is the Node it asks to avoid.
    await manager.tasks.create(replica('big', { resources: { requests: { cpu: '1500m', memory: '16Mi' } } }, { [AVOID_NODES_ANNOTATION]: `${names[0]},${names[1]}` }));
    const t = await running('big');
    console.log(`      big (1.5 CPU, avoiding ${names[0]} and ${names[1]}) went to ${t.spec.nodeName}`);
    expect(t.spec.nodeName).to.equal(names[0]);
    expect(t.status!.conditions!.find((c) => c.type === 'Scheduled')?.reason).to.not.equal('Unschedulable');
  });
});
