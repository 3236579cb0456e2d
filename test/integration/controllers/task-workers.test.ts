import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// The Task workers stay free for every Task while one Task's engine call is slow, verdicts are
// acted on at once (not on a resync), and failures reach the Task, not only the log. Real
// Docker, etcd and API server; every check is an ordering, never a duration.

describe('Task workers: slow engine calls, liveness verdicts, failures in status', function () {
  this.timeout(120_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  let rig: ControllerRig;
  let ns: string;

  // A long resync: nothing in these tests may depend on one.
  before(async () => (rig = await startControllers({ resyncMs: 600_000 })));
  after(async () => stopControllers(rig));
  beforeEach(async () => (ns = await newNamespace(rig.cluster)));

  const containersOf = async (t: Task) => docker.list({ [LABELS.taskUid]: t.metadata.uid! });

  it('a Task created while 16 graceful stops are in flight reaches Running before any of those stops ends', async () => {
    const { manager } = rig;
    // PID 1 ignores SIGTERM, so each stop waits out the whole grace period.
    const slow = { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 300 };
    const names = Array.from({ length: 16 }, (_, i) => `slow-${i}`);
    await Promise.all(names.map((n) => manager.tasks.create(taskObject(ns, n, slow))));
    const running = await Promise.all(names.map((n) => waitForTask(manager.tasks, ns, n, `${n} Running`, (t) => t.status?.phase === 'Running', 60_000)));

    await Promise.all(names.map((n) => manager.tasks.delete(n, ns)));
    await waitFor('all 16 marked for deletion', async () => (await manager.tasks.list({ namespace: ns })).items.filter((t) => t.metadata.deletionTimestamp).length === 16, 30_000);
    await manager.tasks.create(taskObject(ns, 'late', { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 0 }));
    const late = await waitForTask(manager.tasks, ns, 'late', 'late Task Running', (t) => t.status?.phase === 'Running', 60_000);

    // Still stopping: every old container is still there and running.
    for (const t of running) {
      const cs = await containersOf(t);
      expect(cs.map((c) => c.running), `${t.metadata.name}'s container`).to.deep.equal([true]);
    }
    expect(await containersOf(late)).to.have.length(1);
    // And each of those Tasks says so (its status write may trail the late Task's).
    for (const t of running) {
      await waitForTask(manager.tasks, ns, t.metadata.name!, `${t.metadata.name} Stopping`, (x) => x.status?.conditions?.some((c) => c.type === 'Stopping' && c.status === 'True' && c.reason === 'Deleted') ?? false, 30_000);
    }
  });

  it('a liveness failure makes the Task not Ready while the container is still being stopped, and restarts it as Unhealthy without a resync', async () => {
    const { manager } = rig;
    // busybox httpd as PID 1 ignores SIGTERM: the kill takes the default 30 s grace. No /healthz: 404.
    await manager.tasks.create(taskObject(ns, 'sick', {
      image: env.image,
      command: ['sh', '-c', 'mkdir -p /www && echo hi > /www/index.html && exec httpd -f -p 8080 -h /www'],
      ports: [{ name: 'http', containerPort: 8080 }],
      livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
    }));
    const notReady = await waitForTask(manager.tasks, ns, 'sick', 'Ready=False from the liveness verdict', (t) => t.status?.ready === false && t.status.probes?.unhealthyContainerID !== undefined, 60_000);
    const killed = notReady.status!.probes!.unhealthyContainerID!;
    expect((await docker.inspect(killed))?.running, 'the unhealthy container is still stopping').to.equal(true);
    expect(notReady.status!.conditions!.find((c) => c.type === 'Ready')).to.include({ status: 'False', reason: 'Unhealthy' });
    expect(notReady.status!.conditions!.find((c) => c.type === 'Stopping')).to.include({ status: 'True', reason: 'Unhealthy' });

    const restarted = await waitForTask(manager.tasks, ns, 'sick', 'the kill recorded', (t) => (t.status?.restartCount ?? 0) >= 1, 90_000);
    expect(restarted.status!.restartCount).to.equal(1);
    expect(restarted.status!.lastState?.terminated).to.include({ containerID: killed, reason: 'Unhealthy' });
    expect(restarted.status!.lastState!.terminated!.message).to.match(/Liveness probe failed: HTTP probe failed with statuscode: 404/);
  });

  it('a container that cannot be started says why in status and in one counted Event, on a growing backoff', async () => {
    const { manager } = rig;
    // No interface of the engine's host has this address: the engine refuses the bind at start
    // (the controllers never test a port by binding it themselves: the engine may be remote).
    const far = uniqueName('far');
    await manager.nodes.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: far }, spec: { dockerHost: env.dockerHost, address: '10.250.1.2', portRange: { start: 31000, end: 31100 } } });
    try {
      await waitFor('far Node Ready', async () => manager.registry.get(far)?.ready, 30_000);
      await manager.tasks.create(taskObject(ns, 'noport', { image: env.image, command: ['sleep', '3600'], nodeName: far, ports: [{ containerPort: 8080, hostPort: 0 }], backoff: { initialDelaySeconds: 1 } }));
      const t = await waitForTask(manager.tasks, ns, 'noport', 'RunContainerError in status', (t) => t.status?.state?.waiting?.reason === 'RunContainerError', 30_000);
      expect(t.status!.state!.waiting!.message).to.match(/10\.250\.1\.2:310\d\d: bind: cannot assign requested address/);
      expect(t.status!.backoff?.nextRestartAt, 'the retry is scheduled in status').to.be.a('string');
      expect(t.status!.conditions!.find((c) => c.type === 'Ready')).to.include({ status: 'False', reason: 'RunContainerError' });
      expect(t.status!.conditions!.find((c) => c.type === 'ReconcileError')).to.include({ status: 'True', reason: 'RunContainerError' });

      const core = rig.cluster.kc.makeApiClient(CoreV1Api);
      const failures = async () => (await core.listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === 'RunContainerError' && e.involvedObject.name === 'noport');
      // Retried with backoff: the repeats count on the one Event.
      const counted = await waitFor('the failure repeated', async () => {
        const es = await failures();
        return es.length === 1 && (es[0].count ?? 0) >= 2 ? es : undefined;
      }, 30_000);
      expect(counted[0].type).to.equal('Warning');
      expect(counted[0].message).to.match(/cannot assign requested address/);
      expect(await failures(), 'one Event, counted').to.have.length(1);
      expect((await containersOf(t)).filter((c) => c.running)).to.have.length(0);
    } finally {
      await manager.tasks.delete('noport', ns).catch(() => undefined);
      await waitFor('noport gone', async () => (await manager.tasks.list({ namespace: ns })).items.every((x) => x.metadata.name !== 'noport'), 30_000);
      await manager.nodes.delete(far);
    }
  });
});
