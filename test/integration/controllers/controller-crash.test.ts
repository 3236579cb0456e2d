import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { nodeObject, taskObject, waitFor } from '../../support/tasks.js';
import { kill9, spawnControllers as startControllers, type ControllerProcess } from '../../support/controller-process.js';

// kill -9 of a real controller process (`okube controllers`) at the worst moments.

describe('controller killed with SIGKILL', function () {
  this.timeout(180_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  let cluster: TestCluster;
  let tasks: ResourceClient<Task>;
  let child: ControllerProcess | undefined;
  let ns: string;
  let nodeName: string;

  before(async () => {
    cluster = await startCluster();
    tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    nodeName = uniqueName('node');
    await new ResourceClient(cluster.kc, NODES).create(nodeObject(nodeName, env.dockerHost));
  });
  after(async () => {
    if (child) await kill9(child);
    for (const c of await docker.list({ [LABELS.node]: nodeName })) await docker.remove(c.id);
    await cluster?.stop();
  });
  beforeEach(async () => {
    ns = uniqueName('ns');
    await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  });
  afterEach(async () => {
    if (child) await kill9(child);
    child = undefined;
  });

  it('leaves exactly one container per Task when killed while 20 Tasks are being created', async () => {
    child = startControllers(cluster.kubeconfigPath);
    const names = Array.from({ length: 20 }, (_, i) => `t${i}`);
    await Promise.all(names.map((n) => tasks.create(taskObject(ns, n, { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 1 }))));
    // Kill as soon as the first containers appear, mid-creation.
    await waitFor('first containers', async () => (await docker.list({ [LABELS.namespace]: ns })).length >= 3, 60_000, 10);
    await kill9(child);
    const atKill = (await docker.list({ [LABELS.namespace]: ns })).length;
    child = startControllers(cluster.kubeconfigPath);
    await waitFor('all Running', async () => {
      const list = (await tasks.list({ namespace: ns })).items;
      return list.length === 20 && list.every((t) => t.status?.phase === 'Running');
    }, 90_000, 200);
    const containers = await docker.list({ [LABELS.namespace]: ns });
    const perTask = new Map<string, number>();
    for (const c of containers) perTask.set(c.labels[LABELS.name], (perTask.get(c.labels[LABELS.name]) ?? 0) + 1);
    console.log(`      containers when killed: ${atKill}; after restart: ${containers.length} for 20 Tasks`);
    expect([...perTask.keys()].sort()).to.deep.equal([...names].sort());
    expect([...perTask.values()].every((n) => n === 1), JSON.stringify([...perTask])).to.equal(true);
    // Every Running Task's container really runs.
    for (const t of (await tasks.list({ namespace: ns })).items) {
      expect(containers.find((c) => c.id === t.status!.containerID)?.running, t.metadata.name).to.equal(true);
    }
  });

  it('keeps the crash-loop schedule across a kill: no restart before nextRestartAt, count continues', async () => {
    child = startControllers(cluster.kubeconfigPath);
    await tasks.create(taskObject(ns, 'loop', { image: env.image, command: ['sh', '-c', 'exit 3'], backoff: { initialDelaySeconds: 4, factor: 1 } }));
    const waiting = await waitFor('in backoff', async () => {
      const t = await tasks.get('loop', ns);
      return t.status?.state?.waiting?.reason === 'CrashLoopBackOff' ? t : undefined;
    }, 60_000, 20);
    await kill9(child);
    const promised = Date.parse(waiting.status!.backoff!.nextRestartAt!);
    child = startControllers(cluster.kubeconfigPath);
    const restarted = await waitFor('restart after the kill', async () => {
      const t = await tasks.get('loop', ns);
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
});
