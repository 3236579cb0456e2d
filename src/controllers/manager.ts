import { nodeEventWakesController } from './node/node-events.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ControllerRevision, EndpointSlice, Node, Task, TaskService, TaskSet } from '../api/types.js';
import { EventRecorder, type EventSink } from '../client/events.js';
import { EventQueue } from '../client/event-queue.js';
import { Informer } from '../client/informer.js';
import { withIdentity } from '../client/kubeconfig.js';
import { CONTROLLERREVISIONS, ENDPOINTSLICES, NODES, ResourceClient, TASKS, TASKSERVICES, TASKSETS, objectKey, splitKey } from '../client/resource-client.js';
import { RECONNECTED, type RuntimeEvent } from '../runtime/runtime.js';
import { errorMessage } from '../util/errors.js';
import { loggerFor } from '../util/logger.js';
import { Controller } from './controller.js';
import { ClaimProtection } from './task/claim-protection.js';
import { NodeReconciler } from './node/node-controller.js';
import { NodeRegistry, dockerRuntimeFor, type RuntimeFactory } from './node/node-registry.js';
import { TaskReconciler, type ProbeSupervisor } from './task/reconciler.js';
import { ContainerRelister } from './task/relister.js';
import { taskKeyOfLabels } from './task/relist.js';
import { AllocationCache } from './scheduler/allocation-cache.js';
import { Scheduler } from './scheduler/scheduler.js';
import { LeaseHeartbeats } from './node/node-lease.js';
import { TaskEvictor } from './node/task-evictor.js';
import { SecretTls } from './node/tls-secret.js';
import { ProbeManager, type ProbeMetrics } from '../probes/probe-manager.js';
import { probeResultMetrics } from '../metrics/controllers.js';
import { Expectations } from './taskset/expectations.js';
import { TaskSetReconciler, taskSetKeyOf } from './taskset/reconciler.js';
import { RevisionHistory, taskSetKeysOfRevision } from './taskset/revision-history.js';
import { selectorMatches } from './taskset/selector.js';
import { EndpointsReconciler, serviceKeyOfSlice } from './endpoints/reconciler.js';
import { endpointsDraining, taskUidsOfSlice } from './endpoints/drain-gate.js';
import { ClaimBinder, ConfigInformers } from './task/config-informers.js';
import { refKey, refsOf } from './task/config-source.js';
import { claimNames } from './task/volumes.js';
import { CLUSTER_NAMESPACE, ofThisCluster } from './cluster-scope.js';
import type { TrafficGate } from './task/traffic-gate.js';
import { engineAnswers } from '../runtime/engine-answers.js';

// All of okube's controllers in one process: shared informers, one Runtime per Node, and the
// wiring of watch events and Docker events into the work queues.

export interface ManagerOptions {
  kc: KubeConfig;
  runtimeFor?: RuntimeFactory;
  /** Replaces the built-in prober (tests). */
  probes?: ProbeSupervisor;
  probeMetrics?: ProbeMetrics;
  workers?: number;
  resyncMs?: number;
  nodePeriodMs?: number;
  /** How often each Node's okube containers are relisted for changes the events stream missed (task/relister.ts; 0: never). */
  taskRelistPeriodMs?: number;
  /** How long a container whose Task is gone is left alone before removal (default 60 s). */
  orphanGraceMs?: number;
  /** How long a Node's engine may stay silent before the Node is not Ready (default 40 s). */
  nodeGracePeriodMs?: number;
  /** Eviction timeout for Tasks without spec.evictionTimeoutSeconds (default 300 s). */
  evictionTimeoutMs?: number;
  /** Rewrite an unchanged Node status this often (default 5 min; the Lease is the frequent heartbeat). */
  nodeStatusReportMs?: number;
  /** Read each Node's usage figures this often (default 30 s; 0: never). */
  nodeUsagePeriodMs?: number;
  /** Usage stats calls per second across all Nodes (default 20; 0: no budget); the period stretches past it. */
  nodeUsageStatsPerSecond?: number;
  /** Heartbeat Nodes through Leases in okube-node-lease (default true). */
  nodeLeases?: boolean;
  /** Safety-net retry of unschedulable Tasks (default 60 s; Node and capacity changes retry at once). */
  schedulerRetryMs?: number;
  events?: EventSink;
  /** Events of the TaskSet controller (default: `events`, else its own recorder as okube-taskset-controller). */
  taskSetEvents?: EventSink;
  taskSetWorkers?: number;
  endpointsWorkers?: number;
  /** How long a deleted Task's container waits for its endpoints to turn not ready before SIGTERM (default 10 s). */
  endpointDrainTimeoutMs?: number;
  /** Stops traffic to a Task before its Ready=False write (standalone: the HAProxy data plane; task/traffic-gate.ts). */
  trafficGate?: TrafficGate;
}

const log = loggerFor('manager');

export class ControllerManager {
  readonly tasks: ResourceClient<Task>;
  readonly nodes: ResourceClient<Node>;
  readonly taskInformer: Informer<Task>;
  readonly nodeInformer: Informer<Node>;
  readonly taskSets: ResourceClient<TaskSet>;
  readonly taskSetInformer: Informer<TaskSet>;
  readonly taskSetController: Controller;
  readonly taskSetExpectations = new Expectations();
  readonly registry: NodeRegistry;
  readonly taskController: Controller;
  private readonly relister: ContainerRelister;
  readonly nodeController: Controller;
  readonly scheduler: Scheduler;
  /** What each Node has given out (the scheduler's and the node controller's view). */
  readonly allocations = new AllocationCache();
  readonly probeManager: ProbeManager;
  readonly taskReconciler: TaskReconciler;
  readonly taskSetReconciler: TaskSetReconciler;
  /** The TaskSets' template history (apps/v1 ControllerRevisions). */
  readonly revisionInformer: Informer<ControllerRevision>;
  readonly taskServiceInformer: Informer<TaskService>;
  readonly endpointSliceInformer: Informer<EndpointSlice>;
  readonly endpointsReconciler: EndpointsReconciler;
  readonly endpointsController: Controller;
  /** The okube.dev/pvc-protection finalizer of claims (task/claim-protection.ts). */
  readonly claimProtectionController: Controller;
  /** Secrets, ConfigMaps and claims the Task controller reads (env references, volumes). */
  readonly configInformers: ConfigInformers;
  private readonly subscriptions: Array<{ unsubscribe(): void }> = [];
  /** The Event queues this manager made (not those passed in): flushed on stop. */
  private readonly eventQueues: EventQueue[] = [];
  private readonly core: CoreV1Api;
  private stopping = false;

  constructor(opts: ManagerOptions) {
    // Each controller writes under its own field manager and User-Agent, so managedFields and the
    // API server's logs say which one set what.
    const as = (component: string, fieldManager: string) => withIdentity(opts.kc, { program: 'okube-controllers', component, fieldManager });
    const kc = as('manager', 'okube-controllers');
    this.core = kc.makeApiClient(CoreV1Api);
    const schedulerKc = as('scheduler', 'okube-scheduler');
    const taskKc = as('task', 'okube-task-controller');
    const nodeKc = as('node', 'okube-node-controller');
    const taskSetKc = as('taskset', 'okube-taskset-controller');
    this.tasks = new ResourceClient<Task>(kc, TASKS);
    this.nodes = new ResourceClient<Node>(kc, NODES);
    const resyncMs = opts.resyncMs ?? 60_000;
    // No resync of the Tasks: none of their consumers needs the cache handed out again (the Task
    // controller has its relist, the scheduler its own retry timer, TaskSets and TaskServices
    // their informers' resyncs), and at 10,000 Tasks each one was a second of CPU.
    this.taskInformer = new Informer<Task>({ kc, name: 'tasks', path: this.tasks.collectionPath(), list: (o) => this.tasks.list(o), resyncMs: 0 });
    this.nodeInformer = new Informer<Node>({ kc, name: 'nodes', path: this.nodes.collectionPath(), list: (o) => this.nodes.list(o), resyncMs });
    this.taskInformer.addIndex('node', (t) => (t.spec.nodeName ? [t.spec.nodeName] : []));
    this.taskInformer.addIndex('uid', (t) => [t.metadata.uid!]);
    this.taskInformer.addIndex('namespace', (t) => [t.metadata.namespace!]);
    // The Secrets, ConfigMaps and claims a Task names: a change to one requeues exactly those Tasks.
    this.taskInformer.addIndex('configRef', (t) => [...refsOf(t), ...claimNames(t).map((c) => refKey('PersistentVolumeClaim', t.metadata.namespace!, c))]);
    this.configInformers = new ConfigInformers(kc, resyncMs);
    this.taskSets = new ResourceClient<TaskSet>(kc, TASKSETS);
    this.taskSetInformer = new Informer<TaskSet>({ kc, name: 'tasksets', path: this.taskSets.collectionPath(), list: (o) => this.taskSets.list(o), resyncMs });
    this.taskSetInformer.addIndex('namespace', (t) => [t.metadata.namespace!]);

    this.registry = new NodeRegistry(opts.runtimeFor ?? dockerRuntimeFor, (node, ev) => this.onContainerEvent(node, ev));
    const events = opts.events ?? this.eventQueue(kc, 'okube-controllers');
    // A probe verdict (ready flips, restart wanted) reconciles the Task at once.
    this.probeManager = new ProbeManager((key) => this.taskController.enqueue(key), opts.probeMetrics ?? probeResultMetrics);
    const probes: ProbeSupervisor = opts.probes ?? {
      ensure: (key, task, containerId, node, ports, initial) =>
        this.probeManager.ensure(key, task, containerId, { address: node.address, ports, exec: (cmd, ms) => node.runtime.exec(containerId, cmd, ms), engineAnswers: (ms) => engineAnswers(node.runtime, ms) }, initial),
      stop: (key) => this.probeManager.stop(key),
      view: (key) => this.probeManager.view(key),
    };
    const evictor = new TaskEvictor(new ResourceClient<Task>(nodeKc, TASKS), events);
    const schedulerClaims = new ClaimBinder(schedulerKc);
    this.scheduler = new Scheduler({
      tasks: new ResourceClient<Task>(schedulerKc, TASKS),
      taskInformer: this.taskInformer,
      nodeInformer: this.nodeInformer,
      cache: this.allocations,
      events,
      retryMs: opts.schedulerRetryMs,
      claims: this.configInformers.claimSource,
      bindClaim: (ns, name, node) => schedulerClaims.bind(ns, name, node),
    });
    // A stop or pull handed to the engine brings its Task back when it ends (after a delay if it failed).
    const requeue = (key: string, delayMs: number) => this.taskController.queue.addAfter(key, delayMs);
    const endpointsDrainingOf = (task: Task, now: Date) => endpointsDraining(task, this.endpointSliceInformer.byIndex('task', task.metadata.uid!), now, opts.endpointDrainTimeoutMs);
    const taskClaims = new ClaimBinder(taskKc);
    this.taskReconciler = new TaskReconciler({ tasks: new ResourceClient<Task>(taskKc, TASKS), informer: this.taskInformer, registry: this.registry, events, probes, evictor, requeue, endpointsDraining: endpointsDrainingOf,
      config: this.configInformers.source,
      claims: this.configInformers.claimSource,
      bindClaim: (ns, name, node) => taskClaims.bind(ns, name, node),
      nodeSpec: (name) => this.nodeInformer.get(name)?.spec,
      nodeReadyCondition: (name) => this.nodeInformer.get(name)?.status?.conditions?.find((c) => c.type === 'Ready'),
      trafficGate: opts.trafficGate,
    });
    const taskReconciler = this.taskReconciler;
    const nodeReconciler = new NodeReconciler({
      nodes: new ResourceClient<Node>(nodeKc, NODES),
      informer: this.nodeInformer,
      registry: this.registry,
      allocated: (node) => {
        const s = this.allocations.sums(node).requested;
        return { milliCpu: s.milliCpu, memory: s.memory, tasks: s.tasks };
      },
      tasksOn: (node) => this.taskInformer.byIndex('node', node),
      taskByUid: (uid) => this.taskInformer.byIndex('uid', uid)[0],
      evictor,
      leases: opts.nodeLeases === false ? undefined : new LeaseHeartbeats(nodeKc),
      secrets: new SecretTls(nodeKc),
      orphanGraceMs: opts.orphanGraceMs,
      gracePeriodMs: opts.nodeGracePeriodMs,
      evictionTimeoutMs: opts.evictionTimeoutMs,
      statusReportMs: opts.nodeStatusReportMs,
      usagePeriodMs: opts.nodeUsagePeriodMs,
      usageStatsPerSecond: opts.nodeUsageStatsPerSecond,
      onReadyChange: (node) => {
        for (const t of this.taskInformer.byIndex('node', node)) this.taskController.enqueue(objectKey(t));
      },
      periodMs: opts.nodePeriodMs,
    });
    this.taskController = new Controller('task', (k) => taskReconciler.reconcile(k), { workers: opts.workers ?? 8 });
    this.relister = new ContainerRelister({ nodes: () => this.registry.all(), enqueue: (k) => this.taskController.enqueue(k), periodMs: opts.taskRelistPeriodMs });
    this.nodeController = new Controller('node', (k) => nodeReconciler.reconcile(k), { workers: 2 });
    const revisions = new ResourceClient<ControllerRevision>(taskSetKc, CONTROLLERREVISIONS);
    const revisionReader = new ResourceClient<ControllerRevision>(kc, CONTROLLERREVISIONS);
    this.revisionInformer = new Informer<ControllerRevision>({ kc, name: 'controllerrevisions', path: revisionReader.collectionPath(), list: (o) => revisionReader.list(o), resyncMs });
    this.revisionInformer.addIndex('namespace', (r) => [r.metadata.namespace!]);
    this.taskSetReconciler = new TaskSetReconciler({
      taskSets: new ResourceClient<TaskSet>(taskSetKc, TASKSETS),
      tasks: new ResourceClient<Task>(taskSetKc, TASKS),
      taskSetInformer: this.taskSetInformer,
      taskInformer: this.taskInformer,
      events: opts.taskSetEvents ?? (opts.events ? opts.events : this.eventQueue(taskSetKc, 'okube-taskset-controller')),
      expectations: this.taskSetExpectations,
      history: new RevisionHistory({ revisions, informer: this.revisionInformer }),
    });
    const taskSetReconciler = this.taskSetReconciler;
    this.taskSetController = new Controller('taskset', (k) => taskSetReconciler.reconcile(k), { workers: opts.taskSetWorkers ?? 4 });

    const endpointsKc = as('endpoints', 'okube-endpointslice-controller');
    const services = new ResourceClient<TaskService>(endpointsKc, TASKSERVICES);
    const slices = new ResourceClient<EndpointSlice>(endpointsKc, ENDPOINTSLICES);
    this.taskServiceInformer = new Informer<TaskService>({ kc, name: 'taskservices', path: services.collectionPath(), list: (o) => services.list(o), resyncMs });
    this.taskServiceInformer.addIndex('namespace', (s) => [s.metadata.namespace!]);
    this.endpointSliceInformer = new Informer<EndpointSlice>({ kc, name: 'endpointslices', path: slices.collectionPath(), list: (o) => slices.list(o), resyncMs });
    this.endpointSliceInformer.addIndex('service', serviceKeyOfSlice);
    this.endpointSliceInformer.addIndex('task', taskUidsOfSlice);
    this.endpointsReconciler = new EndpointsReconciler({ services, slices, serviceInformer: this.taskServiceInformer, taskInformer: this.taskInformer, sliceInformer: this.endpointSliceInformer, taskByUid: (uid) => this.taskInformer.byIndex('uid', uid)[0] });
    const endpointsReconciler = this.endpointsReconciler;
    this.endpointsController = new Controller('endpoints', (k) => endpointsReconciler.reconcile(k), { workers: opts.endpointsWorkers ?? 2 });
    const claimProtection = new ClaimProtection(taskKc, this.configInformers.claims, (key) => {
      const { namespace, name } = splitKey(key);
      return this.taskInformer.byIndex('configRef', refKey('PersistentVolumeClaim', namespace ?? '', name));
    });
    this.claimProtectionController = new Controller('claim-protection', (k) => claimProtection.reconcile(k), { workers: 1 });
  }

  /** Events written off the reconciles' path (client/event-queue.ts). */
  private eventQueue(kc: KubeConfig, component: string): EventQueue {
    const q = new EventQueue(new EventRecorder(kc, component), { component });
    this.eventQueues.push(q);
    return q;
  }

  /** A Task changed: wake the TaskServices that select it now or selected it before. */
  private onTaskForServices(e: { object: Task; old?: Task }): void {
    const keys = new Set(this.endpointsReconciler.keysForTask(e.object));
    if (e.old) for (const k of this.endpointsReconciler.keysForTask(e.old)) keys.add(k);
    for (const k of keys) this.endpointsController.enqueue(k);
  }

  /** A Task changed: meet the expectations of the TaskSet controlling it, and wake the TaskSets it concerns. */
  private onTaskForTaskSets(e: { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'RESYNC'; object: Task; old?: Task }): void {
    const owner = taskSetKeyOf(e.object);
    if (owner) this.taskSetExpectations.observe(owner, e.type, e.object);
    const selects = (ts: TaskSet, t: Task) => selectorMatches(ts.spec.selector, t.metadata.labels);
    const keys = new Set(this.taskSetReconciler.keysFor(e.object, selects));
    // A relabelled or released Task also concerns the TaskSet it belonged to.
    if (e.old) for (const k of this.taskSetReconciler.keysFor(e.old, selects)) keys.add(k);
    for (const k of keys) this.taskSetController.enqueue(k);
  }

  private onContainerEvent(node: string, ev: RuntimeEvent): void {
    if (ev.action === RECONNECTED) {
      // The engine is back (the stream was lost, not idle): what failed against it meanwhile is
      // retried now, not when its backoff — grown with every failure of the outage — runs out.
      for (const t of this.taskInformer.byIndex('node', node)) {
        const key = objectKey(t);
        if (this.taskController.failing(key)) this.taskController.enqueue(key);
      }
      return void this.relister.relistNode(node);
    }
    // Another cluster's container on a shared engine (cluster-scope.ts).
    if (!ofThisCluster(ev.labels, this.registry.cluster)) return;
    this.relister.observe(node, ev);
    if (!['start', 'die', 'destroy', 'oom', 'stop', 'kill'].includes(ev.action)) return;
    // The start this controller made itself: the reconcile that made it has looked already.
    if (ev.action === 'start' && this.taskReconciler.isOwnStart(ev.containerId)) return;
    const key = taskKeyOfLabels(ev.labels);
    if (key) {
      log.debug({ key, node, action: ev.action, exitCode: ev.exitCode }, 'container event');
      this.taskController.enqueue(key);
    }
  }

  async start(): Promise<void> {
    // Before any Node is reconciled: what the controllers make carries it from the first container.
    this.registry.cluster = await this.clusterIdentity();
    if (this.stopping) return;
    this.subscriptions.push(
      this.taskInformer.events$.subscribe((e) => {
        this.scheduler.onTaskEvent(e);
        // Not on a resync: what a Task's reconcile looks at changes by a Task event, a container
        // event, a Node's Ready change, a probe or the relist, each of which enqueues it; a
        // reconcile of every Task each period was most of an idle cluster's CPU.
        // Nor on the echo of its own write (task/echo.ts; with its own starts' events, below, a Task
        // on its way to Running was reconciled twice).
        const key = objectKey(e.object);
        if (e.type !== 'RESYNC' && (e.type !== 'MODIFIED' || this.taskReconciler.needsReconcile(key, e.object))) this.taskController.enqueue(key);
        this.onTaskForTaskSets(e);
        this.onTaskForServices(e);
        // A Task that was placed holds its claims; one that finished, went or dropped a claim from its spec releases them.
        if (e.type !== 'RESYNC') {
          for (const c of new Set([...claimNames(e.object), ...(e.old ? claimNames(e.old) : [])])) this.claimProtectionController.enqueue(`${e.object.metadata.namespace}/${c}`);
        }
      }),
    );
    this.subscriptions.push(this.taskServiceInformer.events$.subscribe((e) => this.endpointsController.enqueue(objectKey(e.object))));
    // A slice changed or deleted by someone else is put back.
    this.subscriptions.push(
      this.endpointSliceInformer.events$.subscribe((e) => {
        serviceKeyOfSlice(e.object).forEach((k) => this.endpointsController.enqueue(k));
        // A deletion waiting for its endpoints goes on as soon as a slice shows them not ready.
        for (const uid of taskUidsOfSlice(e.object)) {
          const t = this.taskInformer.byIndex('uid', uid)[0];
          if (t?.metadata.deletionTimestamp) this.taskController.enqueue(objectKey(t));
        }
      }),
    );
    this.subscriptions.push(this.taskSetInformer.events$.subscribe((e) => this.taskSetController.enqueue(objectKey(e.object))));
    // A revision changed or deleted by someone else is put back (or pruned) by its TaskSet.
    this.subscriptions.push(
      this.revisionInformer.events$.subscribe((e) => {
        if (e.type === 'RESYNC') return;
        for (const key of taskSetKeysOfRevision(e.object, () => this.taskSetInformer.byIndex('namespace', e.object.metadata.namespace!))) this.taskSetController.enqueue(key);
      }),
    );
    const wake = (kind: Parameters<typeof refKey>[0]) => (e: { object: { metadata: { namespace?: string; name?: string } } }) => {
      for (const t of this.taskInformer.byIndex('configRef', refKey(kind, e.object.metadata.namespace ?? '', e.object.metadata.name ?? ''))) this.taskController.enqueue(objectKey(t));
    };
    this.subscriptions.push(this.configInformers.secrets.events$.subscribe(wake('Secret')));
    this.subscriptions.push(this.configInformers.configMaps.events$.subscribe(wake('ConfigMap')));
    this.subscriptions.push(
      this.configInformers.claims.events$.subscribe((e) => {
        wake('PersistentVolumeClaim')(e);
        this.claimProtectionController.enqueue(objectKey(e.object));
        if (e.type !== 'RESYNC') this.scheduler.retryUnschedulable(`claim ${objectKey(e.object)} changed`);
      }),
    );
    this.subscriptions.push(
      this.nodeInformer.events$.subscribe((e) => {
        if (nodeEventWakesController(e)) this.nodeController.enqueue(objectKey(e.object));
        this.scheduler.onNodeEvent(e);
      }),
    );
    this.nodeInformer.start();
    this.taskInformer.start();
    this.taskSetInformer.start();
    this.revisionInformer.start();
    this.taskServiceInformer.start();
    this.endpointSliceInformer.start();
    this.configInformers.start();
    await Promise.all([
      this.configInformers.waitForSync(),
      this.nodeInformer.waitForSync(),
      this.taskInformer.waitForSync(),
      this.taskSetInformer.waitForSync(),
      this.revisionInformer.waitForSync(),
      this.taskServiceInformer.waitForSync(),
      this.endpointSliceInformer.waitForSync(),
    ]);
    this.nodeController.start();
    this.scheduler.start();
    this.taskController.start();
    this.relister.start();
    this.taskSetController.start();
    this.endpointsController.start();
    this.claimProtectionController.start();
    log.info('controllers started');
  }

  /** The cluster's identity (cluster-scope.ts), asked again until the API server gives it. */
  private async clusterIdentity(): Promise<string | undefined> {
    for (let attempt = 0; !this.stopping; attempt++) {
      try {
        const uid = (await this.core.readNamespace({ name: CLUSTER_NAMESPACE })).metadata?.uid;
        if (uid) {
          log.info({ cluster: uid }, 'cluster identity read');
          return uid;
        }
      } catch (err) {
        log.warn({ namespace: CLUSTER_NAMESPACE, err: errorMessage(err) }, 'could not read the cluster identity (the uid of this namespace); retrying');
      }
      await sleep(Math.min(5000, 200 * 2 ** attempt));
    }
    return undefined;
  }

  /** Stops reconciling and releases watches; containers keep running (adopted next start). */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
    await this.relister.stop();
    await Promise.all([this.taskController.stop(), this.nodeController.stop(), this.scheduler.stop(), this.taskSetController.stop(), this.endpointsController.stop(), this.claimProtectionController.stop()]);
    this.probeManager.stopAll();
    // The last reconciles' Events still reach the API server (bounded: a stop must not hang).
    await Promise.all(this.eventQueues.map((q) => q.stop(5000)));
    this.taskInformer.stop();
    this.nodeInformer.stop();
    this.taskSetInformer.stop();
    this.revisionInformer.stop();
    this.taskServiceInformer.stop();
    this.endpointSliceInformer.stop();
    this.configInformers.stop();
    this.registry.close();
  }
}
