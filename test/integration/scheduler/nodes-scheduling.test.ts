import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Node, type Task, type TaskSpec } from '../../../src/api/types.js';
import { formatCpu } from '../../../src/api/quantity.js';
import type { ControllerManager } from '../../../src/controllers/manager.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { killNetnsEngine, netnsNode, netnsRuntime, nodeLostBoundMs, NODE_LOST_SLACK_MS, removeNodeContainers, restoreNetnsEngines } from '../../support/netns.js';
import { taskObject, waitFor } from '../../support/tasks.js';
import { requireEnv } from '../../support/require-env.js';
import { okubeBin } from '../../support/okube-bin.js';

// Three real Docker engines, each in its own network namespace over TCP+TLS
// (test/support/netns.ts), as three Nodes: scheduling by capacity, Unschedulable and retry,
// cordon and drain through the okube CLI, kubectl's view of Nodes, and the loss of an engine
// (kill -9 of the third engine's dockerd) with eviction, rescheduling and clean-up when it returns.
// The Nodes carry this file's own label, which every Task selects; host ports 30400–30599. The
// rig's Node on the main engine is deleted: only the three netns engines are Nodes here.

const run = promisify(execFile);
const REPO = new URL('../../../', import.meta.url).pathname;
const GRACE_MS = 3000;
const NODE_PERIOD_MS = 500;
const PORTS = { start: 30400, end: 30599 };

describe('Nodes and scheduling across three Docker engines', function () {
  this.timeout(300_000);
  const env = testEnv();
  const netns = env.netns.slice(0, 3);
  const addresses = netns.map((e) => e.address);
  const engines = netns.map(netnsRuntime);
  const group = uniqueName('nodesched');
  const selector = { 'okube.dev/test-group': group };
  /** Nodes made by a test (besides the three), for the clean-up. */
  const extraNodes: string[] = [];
  let rig: ControllerRig;
  let manager: ControllerManager;
  let names: string[] = [];
  let kubecache: string;

  const okube = (...args: string[]) => run(process.execPath, [okubeBin(), ...args, '--kubeconfig', rig.cluster.kubeconfigPath], { cwd: REPO, timeout: 180_000 });
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', rig.cluster.kubeconfigPath, ...args], { env: { ...process.env, KUBECACHEDIR: kubecache }, timeout: 60_000 });
  const sleeper = (over: Partial<TaskSpec> = {}): TaskSpec => ({
    image: env.image,
    command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"],
    terminationGracePeriodSeconds: 3,
    nodeSelector: selector,
    ...over,
  });
  const tasksIn = async (ns: string) => (await manager.tasks.list({ namespace: ns })).items;
  const byNode = (tasks: Task[]) => Object.fromEntries(names.map((n) => [n, tasks.filter((t) => t.spec.nodeName === n).length]));
  /** Every container carrying the Task's uid, on every engine. */
  const containersOf = async (t: Task) => (await Promise.all(engines.map(async (e, i) => (await e.list({ [LABELS.taskUid]: t.metadata.uid! }).catch(() => [])).map((c) => ({ ...c, engine: i }))))).flat();
  const allRunning = (ns: string, n: number) => waitFor(`${n} Tasks Running`, async () => {
    const ts = await tasksIn(ns);
    return ts.length === n && ts.every((t) => t.status?.phase === 'Running') ? ts : undefined;
  }, 240_000, 250);
  const deleteAll = async (ns: string) => {
    for (const t of await tasksIn(ns)) await manager.tasks.delete(t.metadata.name!, ns).catch(() => undefined);
    await waitFor('Tasks gone', async () => (await tasksIn(ns)).length === 0, 120_000, 250);
  };
  const readyOf = (n: Node) => n.status?.conditions?.find((c) => c.type === 'Ready');

  before(async function () {
    requireEnv(this, netns.length === 3, 'three Docker engines in network namespaces needed (OKUBE_TEST_NETNS_DOCKER_HOSTS; run hack/dev-env.sh netns-hosts 3)');
    // An earlier file may have killed or cut one: this one needs all three.
    await restoreNetnsEngines(3);
    kubecache = mkdtempSync(join(tmpdir(), 'okube-kubecache-'));
    rig = await startControllers({ orphanGraceMs: 1000, nodeGracePeriodMs: GRACE_MS, nodePeriodMs: NODE_PERIOD_MS, schedulerRetryMs: 5000 });
    manager = rig.manager;
    await manager.nodes.delete(rig.nodeName);
    names = netns.map((_, i) => `${group}-${i + 1}`);
    for (let i = 0; i < 3; i++) await manager.nodes.create(netnsNode(names[i], netns[i], PORTS, selector));
    // The engines share one machine: reservations make their allocatable CPU 2, 1 and 0.5.
    const ncpu = (await engines[0].info()).ncpu;
    const targets = [2, 1, 0.5];
    for (let i = 0; i < 3; i++) {
      await manager.nodes.patch(names[i], { metadata: { labels: { 'okube.dev/test-slot': String(i) } }, spec: { reserved: { cpu: formatCpu(Math.max(0, ncpu - targets[i])) } } });
    }
    await waitFor('three Nodes Ready with allocatable CPU 2, 1, 500m, and the rig\'s Node gone', async () => {
      const ns = await Promise.all(names.map((n) => manager.nodes.get(n)));
      return ns.every((n, i) => readyOf(n)?.status === 'True' && n.status?.allocatable?.cpu === formatCpu(targets[i])) && !manager.nodeInformer.get(rig.nodeName);
    }, 120_000, 250);
  });

  after(async () => {
    await restoreNetnsEngines(3);
    if (rig) {
      await stopControllers(rig);
      await removeNodeContainers(netns, [...names, ...extraNodes]);
    }
    if (kubecache) rmSync(kubecache, { recursive: true, force: true });
  });

  it('spreads 30 Tasks by capacity, reports one that fits nowhere as Unschedulable, and places it once a Node frees up', async () => {
    const ns = await newNamespace(rig.cluster);
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 30 }, (_, i) => manager.tasks.create(taskObject(ns, `t${i}`, sleeper({ resources: { requests: { cpu: '100m', memory: '16Mi' } } })))));
    const tasks = await allRunning(ns, 30);
    const spread = byNode(tasks);
    console.log(`      30 Tasks Running after ${Date.now() - t0} ms; per Node (allocatable CPU 2 / 1 / 0.5): ${names.map((n) => spread[n]).join(' / ')}`);
    expect(spread[names[0]]).to.be.greaterThan(spread[names[1]]);
    expect(spread[names[1]]).to.be.greaterThan(spread[names[2]]);
    expect(spread[names[2]]).to.be.greaterThan(0);
    for (const t of tasks) expect(t.status!.hostIP).to.equal(addresses[names.indexOf(t.spec.nodeName!)]);

    await manager.tasks.create(taskObject(ns, 'big', sleeper({ resources: { requests: { cpu: '1', memory: '16Mi' } } })));
    const pending = await waitFor('big Unschedulable', async () => {
      const t = await manager.tasks.get('big', ns);
      // The scheduler's verdict, not the Task controller's 'waiting for a Node' that may come first.
      return t.status?.conditions?.find((c) => c.type === 'Scheduled' && c.reason === 'Unschedulable' && c.message.includes('nodes are available')) ? t : undefined;
    }, 60_000, 100);
    const message = pending.status!.conditions!.find((c) => c.type === 'Scheduled')!.message;
    console.log(`      Unschedulable: ${message}`);
    expect(message).to.equal('0/3 nodes are available: 3 Insufficient cpu.');
    expect(pending.status!.phase).to.equal('Pending');
    expect(pending.status!.restartCount, 'RESTARTS says 0, as for a Pending Pod').to.equal(0);

    // Free 1 CPU on the biggest Node: the waiting Task goes there, without any poll of ours.
    const onBig = tasks.filter((t) => t.spec.nodeName === names[0]).slice(0, 10);
    const freedAt = Date.now();
    for (const t of onBig) await manager.tasks.delete(t.metadata.name!, ns);
    const placed = await waitFor('big placed', async () => {
      const t = await manager.tasks.get('big', ns);
      return t.status?.phase === 'Running' ? t : undefined;
    }, 120_000, 100);
    console.log(`      big placed on ${placed.spec.nodeName} and Running ${Date.now() - freedAt} ms after 10 Tasks were deleted there`);
    expect(placed.spec.nodeName).to.equal(names[0]);
    await deleteAll(ns);
  });

  it('gives a cordoned Node nothing new, and drain moves every Task off a Node with a graceful stop', async () => {
    const ns = await newNamespace(rig.cluster);
    const { stdout: cordoned } = await okube('cordon', names[2]);
    expect(cordoned.trim()).to.equal(`node/${names[2]} cordoned`);
    await waitFor('cordon seen by the controllers', async () => manager.nodeInformer.get(names[2])?.spec.unschedulable === true);
    await Promise.all(Array.from({ length: 8 }, (_, i) => manager.tasks.create(taskObject(ns, `c${i}`, sleeper({ resources: { requests: { cpu: '100m' } } })))));
    const tasks = await allRunning(ns, 8);
    const spread = byNode(tasks);
    console.log(`      8 Tasks with ${names[2]} cordoned: ${names.map((n) => spread[n]).join(' / ')}`);
    expect(spread[names[2]]).to.equal(0);
    expect(spread[names[1]]).to.be.greaterThan(0);

    const moved = tasks.filter((t) => t.spec.nodeName === names[1]);
    const t0 = Date.now();
    const { stdout } = await okube('drain', names[1], '--timeout', '120');
    console.log(`      okube drain ${names[1]}: ${moved.length} Tasks moved in ${Date.now() - t0} ms`);
    expect(stdout).to.include(`node/${names[1]} cordoned`).and.include(`node/${names[1]} drained`);
    for (const t of moved) expect(stdout).to.include(`task/${ns}/${t.metadata.name} evicted`);
    const after = await allRunning(ns, 8);
    expect(byNode(after)[names[1]]).to.equal(0);
    for (const t of moved) {
      const now = after.find((x) => x.metadata.name === t.metadata.name)!;
      expect(now.spec.nodeName).to.equal(names[0]);
      const cs = await containersOf(now);
      expect(cs.map((c) => [c.engine, c.running])).to.deep.equal([[0, true]]);
      // The old container stopped on SIGTERM (exit 0 from the trap) before the new one started.
      expect(now.status!.lastState?.terminated).to.include({ reason: 'Drained', exitCode: 0 });
    }
    const events = await rig.cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
    expect(events.items.filter((e) => e.reason === 'Evicted').length).to.equal(moved.length);
    // The CLI's own Events about the Node (cluster-scoped: in default, as kubectl's recorder puts them).
    const cli = (await rig.cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === names[1] && e.source?.component === 'okube-cli');
    expect(cli.map((e) => e.reason).sort()).to.deep.equal(['NodeDrained', 'NodeNotSchedulable']);
    expect(cli.every((e) => e.involvedObject.kind === 'Node' && e.count === 1 && e.firstTimestamp instanceof Date && !Number.isNaN(e.firstTimestamp.getTime()))).to.equal(true);
    expect((await okube('uncordon', names[1])).stdout.trim()).to.equal(`node/${names[1]} uncordoned`);
    expect((await okube('uncordon', names[2])).stdout.trim()).to.equal(`node/${names[2]} uncordoned`);
    expect((await okube('uncordon', names[2])).stdout.trim()).to.equal(`node/${names[2]} already uncordoned`);
    await deleteAll(ns);
  });

  it("drain moves a TaskSet's Tasks one at a time (its maxUnavailable), so its other replicas stay Ready", async () => {
    const ns = await newNamespace(rig.cluster);
    for (const n of [names[0], names[2]]) await okube('cordon', n);
    await waitFor('cordons seen by the controllers', async () => [names[0], names[2]].every((n) => manager.nodeInformer.get(n)?.spec.unschedulable === true));
    await manager.taskSets.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', metadata: { name: 'web', namespace: ns }, spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: sleeper() } } });
    const ready = (t: Task) => t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    await waitFor('4 replicas Ready on the one schedulable Node', async () => {
      const ts = await tasksIn(ns);
      return ts.length === 4 && ts.every((t) => ready(t) && t.spec.nodeName === names[1]);
    }, 120_000, 250);
    for (const n of [names[0], names[2]]) await okube('uncordon', n);

    // Watch availability while the drain runs: the most replicas not Ready at any one time.
    let worst = 0;
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const ts = await tasksIn(ns);
        worst = Math.max(worst, 4 - ts.filter(ready).length);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    let stdout: string;
    try {
      ({ stdout } = await okube('drain', names[1], '--timeout', '120'));
    } finally {
      watching = false;
      await watch;
    }
    console.log(`      drain of a 4-replica TaskSet (maxUnavailable 25%): at most ${worst} not Ready at once`);
    expect(worst, 'replicas not Ready at once').to.equal(1);
    expect(stdout.split('\n').filter((l) => l.startsWith('waiting to evict task')).length, stdout).to.equal(3);
    expect(stdout).to.include(`node/${names[1]} drained`);
    // The drain ends when the last Task has left the Node; it starts elsewhere after that.
    await waitFor('4 replicas Ready on the other Nodes', async () => (await tasksIn(ns)).filter((t) => ready(t) && t.spec.nodeName !== names[1]).length === 4, 60_000, 250);
    await okube('uncordon', names[1]);
    await manager.taskSets.delete('web', ns);
    await waitFor('TaskSet and Tasks gone', async () => (await tasksIn(ns)).length === 0, 120_000, 250);
  });

  it('drain --disable-budget moves all of a TaskSet\'s Tasks at once', async () => {
    const ns = await newNamespace(rig.cluster);
    for (const n of [names[0], names[2]]) await okube('cordon', n);
    await waitFor('cordons seen by the controllers', async () => [names[0], names[2]].every((n) => manager.nodeInformer.get(n)?.spec.unschedulable === true));
    await manager.taskSets.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', metadata: { name: 'all', namespace: ns }, spec: { replicas: 3, selector: { matchLabels: { app: 'all' } }, template: { metadata: { labels: { app: 'all' } }, spec: sleeper() } } });
    await waitFor('3 replicas Running on the one schedulable Node', async () => {
      const ts = await tasksIn(ns);
      return ts.length === 3 && ts.every((t) => t.status?.phase === 'Running' && t.spec.nodeName === names[1]);
    }, 120_000, 250);
    for (const n of [names[0], names[2]]) await okube('uncordon', n);
    const { stdout } = await okube('drain', names[1], '--disable-budget', '--timeout', '120');
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('waiting to evict')), stdout).to.deep.equal([]);
    // All three asked to move before the first had left.
    expect(lines.slice(1, 4).every((l) => l.startsWith('evicting task')), stdout).to.equal(true);
    expect(stdout).to.include(`node/${names[1]} drained`);
    await okube('uncordon', names[1]);
    await manager.taskSets.delete('all', ns);
    await waitFor('TaskSet and Tasks gone', async () => (await tasksIn(ns)).length === 0, 120_000, 250);
  });

  it('shows Ready, Tasks and capacity in kubectl get onodes, and the conditions in kubectl describe', async () => {
    const { stdout } = await kubectl('get', 'onodes');
    console.log(stdout.trimEnd().replace(/^/gm, '      '));
    const header = stdout.split('\n')[0];
    expect(header).to.match(/^NAME\s+READY\s+CORDONED\s+TASKS\s+CPU\s+MEMORY\s+CPU REQUESTS\s+MEMORY REQUESTS\s+ADDRESS\s+AGE/);
    for (let i = 0; i < 3; i++) expect(stdout).to.match(new RegExp(`${names[i]}\\s+True\\s+false\\s+\\d+\\s+\\d+\\s+\\S+\\s+\\S+\\s+\\S+\\s+${addresses[i].replace(/\./g, '\\.')}`));
    const { stdout: described } = await kubectl('describe', 'onode', names[1]);
    expect(described).to.match(/Conditions:/).and.match(/Reason:\s+EngineReachable/).and.match(/Last Heartbeat Time:/);
    const leases = await kubectl('get', 'leases', '-n', 'okube-node-lease', '-o', 'name');
    for (const n of names) expect(leases.stdout).to.include(`lease.coordination.k8s.io/${n}`);
  });

  it('removes the containers and the Tasks\' own volumes of a deleted Node and moves its Tasks', async () => {
    const ns = await newNamespace(rig.cluster);
    const extra = `${group}-extra`;
    extraNodes.push(extra);
    await manager.nodes.create(netnsNode(extra, netns[1], PORTS, selector));
    await waitFor('extra Node Ready', async () => readyOf(await manager.nodes.get(extra))?.status === 'True', 60_000, 200);
    await manager.tasks.create(taskObject(ns, 'pinned', sleeper({ nodeName: extra, volumes: [{ name: 'scratch', emptyDir: {} }], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] })));
    const before = await waitFor('pinned Running', async () => {
      const t = await manager.tasks.get('pinned', ns);
      return t.status?.phase === 'Running' ? t : undefined;
    }, 60_000, 200);
    expect((await engines[1].listVolumes({ [LABELS.node]: extra })).length, 'the emptyDir volume on the Node').to.be.greaterThan(0);
    await manager.nodes.delete(extra);
    const moved = await waitFor('pinned Running on another Node', async () => {
      const t = await manager.tasks.get('pinned', ns);
      return t.spec.nodeName && t.spec.nodeName !== extra && t.status?.phase === 'Running' ? t : undefined;
    }, 60_000, 200);
    expect(names).to.include(moved.spec.nodeName);
    expect(await engines[1].list({ [LABELS.node]: extra })).to.deep.equal([]);
    await waitFor('no volume of the deleted Node left', async () => (await engines[1].listVolumes({ [LABELS.node]: extra })).length === 0, 30_000, 200);
    expect((await containersOf(before)).map((c) => [c.engine, c.running])).to.deep.equal([[names.indexOf(moved.spec.nodeName!), true]]);
    const leases = await kubectl('get', 'leases', '-n', 'okube-node-lease', '-o', 'name');
    expect(leases.stdout).to.not.include(extra);
    await deleteAll(ns);
  });

  it('moves the Tasks of a Node whose engine dies (kill -9) after their eviction timeout, and removes the stale copies when it returns', async () => {
    const ns = await newNamespace(rig.cluster);
    const lost = names[2];
    for (let i = 0; i < 3; i++) await manager.tasks.create(taskObject(ns, `f${i}`, sleeper({ nodeName: lost, evictionTimeoutSeconds: 4, resources: { requests: { cpu: '100m' } } })));
    await manager.tasks.create(taskObject(ns, 'once', sleeper({ nodeName: lost, evictionTimeoutSeconds: 4, restartPolicy: 'Never' })));
    await allRunning(ns, 4);

    const killedAt = Date.now();
    await killNetnsEngine(netns[2]);
    try {
      // Within what the grace logic explains (test/support/netns.ts nodeLostBoundMs), plus the stated slack.
      const bound = nodeLostBoundMs(GRACE_MS, NODE_PERIOD_MS);
      const down = await waitFor(`Node Ready=Unknown within ${bound} ms (grace ${GRACE_MS} + period ${NODE_PERIOD_MS} + 1000 heartbeat + ${NODE_LOST_SLACK_MS} slack)`, async () => {
        const n = await manager.nodes.get(lost);
        return readyOf(n)?.status === 'Unknown' ? n : undefined;
      }, bound, 100);
      const decidedMs = Date.parse(readyOf(down)!.lastTransitionTime!) - killedAt;
      console.log(`      ${lost} Ready=${readyOf(down)!.status} (${readyOf(down)!.reason}) seen ${Date.now() - killedAt} ms after kill -9, decided at ${decidedMs} ms (grace ${GRACE_MS} ms): ${readyOf(down)!.message}`);
      expect(readyOf(down)!.reason).to.equal('EngineUnreachable');
      const moved = await waitFor('Tasks rescheduled and Running elsewhere', async () => {
        const ts = (await tasksIn(ns)).filter((t) => t.metadata.name !== 'once');
        return ts.every((t) => t.spec.nodeName && t.spec.nodeName !== lost && t.status?.phase === 'Running') ? ts : undefined;
      }, 120_000, 100);
      console.log(`      3 Tasks Running on ${moved.map((t) => t.spec.nodeName).join(', ')} ${Date.now() - killedAt} ms after the kill (eviction timeout 4 s)`);
      const once = await manager.tasks.get('once', ns);
      expect(once.status!.phase).to.equal('Failed');
      expect(once.status!.state?.terminated?.reason).to.equal('NodeLost');
      expect(once.spec.nodeName).to.equal(lost);
      const events = await rig.cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
      expect(events.items.filter((e) => e.reason === 'NodeLost').length).to.equal(4);
    } finally {
      const restartAt = Date.now();
      const restoring = restoreNetnsEngines(3);
      // What the engine holds the moment it answers again (before okube's clean-up): dockerd
      // stops what ran before the kill -9, and restart policy "no" keeps it stopped.
      const back = await waitFor(`${netns[2].netns} answers`, async () => ((await engines[2].ping().then(() => true, () => false)) ? engines[2].list({ [LABELS.node]: lost }) : undefined), 120_000, 50).catch(() => []);
      await restoring;
      console.log(`      ${netns[2].netns} restarted in ${Date.now() - restartAt} ms; when it first answered it held ${back.length} okube containers, ${back.filter((c) => c.running).length} running`);
    }

    const backAt = Date.now();
    await waitFor('Node Ready again', async () => readyOf(await manager.nodes.get(lost))?.status === 'True', 120_000, 100);
    const stale = await waitFor('no container of a moved Task left on the returned engine', async () => {
      const left = await engines[2].list({ [LABELS.node]: lost });
      const movedUids = new Set((await tasksIn(ns)).filter((t) => t.metadata.name !== 'once').map((t) => t.metadata.uid));
      return left.every((c) => !movedUids.has(c.labels[LABELS.taskUid])) ? left : undefined;
    }, 120_000, 250);
    console.log(`      stale copies removed ${Date.now() - backAt} ms after the engine returned; left on it: ${stale.length} (the restartPolicy Never Task's, running: ${stale.some((c) => c.running)})`);
    for (const t of await tasksIn(ns)) {
      const cs = await containersOf(t);
      if (t.metadata.name === 'once') {
        expect(cs.filter((c) => c.running)).to.have.length(0);
        continue;
      }
      expect(cs.map((c) => [c.engine, c.running])).to.deep.equal([[names.indexOf(t.spec.nodeName!), true]]);
    }
    await deleteAll(ns);
  });
});
