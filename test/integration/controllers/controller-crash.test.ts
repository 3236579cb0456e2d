import { expect } from 'chai';
import { LABELS } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { testEnv } from '../../support/env.js';
import { taskObject, waitFor } from '../../support/tasks.js';
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
});
