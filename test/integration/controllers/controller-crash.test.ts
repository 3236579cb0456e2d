import { expect } from 'chai';
import { LABELS, type Node } from '../../../src/api/types.js';
import { NODES, ResourceClient } from '../../../src/client/resource-client.js';
import { EVICT_ANNOTATION } from '../../../src/controllers/node/eviction.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { requireEnv } from '../../support/require-env.js';
import { nodeObject, taskObject, waitFor } from '../../support/tasks.js';
import { kill9, spawnControllers as startControllers } from '../../support/controller-process.js';
import { useControllerProcessRig } from '../../support/controller-process-rig.js';

// kill -9 of a real controller process (`okube controllers`) at the worst moments.

describe('controller killed with SIGKILL', function () {
  this.timeout(180_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const rig = useControllerProcessRig({ spawnEach: false });


  it('leaves exactly one container per Task when killed while 20 Tasks are being created', async () => {
    rig.child = startControllers(rig.cluster.kubeconfigPath);
    const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await Promise.all(names.map((n) => rig.tasks.create(taskObject(rig.ns, n, { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 1 }))));
    // Kill as soon as the first containers appear, mid-creation.
    await waitFor('first containers', async () => (await docker.list({ [LABELS.namespace]: rig.ns })).length >= 3, 60_000, 10);
    await kill9(rig.child);
    const atKill = (await docker.list({ [LABELS.namespace]: rig.ns })).length;
    rig.child = startControllers(rig.cluster.kubeconfigPath);
    await waitFor('all Running', async () => {
      const list = (await rig.tasks.list({ namespace: rig.ns })).items;
      return list.length === 20 && list.every((t) => t.status?.phase === 'Running');
    }, 90_000, 200);
    const containers = await docker.list({ [LABELS.namespace]: rig.ns });
    const perTask = new Map<string, number>();
    for (const c of containers) perTask.set(c.labels[LABELS.name], (perTask.get(c.labels[LABELS.name]) ?? 0) + 1);
    console.log(`      containers when killed: ${atKill}; after restart: ${containers.length} for 20 Tasks`);
    expect([...perTask.keys()].sort()).to.deep.equal([...names].sort());
    expect([...perTask.values()].every((n) => n === 1), JSON.stringify([...perTask])).to.equal(true);
    // Every Running Task's container really runs.
    for (const t of (await rig.tasks.list({ namespace: rig.ns })).items) {
      expect(containers.find((c) => c.id === t.status!.containerID)?.running, t.metadata.name).to.equal(true);
    }
  });

  it('keeps the crash-loop schedule across a kill: no restart before nextRestartAt, count continues', async () => {
    rig.child = startControllers(rig.cluster.kubeconfigPath);
    await rig.tasks.create(taskObject(rig.ns, 'loop', { image: env.image, command: ['sh', '-c', 'exit 3'], backoff: { initialDelaySeconds: 4, factor: 1 } }));
    const waiting = await waitFor('in backoff', async () => {
      const t = await rig.tasks.get('loop', rig.ns);
      return t.status?.state?.waiting?.reason === 'CrashLoopBackOff' ? t : undefined;
    }, 60_000, 20);
    await kill9(rig.child);
    const promised = Date.parse(waiting.status!.backoff!.nextRestartAt!);
    rig.child = startControllers(rig.cluster.kubeconfigPath);
    const restarted = await waitFor('restart after the kill', async () => {
      const t = await rig.tasks.get('loop', rig.ns);
      return (t.status?.restartCount ?? 0) > waiting.status!.restartCount! ? t : undefined;
    }, 60_000, 50);
    const containers = await docker.list({ [LABELS.taskUid]: waiting.metadata.uid! });
    const next = containers.find((c) => c.labels[LABELS.restart] === String(waiting.status!.restartCount));
    expect(next?.startedAt, 'the restarted container').to.be.a('string');
    const early = promised - Date.parse(next!.startedAt!);
    console.log(`      restart after controller kill: ${(-early / 1000).toFixed(3)} s after the promised time`);
    expect(early).to.be.at.most(50);
    expect(restarted.status!.restartCount).to.equal(waiting.status!.restartCount! + 1);
    expect(containers.filter((c) => c.running).length).to.be.at.most(1);
  });

  it('goes on with a drain after the restart by stopping the container on its Node before the Task runs on another', async function () {
    requireEnv(this, env.extraDockerHosts.length >= 1, 'a second Docker engine needed (OKUBE_TEST_EXTRA_DOCKER_HOSTS; run hack/dev-env.sh hosts 1)');
    const nodes = new ResourceClient<Node>(rig.cluster.kc, NODES);
    const other = uniqueName('node');
    const docker2 = new DockerRuntime({ dockerHost: env.extraDockerHosts[0] });
    try {
      await nodes.create(nodeObject(other, env.extraDockerHosts[0], env.extraAddresses[0]));
      rig.child = startControllers(rig.cluster.kubeconfigPath);
      // Ignores SIGTERM: its stop takes the whole grace period.
      await rig.tasks.create(taskObject(rig.ns, 'moving', { image: env.image, command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"], terminationGracePeriodSeconds: 3, nodeName: rig.nodeName }));
      const running = await waitFor('Running', async () => {
        const t = await rig.tasks.get('moving', rig.ns);
        return t.status?.phase === 'Running' ? t : undefined;
      }, 60_000, 50);
      await kill9(rig.child);
      // What okube drain writes, while no controller runs: the controllers find it when they start.
      await nodes.patch(rig.nodeName, { spec: { unschedulable: true } });
      await rig.tasks.patch('moving', { metadata: { annotations: { [EVICT_ANNOTATION]: rig.nodeName } } }, rig.ns);
      rig.child = startControllers(rig.cluster.kubeconfigPath);
      await waitFor('Running on the other Node', async () => {
        const t = await rig.tasks.get('moving', rig.ns);
        return t.spec.nodeName === other && t.status?.phase === 'Running';
      }, 90_000, 50);
      const left = (await docker.list({ [LABELS.taskUid]: running.metadata.uid! })).filter((c) => c.running);
      expect(left.map((c) => c.id), 'containers still running on the drained Node').to.deep.equal([]);
    } finally {
      await nodes.patch(rig.nodeName, { spec: { unschedulable: false } }).catch(() => undefined);
      await rig.tasks.delete('moving', rig.ns).catch(() => undefined);
      await waitFor('Task gone', async () => !(await rig.tasks.list({ namespace: rig.ns })).items.length, 60_000, 100).catch(() => undefined);
      await nodes.delete(other).catch(() => undefined);
      for (const c of await docker2.list({ [LABELS.node]: other })) await docker2.remove(c.id);
      await docker2.close();
    }
  });
});
