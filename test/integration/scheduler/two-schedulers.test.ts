import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import type { Node, Task } from '../../../src/api/types.js';
import { EventRecorder } from '../../../src/client/events.js';
import { Informer } from '../../../src/client/informer.js';
import { NODES, ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { AllocationCache } from '../../../src/controllers/scheduler/allocation-cache.js';
import { Scheduler } from '../../../src/controllers/scheduler/scheduler.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace } from '../../support/controllers.js';
import { taskObject, waitFor } from '../../support/tasks.js';

// Two scheduler replicas (each with its own informers and allocation cache, as two processes
// would have) racing over the same unbound Tasks against the real API server: the binding is a
// patch guarded by resourceVersion, so every Task is bound exactly once.

describe('two schedulers racing for the same Tasks', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  const stops: Array<() => Promise<void> | void> = [];

  before(async () => (cluster = await startCluster()));
  after(async () => {
    for (const s of stops.reverse()) await s();
    await cluster?.stop();
  });

  // The replicas' first bindings meet at a gate: a replica's binding patch for a Task waits (up
  // to GATE_MS) until the other replica wants to bind the same Task, then both go to the API
  // server together, so the race the test is about happens for sure rather than by luck of
  // timing. The API server alone decides who wins.
  const GATE_MS = 500;
  const GATED_PATCHES = 5;
  const gates = new Map<string, { arrived: number; open: () => void; opened: Promise<void> }>();
  function gate(task: string): Promise<void> {
    let g = gates.get(task);
    if (!g) {
      let open!: () => void;
      const opened = new Promise<void>((r) => (open = r));
      g = { arrived: 0, open, opened };
      gates.set(task, g);
      setTimeout(open, GATE_MS);
    }
    if (++g.arrived === 2) g.open();
    return g.opened;
  }

  function replica(name: string) {
    const kc = cluster.kc;
    const conflicts: string[] = [];
    const won: string[] = [];
    const tasks = new ResourceClient<Task>(kc, TASKS);
    const counting = Object.create(tasks) as ResourceClient<Task>;
    let patches = 0;
    counting.patch = async (...args: Parameters<ResourceClient<Task>['patch']>) => {
      if (patches++ < GATED_PATCHES) await gate(args[0]);
      try {
        const bound = await tasks.patch(...args);
        won.push(args[0]);
        return bound;
      } catch (err) {
        if (isOkubeError(err, 'Conflict')) conflicts.push(args[0]);
        throw err;
      }
    };
    const nodes = new ResourceClient<Node>(kc, NODES);
    const taskInformer = new Informer<Task>({ kc, name: `${name}-tasks`, path: tasks.collectionPath(), list: (o) => tasks.list(o), resyncMs: 0 });
    const nodeInformer = new Informer<Node>({ kc, name: `${name}-nodes`, path: nodes.collectionPath(), list: (o) => nodes.list(o), resyncMs: 0 });
    const scheduler = new Scheduler({ tasks: counting, taskInformer, nodeInformer, cache: new AllocationCache(), events: new EventRecorder(kc, name), retryMs: 2000 });
    taskInformer.events$.subscribe((e) => scheduler.onTaskEvent(e));
    nodeInformer.events$.subscribe((e) => scheduler.onNodeEvent(e));
    return {
      conflicts,
      won,
      async start() {
        nodeInformer.start();
        taskInformer.start();
        await Promise.all([nodeInformer.waitForSync(), taskInformer.waitForSync()]);
        scheduler.start();
        stops.push(async () => {
          await scheduler.stop();
          taskInformer.stop();
          nodeInformer.stop();
        });
      },
    };
  }

  it('binds each of 40 Tasks exactly once, the losing replica getting a Conflict', async () => {
    const nodes = new ResourceClient<Node>(cluster.kc, NODES);
    const tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    for (const n of ['race-a', 'race-b']) {
      const created = await nodes.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: n }, spec: { dockerHost: 'tcp://nowhere.invalid:2375' } });
      // Status as a node controller would write it (no engine behind these Nodes).
      await nodes.replaceStatus({ ...created, status: { allocatable: { cpu: '4', memory: '8Gi', tasks: 110 }, conditions: [{ type: 'Ready', status: 'True', reason: 'EngineReachable', message: 'test', lastTransitionTime: new Date().toISOString() }] } });
    }
    const ns = await newNamespace(cluster);
    await Promise.all(Array.from({ length: 40 }, (_, i) => tasks.create(taskObject(ns, `r${i}`, { image: 'x', resources: { requests: { cpu: '100m' } } }))));
    const one = replica('scheduler-1');
    const two = replica('scheduler-2');
    await Promise.all([one.start(), two.start()]);
    const bound = await waitFor('all bound', async () => {
      const items = (await tasks.list({ namespace: ns })).items;
      return items.every((t) => t.spec.nodeName) ? items : undefined;
    }, 60_000, 100);
    // Let any late binding attempt land (or fail) before counting.
    await new Promise((r) => setTimeout(r, 1000));
    const events = (await cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns })).items.filter((e) => e.reason === 'Scheduled');
    const perTask = new Map<string, number>();
    for (const e of events) perTask.set(e.involvedObject.name!, (perTask.get(e.involvedObject.name!) ?? 0) + 1);
    console.log(`      40 Tasks bound; conflicts: replica 1 ${one.conflicts.length}, replica 2 ${two.conflicts.length}; per Node: ${['race-a', 'race-b'].map((n) => bound.filter((t) => t.spec.nodeName === n).length).join(' / ')}`);
    expect(perTask.size).to.equal(40);
    expect([...perTask.values()].every((n) => n === 1)).to.equal(true);
    // Both replicas went for the same Tasks: the loser of each such race got a Conflict, on a
    // Task the other replica bound, and every Task was bound by exactly one replica.
    expect(one.conflicts.length + two.conflicts.length, 'Conflicts answered to the losing replica').to.be.at.least(1);
    for (const t of one.conflicts) expect(two.won, `${t}: replica 1 lost it, so replica 2 bound it`).to.include(t);
    for (const t of two.conflicts) expect(one.won, `${t}: replica 2 lost it, so replica 1 bound it`).to.include(t);
    expect([...one.won, ...two.won].sort()).to.deep.equal(bound.map((t) => t.metadata.name!).sort());
    const again = (await tasks.list({ namespace: ns })).items;
    for (const t of again) expect(t.spec.nodeName).to.equal(bound.find((b) => b.metadata.name === t.metadata.name)!.spec.nodeName);
  });
});
