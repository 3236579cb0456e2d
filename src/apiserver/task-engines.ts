import type { Node, Task } from '../api/types.js';
import type { DockerRuntime, DockerTls } from '../runtime/docker-runtime.js';
import { nodeTls, type SecretDataReader } from '../runtime/docker-tls.js';
import { notScheduledMessage, taskContainers } from '../runtime/task-containers.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { errorMessage } from '../util/errors.js';
import type { Registry } from './registry.js';
import type { ResourceService } from './resources.js';
import { ApiError, badRequest } from './status.js';

// A Task's Node's Docker engine, reached by the API server with the Node's own credentials (its
// TLS files or Secret), as kube-apiserver reaches a Pod's kubelet: what tasks/log and tasks/exec
// stream from. Failures are Statuses: an unplaced Task is the client's (400), an unreadable Node or
// an unreachable engine the server's (500).

export interface TaskEngine {
  docker: DockerRuntime;
  nodeName: string;
  /** The Task's containers on it, newest restart first (task-containers.ts). */
  containers: ContainerInfo[];
}

export class TaskEngines {
  constructor(
    private readonly service: ResourceService,
    private readonly registry: Registry,
  ) {}

  private async nodeTls(node: Node): Promise<DockerTls | undefined> {
    const secrets = this.registry.lookup('', 'v1', 'secrets')!;
    const read: SecretDataReader = async (ns, name, what) =>
      ((await this.service.get(secrets, ns, name).catch((err: unknown) => {
        throw new ApiError('InternalError', `cannot read the ${what}: ${errorMessage(err)}`);
      })) as { data?: Record<string, string> }).data;
    return nodeTls(node, read).catch((err: unknown) => {
      throw err instanceof ApiError ? err : new ApiError('InternalError', errorMessage(err));
    });
  }

  /** The engine of the Task's Node and the Task's containers there; the caller closes `docker`. */
  async open(task: Task): Promise<TaskEngine> {
    const name = task.metadata.name!;
    const nodeName = task.status?.nodeName ?? task.spec.nodeName;
    if (!nodeName) throw badRequest(notScheduledMessage(task));
    const nodes = this.registry.lookup('okube.dev', 'v1alpha1', 'nodes')!;
    const node = (await this.service.get(nodes, undefined, nodeName).catch((err: unknown) => {
      throw new ApiError('InternalError', `cannot read node "${nodeName}" of task "${name}": ${errorMessage(err)}`);
    })) as unknown as Node;
    // dockerode loads with the first request that needs it, not with every API server.
    const { DockerRuntime } = await import('../runtime/docker-runtime.js');
    const docker = new DockerRuntime({ dockerHost: node.spec.dockerHost, tls: await this.nodeTls(node), timeoutMs: 10_000 });
    try {
      const containers = await taskContainers(docker, task.metadata.uid!).catch((err: unknown) => {
        throw new ApiError('InternalError', `cannot reach Docker of node ${nodeName} at ${node.spec.dockerHost}: ${errorMessage(err)}`);
      });
      return { docker, nodeName, containers };
    } catch (err) {
      await docker.close();
      throw err;
    }
  }
}
