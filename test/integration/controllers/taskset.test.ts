import { expect } from 'chai';
import { AVOID_NODES_ANNOTATION } from '../../../src/api/annotations.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, TEMPLATE_HASH_LABEL, type Task, type TaskSet, type TaskSetSpec } from '../../../src/api/types.js';
import { Informer } from '../../../src/client/informer.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { netnsDocker, netnsNode, netnsRuntime, removeNodeContainers, restoreNetnsEngines } from '../../support/netns.js';
import { requireEnv } from '../../support/require-env.js';
import { waitFor } from '../../support/tasks.js';
import { taskSetManifest as baseManifest } from '../../support/tasksets.js';

// The TaskSet controller end to end: okube's API server on a real etcd, the real controllers
// (TaskSet, scheduler, Task, Node) in this process, the three Docker engines in their own network
// namespaces (TCP+TLS, test/support/netns.ts) as three Nodes, and real kubectl. The Nodes carry
// this file's own label and every TaskSet selects it; host ports come from 30000–30199 (this
// file's slice). Each test has its own namespace; containers are removed after.

describe('TaskSet controller on three Docker engines', function () {
  this.timeout(300_000);
  const env = testEnv();
  const netns = env.netns.slice(0, 3);
  const engines = netns.map(netnsRuntime);
  const group = uniqueName('taskset');
  let cluster: TestCluster;
  let manager: ControllerManager;
  let nodes: string[] = [];
  let kubecache: string;
  /** A second tag of the test image on every engine: "a new image" without a registry. */
  const image2 = `okube-test/busybox:taskset-${uniqueName('v2').slice(3)}`;

  /** The shared manifest, its Tasks held to this file's Nodes. */
  const taskSetManifest = (ns: string, name: string, spec: Partial<TaskSetSpec> = {}): TaskSet => {
    const ts = baseManifest(ns, name, spec);
    ts.spec.template.spec.nodeSelector = { 'okube.dev/test-group': group };
    return ts;
  };
  const run = (args: string[], input?: string) => kubectl(args, { ...process.env, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: kubecache }, input);
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const tasksIn = async (ns: string) => (await manager.tasks.list({ namespace: ns })).items;
  const getTaskSet = (ns: string, name: string) => manager.taskSets.get(name, ns);
  const isReady = (t: Task) => t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true && !t.metadata.deletionTimestamp;

  const apply = (obj: TaskSet) => ok(['apply', '-f', '-'], JSON.stringify(obj));
  const readyCount = (ns: string, n: number, pred: (t: Task) => boolean = () => true) =>
    waitFor(`${n} Ready Tasks`, async () => {
      const ts = (await tasksIn(ns)).filter((t) => !t.metadata.deletionTimestamp && !['Failed', 'Succeeded'].includes(t.status?.phase ?? ''));
      return ts.length === n && ts.every((t) => isReady(t) && pred(t)) ? ts : undefined;
    }, 180_000, 100);
  const containersOf = async (t: Task) => (await Promise.all(engines.map((e) => e.list({ [LABELS.taskUid]: t.metadata.uid! }).catch(() => [])))).flat();
  const cleanNamespace = async (ns: string) => {
    await run(['delete', 'tasksets', '--all', '-n', ns, '--wait=false']);
    for (const t of await tasksIn(ns)) await manager.tasks.delete(t.metadata.name!, ns).catch(() => undefined);
    await waitFor('Tasks gone', async () => (await tasksIn(ns)).length === 0, 120_000, 200);
  };

  before(async function () {
    requireEnv(this, netns.length === 3, 'three Docker engines in network namespaces needed (OKUBE_TEST_NETNS_DOCKER_HOSTS; run hack/dev-env.sh netns-hosts 3)');
    // An earlier file may have killed or cut one: this one needs all three.
    await restoreNetnsEngines(3);
    kubecache = mkdtempSync(join(tmpdir(), 'okube-kubecache-'));
    for (const e of netns) {
      const [repo, tag] = image2.split(':');
      await netnsDocker(e).getImage(env.image).tag({ repo, tag });
    }
    cluster = await startCluster();
    manager = new ControllerManager({ kc: cluster.kc, nodePeriodMs: 500, orphanGraceMs: 1000, schedulerRetryMs: 2000 });
    nodes = netns.map((_, i) => `${group}-${i + 1}`);
    for (let i = 0; i < 3; i++) await manager.nodes.create(netnsNode(nodes[i], netns[i], { start: 30000, end: 30199 }, { 'okube.dev/test-group': group }));
    await manager.start();
    await waitFor('three Nodes Ready', async () => nodes.every((n) => manager.registry.get(n)?.ready), 60_000, 100);
  });

  after(async () => {
    if (manager) await manager.stop();
    await removeNodeContainers(netns, nodes);
    for (const e of netns) await netnsDocker(e).getImage(image2).remove().catch(() => undefined);
    if (cluster) await cluster.stop();
    if (kubecache) rmSync(kubecache, { recursive: true, force: true });
  });

  it('kubectl apply of 3 replicas gives 3 Ready Tasks on 3 Nodes, and kubectl get shows READY 3/3', async () => {
    const ns = await newNamespace(cluster);
    await apply(taskSetManifest(ns, 'web', { replicas: 3 }));
    const tasks = await readyCount(ns, 3);
    expect(new Set(tasks.map((t) => t.spec.nodeName)).size).to.equal(3);
    for (const t of tasks) {
      expect(t.metadata.name).to.match(new RegExp(`^web-${t.metadata.labels![TEMPLATE_HASH_LABEL]}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(t.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: (await getTaskSet(ns, 'web')).metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
    const row = await waitFor('READY 3/3 in kubectl get', async () => {
      const out = await ok(['get', 'tks', 'web', '-n', ns, '--no-headers']);
      return /^web\s+3\/3\s+3\s+3\s+/.test(out) ? out : undefined;
    }, 30_000, 200);
    expect(row).to.match(/^web\s+3\/3\s+3\s+3\s+\S+/);
    await cleanNamespace(ns);
  });

  it('Tasks the API refuses make ReplicaFailure True with the error, gone once the template is fixed; a 240-character name gets Ready replicas named in 63 characters', async () => {
    const ns = await newNamespace(cluster);
    const refused = taskSetManifest(ns, 'refused', { replicas: 1 });
    refused.spec.template.spec = { ...refused.spec.template.spec, nodeName: nodes[0], ports: [{ containerPort: 8080, hostPort: 80 }] };
    await apply(refused);
    const failure = await waitFor('ReplicaFailure', async () => (await getTaskSet(ns, 'refused')).status?.conditions?.find((c) => c.type === 'ReplicaFailure'), 30_000, 100);
    expect(failure).to.include({ status: 'True', reason: 'FailedCreate' });
    expect(failure.message).to.match(/^Error creating: .*hostPort 80 is outside node .* portRange 30000-30199/);
    refused.spec.template.spec.ports = [{ containerPort: 8080, hostPort: 0 }];
    await apply(refused);
    await readyCount(ns, 1);
    await waitFor('ReplicaFailure gone', async () => !(await getTaskSet(ns, 'refused')).status?.conditions?.some((c) => c.type === 'ReplicaFailure'), 30_000, 100);
    await cleanNamespace(ns);

    const long = 'l'.repeat(240);
    const longSet = taskSetManifest(ns, long, { replicas: 2, selector: { matchLabels: { app: 'long-name' } } });
    longSet.spec.template.metadata.labels = { app: 'long-name' };
    await apply(longSet);
    const tasks = await readyCount(ns, 2);
    for (const t of tasks) expect(t.metadata.name).to.match(new RegExp(`^l{58}[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    await cleanNamespace(ns);
  });

  it('kubectl scale --replicas=5 gives 5 Ready Tasks; --replicas=1 stops the extra ones gracefully', async () => {
    const ns = await newNamespace(cluster);
    await apply(taskSetManifest(ns, 'web', { replicas: 3 }));
    await readyCount(ns, 3);
    await ok(['scale', 'tasksets/web', '--replicas=5', '-n', ns]);
    await readyCount(ns, 5);
    const before = await tasksIn(ns);
    await ok(['scale', 'tasksets/web', '--replicas=1', '-n', ns]);
    const [left] = await readyCount(ns, 1);
    await waitFor('4 Tasks gone', async () => (await tasksIn(ns)).length === 1, 60_000, 200);
    // A normal Task delete: the Task controller stopped and removed each extra container.
    for (const t of before.filter((b) => b.metadata.name !== left.metadata.name)) {
      expect(await containersOf(t), `${t.metadata.name}'s container removed`).to.deep.equal([]);
    }
    const events = await ok(['get', 'events', '-n', ns, '--field-selector', 'reason=SuccessfulDelete', '-o', 'name']);
    expect(events.trim().split('\n').length).to.be.at.least(1);
    await cleanNamespace(ns);
  });

  it('a rolling update does not wait for old Tasks that take their grace period to stop: the new ones are all Ready beside a Terminating old one, as in a Deployment', async () => {
    const ns = await newNamespace(cluster);
    const ts = taskSetManifest(ns, 'slowstop', { replicas: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    // The container ignores SIGTERM: each old Task takes its whole 120 s grace period to stop.
    ts.spec.template.spec = { ...ts.spec.template.spec, command: ['sh', '-c', "trap '' TERM; while true; do sleep 0.2; done"], terminationGracePeriodSeconds: 120 };
    await apply(ts);
    await readyCount(ns, 2);
    ts.spec.template.spec.image = image2;
    await apply(ts);
    // Waiting out the first old Task's grace period would take 120 s: the rollout is done long before.
    await waitFor('rollout complete', async () => {
      const s = (await getTaskSet(ns, 'slowstop')).status;
      return s?.updatedReplicas === 2 && s.availableReplicas === 2 && s.replicas === 2 && s.observedGeneration === 2;
    }, 60_000, 200);
    const tasks = await tasksIn(ns);
    expect(tasks.filter((t) => !t.metadata.deletionTimestamp).map((t) => [t.spec.image, isReady(t)])).to.deep.equal([[image2, true], [image2, true]]);
    const stopping = tasks.filter((t) => t.metadata.deletionTimestamp);
    expect(stopping.map((t) => t.spec.image), 'both old Tasks still stopping').to.deep.equal([env.image, env.image]);
    // The TaskSet first (else it would replace the force-deleted Tasks with new slow stoppers).
    await ok(['delete', 'taskset', 'slowstop', '-n', ns]);
    await run(['delete', 'tasks', '--all', '-n', ns, '--grace-period=0', '--force']);
    await cleanNamespace(ns);
  });

  it('a rolling update (maxUnavailable 0, maxSurge 1) of 4 replicas keeps ≥ 4 Ready and ≤ 5 Tasks not being deleted, sampled every 100 ms through a watch, and ends with 4 updated Ready', async () => {
    const ns = await newNamespace(cluster);
    const ts = taskSetManifest(ns, 'roll', { replicas: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    await apply(ts);
    await readyCount(ns, 4);
    const watch = new Informer<Task>({ kc: cluster.kc, name: 'test-tasks', path: manager.tasks.collectionPath(ns), list: (o) => manager.tasks.list({ ...o, namespace: ns }), resyncMs: 0 });
    watch.start();
    await watch.waitForSync();
    let minReady = Infinity;
    let maxTotal = 0;
    let samples = 0;
    const sampler = setInterval(() => {
      const all = watch.list();
      minReady = Math.min(minReady, all.filter(isReady).length);
      // As a Deployment's maxSurge, the cap is on Tasks not yet being deleted.
      maxTotal = Math.max(maxTotal, all.filter((t) => !t.metadata.deletionTimestamp).length);
      samples++;
    }, 100);
    try {
      ts.spec.template.spec.image = image2;
      await apply(ts);
      const newHash = await waitFor('new template hash in status', async () => {
        const s = await getTaskSet(ns, 'roll');
        return s.status?.templateHash && s.status.observedGeneration === s.metadata.generation ? s.status.templateHash : undefined;
      });
      const done = await readyCount(ns, 4, (t) => t.metadata.labels![TEMPLATE_HASH_LABEL] === newHash && t.spec.image === image2);
      expect(done).to.have.length(4);
      await waitFor('old Tasks gone', async () => watch.list().length === 4, 60_000, 100);
    } finally {
      clearInterval(sampler);
      watch.stop();
    }
    expect(samples).to.be.greaterThan(10);
    expect(minReady, 'fewest Ready Tasks seen').to.be.at.least(4);
    expect(maxTotal, 'most Tasks seen').to.be.at.most(5);
    expect(maxTotal, 'the rollout surged').to.equal(5);
    const status = (await getTaskSet(ns, 'roll')).status!;
    expect(status).to.include({ replicas: 4, updatedReplicas: 4, readyReplicas: 4, availableReplicas: 4 });
    await waitFor('Progressing NewTaskSetAvailable', async () => (await getTaskSet(ns, 'roll')).status?.conditions?.find((c) => c.type === 'Progressing' && c.reason === 'NewTaskSetAvailable'));
    await cleanNamespace(ns);
  });

  it('a rollout whose readiness probe never passes keeps the old Tasks serving and reports ProgressDeadlineExceeded', async () => {
    const ns = await newNamespace(cluster);
    const ts = taskSetManifest(ns, 'stuck', { replicas: 2, progressDeadlineSeconds: 4, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } });
    await apply(ts);
    const old = await readyCount(ns, 2);
    ts.spec.template.spec.image = image2;
    ts.spec.template.spec.readinessProbe = { exec: { command: ['false'] }, periodSeconds: 1 };
    await apply(ts);
    const cond = await waitFor('Progressing=False ProgressDeadlineExceeded', async () => {
      const s = await getTaskSet(ns, 'stuck');
      return s.status?.conditions?.find((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded');
    }, 60_000, 200);
    expect(cond.message).to.equal('TaskSet "stuck" has timed out progressing.');
    const tasks = await tasksIn(ns);
    const stillOld = tasks.filter((t) => old.some((o) => o.metadata.uid === t.metadata.uid));
    expect(stillOld.filter(isReady), 'old Tasks still Ready').to.have.length(2);
    expect(tasks, 'one surge Task, not Ready').to.have.length(3);
    const jsonpath = await ok(['get', 'tasksets', 'stuck', '-n', ns, '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].reason}']);
    expect(jsonpath).to.equal('ProgressDeadlineExceeded');
    await cleanNamespace(ns);
  });

  it('a replica that hits its restart limit is replaced by a Task bound to another Node, avoiding the one it failed on', async () => {
    const ns = await newNamespace(cluster);
    const ts = taskSetManifest(ns, 'crash', { replicas: 1 });
    ts.spec.template.spec = {
      ...ts.spec.template.spec,
      command: ['sh', '-c', 'exit 3'],
      backoff: { initialDelaySeconds: 0.2, maxDelaySeconds: 0.2, maxRestarts: 1, windowSeconds: 60 },
    };
    await apply(ts);
    const failed = await waitFor('a Failed Task', async () => (await tasksIn(ns)).find((t) => t.status?.phase === 'Failed'), 90_000, 200);
    const replacement = await waitFor('its replacement', async () => (await tasksIn(ns)).find((t) => t.metadata.uid !== failed.metadata.uid && t.metadata.annotations?.[AVOID_NODES_ANNOTATION]), 60_000, 200);
    expect(replacement.metadata.annotations![AVOID_NODES_ANNOTATION]).to.equal(failed.status!.nodeName);
    const bound = await waitFor('the replacement bound', async () => (await tasksIn(ns)).find((t) => t.metadata.uid === replacement.metadata.uid && t.spec.nodeName), 60_000, 200);
    expect(bound.spec.nodeName, 'the replacement Node').to.not.equal(failed.status!.nodeName);
    const status = await waitFor('the failure in status', async () => {
      const s = (await getTaskSet(ns, 'crash')).status;
      return s?.recentFailures?.length ? s : undefined;
    }, 30_000, 200);
    expect(status.recentFailures![0]).to.include({ taskName: failed.metadata.name, nodeName: failed.status!.nodeName, reason: 'RestartLimitExceeded' });
    await cleanNamespace(ns);
  });

  it('kubectl delete taskset removes every Task and container', async () => {
    const ns = await newNamespace(cluster);
    await apply(taskSetManifest(ns, 'gone', { replicas: 2 }));
    const tasks = await readyCount(ns, 2);
    await ok(['delete', 'taskset', 'gone', '-n', ns]);
    await waitFor('Tasks deleted with their TaskSet', async () => (await tasksIn(ns)).length === 0, 60_000, 200);
    for (const t of tasks) expect(await containersOf(t)).to.deep.equal([]);
    await cleanNamespace(ns);
  });

  it('kubectl delete taskset --cascade=orphan leaves the Tasks running and ownerless', async () => {
    const ns = await newNamespace(cluster);
    await apply(taskSetManifest(ns, 'orph', { replicas: 2 }));
    await readyCount(ns, 2);
    await ok(['delete', 'taskset', 'orph', '-n', ns, '--cascade=orphan']);
    await waitFor('TaskSet gone', async () => getTaskSet(ns, 'orph').then(() => undefined, () => true), 30_000, 200);
    const left = await waitFor('Tasks ownerless', async () => {
      const ts = await tasksIn(ns);
      return ts.length === 2 && ts.every((t) => !t.metadata.ownerReferences?.length) ? ts : undefined;
    }, 30_000, 200);
    expect(left.every(isReady)).to.equal(true);
    await cleanNamespace(ns);
  });
});
