import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS, type Task } from '../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../src/client/resource-client.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { startCluster, type TestCluster } from './cluster.js';
import { kill9, spawnControllers, type ControllerProcess } from './controller-process.js';
import { testEnv, uniqueName } from './env.js';
import { nodeObject } from './tasks.js';

// For a describe block that runs `okube controllers` as a child process: a control plane with one
// Node on the test engine (before), a fresh namespace per test (beforeEach), kill -9 of whatever
// child a test left (afterEach), and the Node's containers removed with the control plane (after).

export interface ControllerProcessRig {
  cluster: TestCluster;
  tasks: ResourceClient<Task>;
  nodeName: string;
  ns: string;
  child?: ControllerProcess;
}

/** Registers the hooks; `spawnEach` also starts the controllers before each test and waits until they run. */
export function useControllerProcessRig(opts: { spawnEach?: boolean } = {}): ControllerProcessRig {
  const env = testEnv();
  const rig = {} as ControllerProcessRig;
  before(async () => {
    rig.cluster = await startCluster();
    rig.tasks = new ResourceClient<Task>(rig.cluster.kc, TASKS);
    rig.nodeName = uniqueName('node');
    await new ResourceClient(rig.cluster.kc, NODES).create(nodeObject(rig.nodeName, env.dockerHost));
  });
  after(async () => {
    if (rig.child) await kill9(rig.child);
    const docker = new DockerRuntime({ dockerHost: env.dockerHost });
    // Twice: a create the killed controllers had sent still lands on the engine after they are gone
    // (a pre-created next container was left once, in CI, by a one-pass sweep).
    const sweep = async () => {
      for (const c of await docker.list({ [LABELS.node]: rig.nodeName })) await docker.remove(c.id);
    };
    await sweep();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await sweep();
    await docker.close();
    await rig.cluster?.stop();
  });
  beforeEach(async () => {
    rig.ns = uniqueName('ns');
    await rig.cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: rig.ns } } });
    if (opts.spawnEach) {
      rig.child = spawnControllers(rig.cluster.kubeconfigPath);
      await rig.child.running;
    }
  });
  afterEach(async () => {
    if (rig.child) await kill9(rig.child);
    rig.child = undefined;
  });
  return rig;
}
