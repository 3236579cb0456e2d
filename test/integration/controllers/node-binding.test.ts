import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Task } from '../../../src/api/types.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { waitFor, waitForTask } from '../../support/tasks.js';

// spec.nodeName is immutable once set (a CEL transition rule in crds/tasks.okube.dev.yaml), as a
// Pod's is: real kubectl cannot unbind or move a running Task (a replace that leaves it out keeps
// it: apiserver/task-binding.ts), while the scheduler still binds and okube's own Reschedule path
// (restart limit with onLimit: Reschedule) still moves it.

describe('A bound Task keeps its Node', function () {
  this.timeout(180_000);
  const env = testEnv();
  let rig: ControllerRig;
  let ns: string;
  let kubecache: string;

  const kc = (args: string[], input?: string) => kubectl([...args, '-n', ns], { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: kubecache }, input);
  const manifest = (name: string, extraSpec = '') => `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: ${name}
spec:
  image: ${env.image}
  command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
  terminationGracePeriodSeconds: 2
${extraSpec}`;
  const running = (name: string) => waitForTask(rig.manager.tasks, ns, name, 'Running', (t) => t.status?.phase === 'Running' && Boolean(t.spec.nodeName), 60_000);

  before(async () => {
    kubecache = mkdtempSync(join(tmpdir(), 'okube-kubecache-'));
    rig = await startControllers({ orphanGraceMs: 1000 });
  });
  after(async () => {
    await stopControllers(rig);
    rmSync(kubecache, { recursive: true, force: true });
  });
  beforeEach(async () => (ns = await newNamespace(rig.cluster)));
  afterEach(async () => {
    for (const t of (await rig.manager.tasks.list({ namespace: ns })).items) await rig.manager.tasks.delete(t.metadata.name!, ns).catch(() => undefined);
  });

  it('kubectl replace -f of the manifest without nodeName keeps the Task on its Node and its container; a replace naming another Node is refused', async () => {
    const name = uniqueName('replace');
    expect((await kc(['apply', '-f', '-'], manifest(name))).code).to.equal(0);
    const before: Task = await running(name);
    expect(before.spec.nodeName).to.equal(rig.nodeName);

    const r = await kc(['replace', '-f', '-'], manifest(name));
    expect([r.code, r.stdout], r.stderr).to.deep.equal([0, `task.okube.dev/${name} replaced\n`]);
    const moved = await kc(['replace', '-f', '-'], manifest(name, '  nodeName: some-other-node\n'));
    expect(moved.code).to.not.equal(0);
    expect(moved.stderr).to.match(/spec\.nodeName: Invalid value: "object": field is immutable/);

    // A later read, after the informer had time to see any change: same Node, same container.
    await new Promise((res) => setTimeout(res, 1500));
    const after = await rig.manager.tasks.get(name, ns);
    expect(after.spec.nodeName).to.equal(rig.nodeName);
    expect(after.status?.phase).to.equal('Running');
    expect(after.status?.containerID).to.equal(before.status?.containerID);
  });

  it('kubectl apply of another nodeName is refused, while re-applying the manifest without nodeName works', async () => {
    const name = uniqueName('apply');
    expect((await kc(['apply', '-f', '-'], manifest(name))).code).to.equal(0);
    await running(name);

    const moved = await kc(['apply', '-f', '-'], manifest(name, '  nodeName: some-other-node\n'));
    expect(moved.code).to.not.equal(0);
    expect(moved.stderr).to.match(/spec\.nodeName: Invalid value: "object": field is immutable/);
    expect((await rig.manager.tasks.get(name, ns)).spec.nodeName).to.equal(rig.nodeName);

    const again = await kc(['apply', '-f', '-'], manifest(name));
    expect(again.code, again.stderr).to.equal(0);
    expect((await rig.manager.tasks.get(name, ns)).spec.nodeName).to.equal(rig.nodeName);
  });

  it('the restart limit with onLimit: Reschedule still unbinds the Task, and the scheduler binds it again', async () => {
    const name = uniqueName('resched');
    const crash = `apiVersion: okube.dev/v1alpha1
kind: Task
metadata:
  name: ${name}
spec:
  image: ${env.image}
  command: ["sh", "-c", "sleep 1; exit 3"]
  backoff: { initialDelaySeconds: 0, maxRestarts: 1, windowSeconds: 300, onLimit: Reschedule }
`;
    expect((await kc(['apply', '-f', '-'], crash)).code).to.equal(0);
    const core = rig.cluster.kc.makeApiClient(CoreV1Api);
    const countOf = async (reason: string) => {
      const evs = await core.listNamespacedEvent({ namespace: ns, fieldSelector: `involvedObject.name=${name}` });
      return evs.items.filter((e) => e.reason === reason).reduce((n, e) => n + (e.count ?? 1), 0);
    };
    await waitFor('RestartLimitExceeded', async () => (await countOf('RestartLimitExceeded')) >= 1, 90_000);
    // Bound once at the start, and again after okube unbound it.
    await waitFor('bound a second time', async () => (await countOf('Scheduled')) >= 2, 60_000);
    expect((await rig.manager.tasks.get(name, ns)).spec.nodeName).to.equal(rig.nodeName);
  });
});
