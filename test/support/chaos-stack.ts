import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Node, type Task, type TaskSpec } from '../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { chaosEngine, removeContainers, restoreEngine, type ChaosEngine } from './chaos-engine.js';
import { startCluster, type TestCluster } from './cluster.js';
import { kill9, spawnControllers, type ControllerProcess } from './controller-process.js';
import { testEnv, uniqueName } from './env.js';
import type { InvariantOptions } from './invariants.js';
import { nodeObject, taskObject } from './tasks.js';
import { waitFor } from './wait.js';

// An `okube up`-like stack for the chaos tests: its own etcd child and API server
// (startCluster), `okube controllers` as a child process, and one Node on the chaos Docker engine.
// stop() puts everything back, the engine included, whatever state a failed test left.

export interface ChaosStack {
  cluster: TestCluster;
  tasks: ResourceClient<Task>;
  nodes: ResourceClient<Node>;
  engine: ChaosEngine;
  nodeName: string;
  namespace: string;
  controllers?: ControllerProcess;
  /** Names whose create the API answered 2xx. */
  acknowledged: Set<string>;
  deleted: Set<string>;
  startControllers(): Promise<ControllerProcess>;
  killControllers(): Promise<void>;
  /** Creates a Task and records it as acknowledged when the API says so. */
  createTask(name: string, spec?: Partial<TaskSpec>): Promise<Task>;
  invariants(extra?: Partial<InvariantOptions>): InvariantOptions;
  stop(): Promise<void>;
}

/** A sleeping Task with the short backoff the chaos tests use. */
export function sleeperSpec(): Partial<TaskSpec> & { image: string } {
  return {
    image: testEnv().image,
    command: ['sh', '-c', 'sleep 3600'],
    terminationGracePeriodSeconds: 1,
    backoff: { initialDelaySeconds: 1, maxDelaySeconds: 4 },
  };
}

export interface ChaosStackOptions {
  /** Extra flags for `okube controllers` (e.g. a shorter --node-grace-period). */
  controllerArgs?: string[];
}

export async function startChaosStack(opts: ChaosStackOptions = {}): Promise<ChaosStack> {
  const engine = chaosEngine();
  await restoreEngine(engine);
  // The engine is reserved for the chaos tests: whatever an earlier, interrupted run left goes.
  await removeContainers(engine, { [LABELS.managed]: 'true' });
  const cluster = await startCluster();
  const tasks = new ResourceClient<Task>(cluster.kc, TASKS);
  const nodes = new ResourceClient<Node>(cluster.kc, NODES);
  const nodeName = uniqueName('chaos-node');
  const namespace = uniqueName('chaos');
  await nodes.create(nodeObject(nodeName, engine.dockerHost, engine.address));
  await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });

  const stack: ChaosStack = {
    cluster,
    tasks,
    nodes,
    engine,
    nodeName,
    namespace,
    acknowledged: new Set(),
    deleted: new Set(),
    async startControllers() {
      await stack.killControllers();
      stack.controllers = spawnControllers(cluster.kubeconfigPath, { args: opts.controllerArgs });
      return stack.controllers;
    },
    async killControllers() {
      await kill9(stack.controllers);
      stack.controllers = undefined;
    },
    async createTask(name, spec = {}) {
      const t = await tasks.create(taskObject(namespace, name, { ...sleeperSpec(), ...spec }));
      stack.acknowledged.add(name);
      return t;
    },
    invariants(extra = {}) {
      return {
        tasks,
        namespace,
        nodes: [{ name: nodeName, runtime: engine.runtime }],
        acknowledged: stack.acknowledged,
        deleted: stack.deleted,
        ...extra,
      };
    },
    async stop() {
      await stack.killControllers();
      await restoreEngine(engine).catch((err) => console.error(`      could not restore the chaos engine: ${(err as Error).message}`));
      await removeContainers(engine, { [LABELS.node]: nodeName }).catch(() => undefined);
      await cluster.stop();
    },
  };
  return stack;
}

/** A stack whose controllers run and whose Node is Ready: where every scenario starts. */
export async function startRunningChaosStack(opts: ChaosStackOptions = {}): Promise<ChaosStack> {
  const stack = await startChaosStack(opts);
  await (await stack.startControllers()).running;
  await waitNodeReady(stack);
  return stack;
}

/** Waits until the stack's Node is Ready in the API (the controllers reached its engine). */
export async function waitNodeReady(stack: ChaosStack, want = true, timeoutMs = 60_000): Promise<void> {
  await waitFor(`node ${want ? 'Ready' : 'NotReady'}`, async () => {
    const n = await stack.nodes.get(stack.nodeName);
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    return ready === want;
  }, timeoutMs, 200);
}
