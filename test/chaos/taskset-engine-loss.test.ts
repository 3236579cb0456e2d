import { expect } from 'chai';
import { LABELS, type Task, type TaskSet } from '../../src/api/types.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { chaosEngine, killEngine, removeContainers, restoreEngine } from '../support/chaos-engine.js';
import { startCluster, type TestCluster } from '../support/cluster.js';
import { newNamespace } from '../support/controllers.js';
import { testEnv, uniqueName } from '../support/env.js';
import { requireEnv } from '../support/require-env.js';
import { nodeObject, waitFor } from '../support/tasks.js';

// A TaskSet survives the loss of one of its three Docker engines: kill -9 of the chaos engine
// (docker-3, the only one a test may kill) under a 3-replica TaskSet spread over three Nodes
// leaves it with 3 Ready Tasks on the two others. The settings are short so this happens within
// the test's bound: the Node turns not Ready 3 s after its engine went silent, and the template's
// evictionTimeoutSeconds (5) moves the lost Task off it; the bound below is their sum plus time
// to schedule and start a container. The engine is restored after, whatever happened.

const NODE_GRACE_MS = 3000;
const EVICTION_S = 5;
const RECOVERY_BOUND_MS = NODE_GRACE_MS + EVICTION_S * 1000 + 60_000;

describe('chaos: a TaskSet loses one of its three engines', function () {
  this.timeout(300_000);
  const env = testEnv();
  const chaos = chaosEngine();
  /** docker-1, docker-2 (never killed) and the chaos engine, one Node each. */
  const hosts = [...env.extraDockerHosts.filter((h) => h !== chaos.dockerHost).slice(0, 2), chaos.dockerHost];
  const addresses = hosts.map((h) => env.extraAddresses[env.extraDockerHosts.indexOf(h)]);
  const nodes = hosts.map(() => uniqueName('tsloss'));
  let cluster: TestCluster;
  let manager: ControllerManager;

  const isReady = (t: Task) => !t.metadata.deletionTimestamp && t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

  before(async function () {
    requireEnv(this, env.extraDockerHosts.length >= 3, 'three extra Docker engines needed (run hack/dev-env.sh hosts 3)');
    await restoreEngine(chaos);
    cluster = await startCluster();
    manager = new ControllerManager({ kc: cluster.kc, nodePeriodMs: 500, nodeGracePeriodMs: NODE_GRACE_MS, orphanGraceMs: 1000, schedulerRetryMs: 2000 });
    for (let i = 0; i < 3; i++) await manager.nodes.create(nodeObject(nodes[i], hosts[i], addresses[i]));
    await manager.start();
    await waitFor('three Nodes Ready', async () => nodes.every((n) => manager.registry.get(n)?.ready), 60_000, 100);
  });

  after(async () => {
    await restoreEngine(chaos).catch((err: Error) => console.error(`      could not restore the chaos engine: ${err.message}`));
    if (manager) await manager.stop();
    for (let i = 0; i < hosts.length; i++) {
      const runtime = i === 2 ? chaos.runtime : new DockerRuntime({ dockerHost: hosts[i] });
      if (i === 2) await removeContainers(chaos, { [LABELS.node]: nodes[i] }).catch(() => undefined);
      else for (const c of await runtime.list({ [LABELS.node]: nodes[i] }).catch(() => [])) await runtime.remove(c.id).catch(() => undefined);
    }
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

    await killEngine(chaos);
    await waitFor('the chaos Node not Ready', async () => (await manager.nodes.get(nodes[2])).status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True', 60_000, 100);
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
