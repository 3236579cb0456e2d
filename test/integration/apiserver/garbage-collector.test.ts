import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { okubeBin } from '../../support/okube-bin.js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Node, OwnerReference, Task } from '../../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { freePort } from '../../../src/util/free-port.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { kubectl, type Run } from '../../support/kubectl.js';
import { nodeObject, taskObject, waitFor as waitForWithin } from '../../support/tasks.js';

// Owner-reference garbage collection and DELETE propagation policies, against real etcd, okube's
// API server (which runs the collector) and the real kubectl. Tasks own Tasks (no Task controller
// runs: the objects are only data here); a test finalizer stands in for a dependent's own
// finalizer (the Task controller's), so a cascade can be held half-way and released.

const HOLD = 'test.okube.dev/hold';
// Generous: the machine running the suite is shared and often loaded.
const waitFor = <T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 90_000) => waitForWithin(what, check, timeoutMs);
const IMAGE = 'okube-test/busybox:latest';

const gone = async (f: () => Promise<unknown>): Promise<boolean> => {
  try {
    await f();
    return false;
  } catch (err) {
    if (isOkubeError(err, 'NotFound')) return true;
    throw err;
  }
};

const refTo = (o: Task | Node, extra: Partial<OwnerReference> = {}): OwnerReference => ({
  apiVersion: 'okube.dev/v1alpha1',
  kind: o.kind!,
  name: o.metadata.name!,
  uid: o.metadata.uid!,
  controller: true,
  blockOwnerDeletion: true,
  ...extra,
});

describe('garbage collector and DELETE propagation (real etcd, real kubectl)', function () {
  this.timeout(300_000);
  let cluster: TestCluster;
  let tasks: ResourceClient<Task>;
  let ns: string;
  let cacheDir: string;
  const kc = (...args: string[]): Promise<Run> => kubectl([...args, '-n', ns], { ...process.env, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: cacheDir });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kc(...args);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const task = (name: string, meta: { ownerReferences?: OwnerReference[]; finalizers?: string[] } = {}): Promise<Task> => {
    const t = taskObject(ns, name, { image: IMAGE });
    Object.assign(t.metadata, meta);
    return tasks.create(t);
  };
  const exists = async (name: string): Promise<boolean> => !(await gone(() => tasks.get(name, ns)));
  const release = async (name: string) => tasks.patch(name, { metadata: { finalizers: null } }, ns);

  before(async () => {
    cluster = await startCluster({ garbageCollector: { sweepMs: 2000 } });
    tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    cacheDir = mkdtempSync(join(cluster.dir, 'kcache-'));
  });
  after(async () => {
    await cluster?.stop();
  });
  beforeEach(async () => {
    ns = await newNamespace(cluster);
  });

  it('kubectl delete (background) removes every dependent of the deleted owner', async () => {
    const owner = await task('owner');
    for (const n of ['d1', 'd2', 'd3']) await task(n, { ownerReferences: [refTo(owner)] });
    await ok('delete', 'task', 'owner');
    await waitFor('dependents collected', async () => (await tasks.list({ namespace: ns })).items.length === 0);
  });

  it('a dependent with its own finalizer is marked deleted and goes once its finalizer is removed', async () => {
    const owner = await task('owner');
    await task('held', { ownerReferences: [refTo(owner)], finalizers: [HOLD] });
    await ok('delete', 'task', 'owner');
    const held = await waitFor('dependent marked deleted', async () => {
      const t = await tasks.get('held', ns);
      return t.metadata.deletionTimestamp ? t : undefined;
    });
    expect(held.metadata.finalizers).to.deep.equal([HOLD]);
    await release('held');
    await waitFor('dependent gone', async () => !(await exists('held')));
  });

  it('kubectl delete --cascade=orphan leaves the dependents ownerless', async () => {
    const owner = await task('owner');
    const other = await task('other');
    await task('d1', { ownerReferences: [refTo(owner)] });
    await task('d2', { ownerReferences: [refTo(owner), refTo(other, { controller: false })] });
    await ok('delete', 'task', 'owner', '--cascade=orphan');
    expect(await exists('owner')).to.equal(false);
    expect((await tasks.get('d1', ns)).metadata.ownerReferences).to.equal(undefined);
    expect((await tasks.get('d2', ns)).metadata.ownerReferences?.map((r) => r.uid)).to.deep.equal([other.metadata.uid]);
    // The collector, acting later, must not take them either.
    await new Promise((r) => setTimeout(r, 2500));
    expect(await exists('d1')).to.equal(true);
  });

  it('kubectl delete --cascade=foreground keeps the owner, marked, until its blocking dependents are gone', async () => {
    const owner = await task('owner');
    await task('d1', { ownerReferences: [refTo(owner)], finalizers: [HOLD] });
    await task('d2', { ownerReferences: [refTo(owner)] });
    await ok('delete', 'task', 'owner', '--cascade=foreground', '--wait=false');
    await waitFor('d2 collected and d1 marked', async () => !(await exists('d2')) && !!(await tasks.get('d1', ns)).metadata.deletionTimestamp);
    const o = await tasks.get('owner', ns);
    expect(o.metadata.deletionTimestamp).to.be.a('string');
    expect(o.metadata.finalizers).to.deep.equal(['foregroundDeletion']);
    await release('d1');
    await waitFor('owner gone after its last dependent', async () => !(await exists('owner')));
    expect(await exists('d1')).to.equal(false);
  });

  it('foreground deletion goes down the ownership chain (dependents of dependents first)', async () => {
    const owner = await task('owner');
    const mid = await task('mid', { ownerReferences: [refTo(owner)] });
    await task('leaf', { ownerReferences: [refTo(mid)], finalizers: [HOLD] });
    await ok('delete', 'task', 'owner', '--cascade=foreground', '--wait=false');
    await waitFor('mid deleting its dependents in the foreground', async () => (await tasks.get('mid', ns)).metadata.finalizers?.includes('foregroundDeletion'));
    expect(await exists('owner')).to.equal(true);
    await release('leaf');
    await waitFor('the whole chain gone', async () => !(await exists('owner')) && !(await exists('mid')) && !(await exists('leaf')));
  });

  it('a second DELETE with --cascade=orphan turns a held foreground deletion into an orphaning one', async () => {
    const owner = await task('owner');
    await task('d1', { ownerReferences: [refTo(owner, { blockOwnerDeletion: false })], finalizers: [HOLD] });
    await task('blocker', { ownerReferences: [refTo(owner)], finalizers: [HOLD] });
    // The blocker holds the owner; d1 is only marked (its own finalizer) in the meantime.
    await ok('delete', 'task', 'owner', '--cascade=foreground', '--wait=false');
    await waitFor('owner waiting for the blocker', async () => !!(await tasks.get('blocker', ns)).metadata.deletionTimestamp);
    await ok('delete', 'task', 'owner', '--cascade=orphan', '--wait=false');
    await waitFor('owner gone once orphaning is done', async () => !(await exists('owner')));
    expect((await tasks.get('blocker', ns)).metadata.ownerReferences).to.equal(undefined);
    await release('d1');
    await release('blocker');
  });

  it('a dependent whose owner reference names an existing object but another uid is collected', async () => {
    const owner = await task('owner');
    await task('stale', { ownerReferences: [refTo(owner, { uid: '00000000-0000-0000-0000-000000000000' })] });
    await task('true', { ownerReferences: [refTo(owner)] });
    await waitFor('stale dependent collected', async () => !(await exists('stale')));
    expect(await exists('owner')).to.equal(true);
    expect(await exists('true')).to.equal(true);
  });

  it('a dependent with one gone owner and one live owner only loses the gone reference', async () => {
    const a = await task('a');
    const b = await task('b');
    await task('shared', { ownerReferences: [refTo(a), refTo(b, { controller: false })] });
    await ok('delete', 'task', 'a');
    await waitFor('reference to a removed', async () => {
      const refs = (await tasks.get('shared', ns)).metadata.ownerReferences ?? [];
      return refs.length === 1 && refs[0].uid === b.metadata.uid;
    });
  });

  it('a cluster-scoped owner (a Node) owns namespaced Tasks', async () => {
    const nodes = new ResourceClient<Node>(cluster.kc, NODES);
    const node = await nodes.create(nodeObject(uniqueName('gc-owner'), 'unix:///nonexistent.sock'));
    await task('on-node', { ownerReferences: [refTo(node)] });
    await nodes.delete(node.metadata.name!);
    await waitFor('dependent of the Node collected', async () => !(await exists('on-node')));
  });

  it('a cluster-scoped object naming a namespaced owner is not collected (kube ignores such a reference)', async () => {
    const nodes = new ResourceClient<Node>(cluster.kc, NODES);
    const owner = await task('ns-owner');
    const name = uniqueName('gc-invalid');
    const n = nodeObject(name, 'unix:///nonexistent.sock');
    n.metadata.ownerReferences = [refTo(owner, { uid: '00000000-0000-0000-0000-000000000001' })];
    await nodes.create(n);
    await new Promise((r) => setTimeout(r, 2500));
    try {
      expect((await nodes.get(name)).metadata.name).to.equal(name);
    } finally {
      await gone(() => nodes.delete(name));
    }
  });

  it('DELETE of a collection honours its propagationPolicy', async () => {
    const owner = await task('owner');
    await task('d1', { ownerReferences: [refTo(owner)] });
    await tasks.patch('d1', { metadata: { labels: { keep: 'no' } } }, ns);
    await tasks.patch('owner', { metadata: { labels: { sel: 'yes' } } }, ns);
    // kubectl deletes selected objects one by one; --raw sends one DELETE of the collection.
    await ok('delete', '--raw', `/apis/okube.dev/v1alpha1/namespaces/${ns}/tasks?labelSelector=sel%3Dyes&propagationPolicy=Orphan`);
    await waitFor('owner gone once orphaning is done', async () => !(await exists('owner')));
    expect((await tasks.get('d1', ns)).metadata.ownerReferences).to.equal(undefined);
  });
});

describe('garbage collector across an API server kill -9 (real etcd)', function () {
  this.timeout(600_000);
  let cluster: TestCluster;
  let child: ChildProcess | undefined;

  const kill9 = async (c: ChildProcess) => {
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };

  // The test's own API server runs no collector; the collector under test is a separate
  // `okube apiserver` on the same etcd, killed and started again.
  const startCollector = async (): Promise<ChildProcess> => {
    const port = await freePort();
    const c = spawn(process.execPath, [okubeBin(), 'apiserver', '--etcd-endpoints', cluster.etcd.endpoints.join(','), '--listen', `127.0.0.1:${port}`, '--data-dir', join(cluster.dir, 'gc-api'), '--log-level', 'info'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-65_536)));
    try {
      await waitFor('okube apiserver listening', async () => /listening on/.test(err) || (c.exitCode !== null ? Promise.reject(new Error(err)) : false), 240_000);
    } catch (e) {
      await kill9(c);
      throw e;
    }
    return c;
  };

  before(async () => {
    cluster = await startCluster({ garbageCollector: false });
  });
  after(async () => {
    if (child) await kill9(child);
    await cluster?.stop();
  });

  it('a foreground cascade started before the kill finishes after the restart', async () => {
    const ns = await newNamespace(cluster);
    const tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    const owner = await tasks.create(taskObject(ns, 'owner', { image: IMAGE }));
    const names = Array.from({ length: 10 }, (_, i) => `d${i}`);
    for (const n of names) {
      const t = taskObject(ns, n, { image: IMAGE });
      t.metadata.ownerReferences = [refTo(owner)];
      t.metadata.finalizers = [HOLD];
      await tasks.create(t);
    }
    child = await startCollector();
    const r = await kubectl(['delete', 'task', 'owner', '-n', ns, '--cascade=foreground', '--wait=false'], { ...process.env, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: join(cluster.dir, 'kcache') });
    expect(r.code, r.stderr).to.equal(0);
    await waitFor('every dependent marked by the collector', async () => (await tasks.list({ namespace: ns })).items.filter((t) => t.metadata.name !== 'owner' && t.metadata.deletionTimestamp).length === names.length);
    await kill9(child);
    child = undefined;
    for (const n of names) await tasks.patch(n, { metadata: { finalizers: null } }, ns);
    await waitFor('dependents gone', async () => (await tasks.list({ namespace: ns })).items.length === 1);
    // No collector runs: the owner stays, waiting.
    await new Promise((res) => setTimeout(res, 1000));
    expect((await tasks.get('owner', ns)).metadata.finalizers).to.deep.equal(['foregroundDeletion']);
    child = await startCollector();
    await waitFor('owner gone once a collector runs again', async () => gone(() => tasks.get('owner', ns)));
  });

  it('a background cascade whose owner went while no collector ran is finished by the next one', async () => {
    const ns = await newNamespace(cluster);
    const tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    if (child) await kill9(child);
    child = undefined;
    const owner = await tasks.create(taskObject(ns, 'owner', { image: IMAGE }));
    for (const n of ['d1', 'd2']) {
      const t = taskObject(ns, n, { image: IMAGE });
      t.metadata.ownerReferences = [refTo(owner)];
      await tasks.create(t);
    }
    await tasks.delete('owner', ns);
    expect((await tasks.list({ namespace: ns })).items).to.have.length(2);
    child = await startCollector();
    await waitFor('orphaned dependents collected', async () => (await tasks.list({ namespace: ns })).items.length === 0);
  });
});

describe('garbage collector with the Task controller and real containers', function () {
  this.timeout(300_000);
  let rig: ControllerRig;
  let tasks: ResourceClient<Task>;
  let ns: string;
  const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
  const kc = (...args: string[]) => kubectl([...args, '-n', ns], { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: join(rig.cluster.dir, 'kcache') });
  const running = (name: string, ownerReferences?: OwnerReference[]) => {
    const t = taskObject(ns, name, { image: IMAGE, command: ['sleep', '3600'], terminationGracePeriodSeconds: 1 });
    if (ownerReferences) t.metadata.ownerReferences = ownerReferences;
    return tasks.create(t);
  };
  const containerOf = (name: string) => waitFor(`${name} running`, async () => (await tasks.get(name, ns)).status?.containerID);
  const containerGone = async (id: string) => !(await docker.list({})).some((c) => c.id === id);

  before(async () => {
    rig = await startControllers();
    tasks = new ResourceClient<Task>(rig.cluster.kc, TASKS);
  });
  after(async () => {
    await stopControllers(rig);
  });
  beforeEach(async () => {
    ns = await newNamespace(rig.cluster);
  });

  it('kubectl delete --cascade=foreground returns once the dependents’ containers are stopped and removed', async () => {
    const owner = await running('owner');
    await running('d1', [refTo(owner)]);
    await running('d2', [refTo(owner)]);
    const ids = [await containerOf('d1'), await containerOf('d2')];
    const r = await kc('delete', 'task', 'owner', '--cascade=foreground', '--timeout=60s');
    expect(r.code, r.stderr).to.equal(0);
    expect((await tasks.list({ namespace: ns })).items).to.have.length(0);
    for (const id of ids) expect(await containerGone(id), `container ${id} removed`).to.equal(true);
  });

  it('kubectl delete --cascade=orphan leaves the dependents running, ownerless', async () => {
    const owner = await running('owner');
    await running('d1', [refTo(owner)]);
    const id = await containerOf('d1');
    const r = await kc('delete', 'task', 'owner', '--cascade=orphan', '--timeout=60s');
    expect(r.code, r.stderr).to.equal(0);
    const d1 = await tasks.get('d1', ns);
    expect(d1.metadata.ownerReferences).to.equal(undefined);
    expect(d1.metadata.deletionTimestamp).to.equal(undefined);
    expect(d1.status?.containerID).to.equal(id);
    expect(await containerGone(id)).to.equal(false);
  });
});
