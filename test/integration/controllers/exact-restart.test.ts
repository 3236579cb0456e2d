import { expect } from 'chai';
import { LABELS, type Task } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { neverStarted, type ContainerInfo } from '../../../src/runtime/runtime.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { MAX_START_LEAD_MS } from '../../../src/controllers/task/plan/start-lead.js';
import { kill9, spawnControllers } from '../../support/controller-process.js';
import { useControllerProcessRig } from '../../support/controller-process-rig.js';
import { testEnv } from '../../support/env.js';
import { taskObject, waitFor } from '../../support/tasks.js';

// Exact restarts on real Docker, with the shipped `okube controllers` process: during a crash-loop
// wait the Task's next container already exists, created and not started, and it is the one that
// starts at nextRestartAt; deleting the Task or kill -9 of the controllers during the wait leaves
// neither a stray nor a second container. Each test has a fresh controllers process; it learns the
// engine's start latency from the Task's first start (create then start), so the restart's start
// may be called up to that lead before nextRestartAt (plan/start-lead.ts), and the process may run
// before nextRestartAt by as much as that start was faster than the one learned — never by more
// than the lead's cap. The lead itself is tested in task-controller.test.ts and plan-start-lead.test.ts.

describe('crash-loop restarts with the next container made during the wait', function () {
  this.timeout(180_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const rig = useControllerProcessRig({ spawnEach: true });

  const containersOf = (uid: string) => docker.list({ [LABELS.taskUid]: uid });
  /** A Task whose first container exits at once, then waits `delay` s before each restart. */
  const crashLoop = (name: string, delay: number) =>
    taskObject(rig.ns, name, { nodeName: rig.nodeName, image: env.image, command: ['sh', '-c', 'exit 3'], terminationGracePeriodSeconds: 0, backoff: { initialDelaySeconds: delay, factor: 1 } });

  /** The Task in its first crash-loop wait, once its next container exists; that container. */
  async function inWaitWithNext(name: string): Promise<{ waiting: Task; next: ContainerInfo; all: ContainerInfo[] }> {
    return waitFor(`${name}: a crash-loop wait with its next container made`, async () => {
      const t = await rig.tasks.get(name, rig.ns);
      if (t.status?.state?.waiting?.reason !== 'CrashLoopBackOff' || !t.status.backoff?.nextRestartAt) return undefined;
      const all = await containersOf(t.metadata.uid!);
      const next = all.filter(neverStarted);
      return next.length ? { waiting: t, next: next[0], all } : undefined;
    }, 60_000, 50);
  }

  /** Deletes the Task and waits until it is gone: a crash loop left running would restart on the shared Node in the next test's process and teach it a start lead. */
  async function deleteAndWait(name: string): Promise<void> {
    await rig.tasks.delete(name, rig.ns);
    await waitFor(`${name} gone`, async () => {
      try {
        await rig.tasks.get(name, rig.ns);
        return false;
      } catch (err) {
        return isOkubeError(err, 'NotFound');
      }
    }, 60_000);
  }

  it('has exactly one created-not-started container during the wait, and that container is the one that starts', async () => {
    await rig.tasks.create(crashLoop('loop', 4));
    const { waiting, next, all } = await inWaitWithNext('loop');
    expect(all.filter(neverStarted).map((c) => c.id), 'created, not started').to.deep.equal([next.id]);
    expect(all.filter((c) => c.running), 'running during the wait').to.deep.equal([]);
    expect(next.labels[LABELS.restart]).to.equal(String(waiting.status!.restartCount));
    // Status still names the exited container, as before.
    expect(waiting.status!.lastState?.terminated?.containerID).to.not.equal(next.id);
    const after = await waitFor('the restart recorded', async () => {
      const t = await rig.tasks.get('loop', rig.ns);
      return (t.status?.restartCount ?? 0) > waiting.status!.restartCount! ? t : undefined;
    }, 60_000, 50);
    expect(after.status!.lastState?.terminated?.containerID, 'the container that ran after the wait').to.equal(next.id);
    const ran = await docker.inspect(next.id);
    expect(ran?.startedAt, 'started').to.be.a('string');
    const early = Date.parse(waiting.status!.backoff!.nextRestartAt!) - Date.parse(ran!.startedAt!);
    console.log(`      started ${(-early).toFixed(0)} ms after nextRestartAt`);
    // Docker's clock and ours are the same machine's; nextRestartAt has millisecond precision. The
    // lead learned from the first start is at most MAX_START_LEAD_MS (and 9/10 of the 4 s delay).
    expect(early, 'started more than the start lead cap before nextRestartAt').to.be.at.most(MAX_START_LEAD_MS);
    await deleteAndWait('loop');
  });

  it('removes the created container with the others when the Task is deleted during the wait', async () => {
    await rig.tasks.create(crashLoop('gone', 30));
    const { waiting } = await inWaitWithNext('gone');
    await deleteAndWait('gone');
    expect(await containersOf(waiting.metadata.uid!)).to.deep.equal([]);
  });

  it('after kill -9 of the controllers during the wait, keeps one next container and starts it when the wait ends', async () => {
    await rig.tasks.create(crashLoop('killed', 6));
    const { waiting, next } = await inWaitWithNext('killed');
    await kill9(rig.child);
    rig.child = spawnControllers(rig.cluster.kubeconfigPath);
    await rig.child.running;
    const before = await containersOf(waiting.metadata.uid!);
    expect(before.filter(neverStarted).map((c) => c.id), 'the same next container after the restart').to.deep.equal([next.id]);
    const after = await waitFor('the restart recorded', async () => {
      const t = await rig.tasks.get('killed', rig.ns);
      return (t.status?.restartCount ?? 0) > waiting.status!.restartCount! ? t : undefined;
    }, 60_000, 50);
    expect(after.status!.restartCount, 'counted once').to.equal(waiting.status!.restartCount! + 1);
    expect(after.status!.lastState?.terminated?.containerID, 'the container made before the kill ran').to.equal(next.id);
    const ran = await docker.inspect(next.id);
    // No lead: the new process has seen no start on the Node (the earlier tests' Tasks are gone).
    expect(Date.parse(ran!.startedAt!), 'not before nextRestartAt').to.be.at.least(Date.parse(waiting.status!.backoff!.nextRestartAt!) - 5);
    const now = await containersOf(waiting.metadata.uid!);
    expect(now.length, 'the next container and the last exit at most').to.be.at.most(2);
    expect(now.filter((c) => c.running).length).to.be.at.most(1);
  });
});
