import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { taskObject, waitForTask } from '../../support/tasks.js';

// Two okube clusters on one Docker engine (two `okube up` on one machine, or one Docker host
// registered in two clusters), each calling its Node by the same name: each cluster's orphan
// sweep must leave the other's containers alone.

describe('Two clusters sharing a Docker engine under the same Node name', function () {
  this.timeout(120_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  let a: ControllerRig | undefined;
  let b: ControllerRig | undefined;

  before(async () => {
    const nodeName = uniqueName('shared');
    // A short orphan grace and heartbeat: each sweep would remove another cluster's container within ~1.5 s.
    a = await startControllers({ nodeName, orphanGraceMs: 1000 });
    b = await startControllers({ nodeName, orphanGraceMs: 1000 });
  });
  after(async () => {
    await b?.manager.stop();
    await stopControllers(a);
    if (b) await stopControllers(b);
    await docker.close();
  });

  it("each cluster's Task keeps running in the same container beyond the other's orphan grace", async () => {
    const ra = a!;
    const rb = b!;
    const nsA = await newNamespace(ra.cluster);
    const nsB = await newNamespace(rb.cluster);
    const spec = { image: env.image, command: ['sh', '-c', 'sleep 3600'], terminationGracePeriodSeconds: 1 };
    await ra.manager.tasks.create(taskObject(nsA, 'web', spec));
    await rb.manager.tasks.create(taskObject(nsB, 'web', spec));
    const running = (rig: ControllerRig, ns: string) => waitForTask(rig.manager.tasks, ns, 'web', 'Running', (t) => t.status?.phase === 'Running', 60_000);
    const [ta, tb] = await Promise.all([running(ra, nsA), running(rb, nsB)]);

    // Each orphan grace (1 s) passes several times over; the sweeps run every heartbeat (0.5 s).
    await new Promise((r) => setTimeout(r, 5000));

    for (const [rig, ns, before] of [[ra, nsA, ta], [rb, nsB, tb]] as const) {
      const now = await rig.manager.tasks.get('web', ns);
      expect(now.status?.containerID, `${ns}/web`).to.equal(before.status?.containerID);
      expect(now.status?.restartCount ?? 0, `${ns}/web`).to.equal(0);
      const c = await docker.inspect(before.status!.containerID!.replace(/^docker:\/\//, ''));
      expect(c?.running, `${ns}/web's container`).to.equal(true);
    }
  });

  it("labels each container with its cluster's identity, the uid of its kube-system namespace", async () => {
    const ra = a!;
    const ns = await newNamespace(ra.cluster);
    await ra.manager.tasks.create(taskObject(ns, 'labelled', { image: env.image, command: ['sh', '-c', 'sleep 3600'], terminationGracePeriodSeconds: 1 }));
    const t = await waitForTask(ra.manager.tasks, ns, 'labelled', 'Running', (x) => x.status?.phase === 'Running', 60_000);
    const uid = (await ra.cluster.kc.makeApiClient(CoreV1Api).readNamespace({ name: 'kube-system' })).metadata!.uid!;
    const [c] = await docker.list({ [LABELS.taskUid]: t.metadata.uid! });
    expect(c.labels[LABELS.cluster]).to.equal(uid);
  });
});
