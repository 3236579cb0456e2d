import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS } from '../../src/api/types.js';
import { ControllerManager, type ManagerOptions } from '../../src/controllers/manager.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import { startCluster, type ClusterApiOptions, type TestCluster } from './cluster.js';
import { testEnv, uniqueName } from './env.js';
import { nodeObject } from './tasks.js';
import { waitFor } from './wait.js';

// The controllers in-process against a real control plane and the test Docker engine, with one
// Node of their own.

export interface ControllerRig {
  cluster: TestCluster;
  manager: ControllerManager;
  nodeName: string;
}

/** `nodeName`: the Node's name (default: a unique one), e.g. the same as another rig's on the same engine; `api`: the API server's options. */
export async function startControllers(opts: Omit<ManagerOptions, 'kc'> & { nodeName?: string; api?: ClusterApiOptions } = {}): Promise<ControllerRig> {
  const { nodeName = uniqueName('node'), api, ...managerOpts } = opts;
  const cluster = await startCluster(api);
  const manager = new ControllerManager({ kc: cluster.kc, nodePeriodMs: 500, ...managerOpts });
  await manager.nodes.create(nodeObject(nodeName, testEnv().dockerHost));
  await manager.start();
  await waitFor('node Ready', async () => manager.registry.get(nodeName)?.ready);
  return { cluster, manager, nodeName };
}

/** Stops everything, including whatever containers a failed test left on the rig's Node. */
export async function stopControllers(rig: ControllerRig | undefined): Promise<void> {
  if (!rig) return;
  await rig.manager.stop();
  const docker = new DockerRuntime({ dockerHost: testEnv().dockerHost });
  for (const c of await docker.list({ [LABELS.node]: rig.nodeName })) await docker.remove(c.id);
  await rig.cluster.stop();
}

/** A fresh namespace, so tests never see each other's objects. */
export async function newNamespace(cluster: TestCluster): Promise<string> {
  const ns = uniqueName('ns');
  await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
  return ns;
}
