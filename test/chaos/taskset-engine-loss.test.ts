import { expect } from 'chai';
import type { Task, TaskSet } from '../../src/api/types.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { newNamespace } from '../support/controllers.js';
import { testEnv, uniqueName } from '../support/env.js';
import { killNetnsEngine, netnsNode, nodeLostBoundMs, NODE_LOST_SLACK_MS, removeNodeContainers, restoreNetnsEngines } from '../support/netns.js';
import { requireEnv } from '../support/require-env.js';
import { waitFor } from '../support/tasks.js';

// A TaskSet survives the loss of one of its three Docker engines: kill -9 of the third engine in
// its own network namespace (TCP+TLS, test/support/netns.ts; its dockerd's pid file from
// hack/dev-env.sh) under a 3-replica TaskSet spread over three Nodes leaves it with 3 Ready Tasks
// on the two others. The settings are short so this happens within the test's bounds: the Node
// turns Ready=Unknown within what the grace logic explains (nodeLostBoundMs: 3 s grace, 0.5 s
// node period, the 1 s heartbeat floor, 5 s stated slack), and the template's
// evictionTimeoutSeconds (5) moves the lost Task off it; the recovery bound is their sum plus
// time to schedule and start a container. The Nodes carry this file's own label, which the
// template selects; host ports 30600–30799. The engines are restored after, whatever happened.

const NODE_GRACE_MS = 3000;
const NODE_PERIOD_MS = 500;
const EVICTION_S = 5;
const NODE_LOST_BOUND_MS = nodeLostBoundMs(NODE_GRACE_MS, NODE_PERIOD_MS);
const RECOVERY_BOUND_MS = NODE_GRACE_MS + EVICTION_S * 1000 + 60_000;

describe('chaos: a TaskSet loses one of its three engines', function () {
  this.timeout(300_000);
  const env = testEnv();
  /** One Node per engine; the third is the one killed. */
  const netns = env.netns.slice(0, 3);
  const group = uniqueName('tsloss');
  const nodes = netns.map((_, i) => `${group}-${i + 1}`);
  let cluster: TestCluster;
  let manager: ControllerManager;

  const isReady = (t: Task) => !t.metadata.deletionTimestamp && t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

  before(async function () {
    requireEnv(this, netns.length === 3, 'three Docker engines in network namespaces needed (OKUBE_TEST_NETNS_DOCKER_HOSTS; run hack/dev-env.sh netns-hosts 3)');
    // An earlier file may have killed or cut one: this one needs all three.
    await restoreNetnsEngines(3);
    cluster = await startCluster();
    manager = new ControllerManager({ kc: cluster.kc, nodePeriodMs: NODE_PERIOD_MS, nodeGracePeriodMs: NODE_GRACE_MS, orphanGraceMs: 1000, schedulerRetryMs: 2000 });
    for (let i = 0; i < 3; i++) await manager.nodes.create(netnsNode(nodes[i], netns[i], { start: 30600, end: 30799 }, { 'okube.dev/test-group': group }));
    await manager.start();
    await waitFor('three Nodes Ready', async () => nodes.every((n) => manager.registry.get(n)?.ready), 60_000, 100);
  });

  after(async () => {
    await restoreNetnsEngines(3).catch((err: Error) => console.error(`      could not restore the netns engines: ${err.message}`));
    if (manager) await manager.stop();
    await removeNodeContainers(netns, nodes);
    if (cluster) await cluster.stop();
  });

  it('keeps 3 Ready replicas on the two remaining Nodes after kill -9 of the third engine', async () => {
    const ns = await newNamespace(cluster);
    const taskSet: TaskSet = {
      apiVersion: 'okube.dev/v1alpha1',
      kind: 'TaskSet',
      metadata: { name: 'survivor', namespace: ns },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'survivor' } },
        template: {
          metadata: { labels: { app: 'survivor' } },
          spec: {
            image: env.image,
            imagePullPolicy: 'Never',
            command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"],
            terminationGracePeriodSeconds: 2,
            evictionTimeoutSeconds: EVICTION_S,
            nodeSelector: { 'okube.dev/test-group': group },
          },
        },
      },
    };
    await manager.taskSets.create(taskSet);
    const live = async () => (await manager.tasks.list({ namespace: ns })).items.filter((t) => !t.metadata.deletionTimestamp && !['Failed', 'Succeeded'].includes(t.status?.phase ?? ''));
    const spread = await waitFor('3 Ready Tasks on 3 Nodes', async () => {
      const ts = await live();
      return ts.length === 3 && ts.every(isReady) && new Set(ts.map((t) => t.spec.nodeName)).size === 3 ? ts : undefined;
    }, 120_000, 200);
    const lost = spread.find((t) => t.spec.nodeName === nodes[2])!;

    const killedAt = Date.now();
    await killNetnsEngine(netns[2]);
    const unknown = await waitFor(`the lost Node Ready=Unknown within ${NODE_LOST_BOUND_MS} ms (grace ${NODE_GRACE_MS} + period ${NODE_PERIOD_MS} + 1000 heartbeat + ${NODE_LOST_SLACK_MS} slack)`, async () => {
      const c = (await manager.nodes.get(nodes[2])).status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'Unknown' ? c : undefined;
    }, NODE_LOST_BOUND_MS, 100);
    console.log(`      ${nodes[2]} Ready=Unknown (${unknown.reason}) seen ${Date.now() - killedAt} ms after kill -9, decided at ${Date.parse(unknown.lastTransitionTime!) - killedAt} ms (grace ${NODE_GRACE_MS} ms)`);
    expect(unknown.reason).to.equal('EngineUnreachable');
    const recovered = await waitFor('3 Ready Tasks on the two remaining Nodes', async () => {
      const ts = await live();
      return ts.length === 3 && ts.every((t) => isReady(t) && t.spec.nodeName !== nodes[2]) ? ts : undefined;
    }, RECOVERY_BOUND_MS, 200);

    expect(new Set(recovered.map((t) => t.spec.nodeName))).to.deep.equal(new Set(nodes.slice(0, 2)));
    expect(recovered.map((t) => t.metadata.uid), 'the lost replica moved (a Task is its own owner on eviction)').to.include(lost.metadata.uid);
    const status = await waitFor('TaskSet status at 3 ready and available', async () => {
      const s = (await manager.taskSets.get('survivor', ns)).status;
      return s?.readyReplicas === 3 && s.availableReplicas === 3 ? s : undefined;
    }, 30_000, 200);
    expect(status.conditions?.find((c) => c.type === 'Available')?.status).to.equal('True');
  });
});
