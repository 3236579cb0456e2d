import type { Node, Task } from '../api/types.js';
import { notScheduledMessage, taskContainers } from '../runtime/task-containers.js';
import type { DockerRuntime } from '../runtime/docker-runtime.js';
import { nodeTls, type SecretDataReader } from '../runtime/docker-tls.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { errorMessage } from '../util/errors.js';
import { CliError } from './cli-error.js';
import type { Client } from './commands/client-options.js';

// How the CLI reaches a Task's containers for `okube logs` and `okube exec`: straight at its
// Node's Docker engine, with the Node's TLS files or the Secret it names, read as this user —
// so only someone who may read that Secret gets the engine (which is root on the host anyway).

/** A Node's Secret, read as this user. */
function secretReader(client: Client): SecretDataReader {
  return async (namespace, name, what) => {
    try {
      return (await client.conn.get<{ data?: Record<string, string> }>(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`)).data;
    } catch (err) {
      throw new CliError(`cannot read the ${what} (spec.tls.secretName) to reach its Docker engine: ${errorMessage(err)}`);
    }
  };
}

/** One Docker client per Node, however many of the Tasks read run there. */
export class NodeEngines {
  private readonly byNode = new Map<string, Promise<{ node: Node; docker: DockerRuntime }>>();

  constructor(
    private readonly client: Client,
    private readonly nodePath: (name: string) => string,
  ) {}

  of(nodeName: string): Promise<{ node: Node; docker: DockerRuntime }> {
    let e = this.byNode.get(nodeName);
    if (!e) {
      e = (async () => {
        const node = await this.client.conn.get<Node>(this.nodePath(nodeName));
        // dockerode loads when an engine is used, not when `okube --help` lists the commands.
        const { DockerRuntime } = await import('../runtime/docker-runtime.js');
        return { node, docker: new DockerRuntime({ dockerHost: node.spec.dockerHost, tls: await nodeTls(node, secretReader(this.client)), timeoutMs: 10_000 }) };
      })();
      this.byNode.set(nodeName, e);
    }
    return e;
  }

  /** The Task's containers on its Node, newest restart first, and that Node's engine. */
  async containersOf(task: Task): Promise<{ docker: DockerRuntime; containers: ContainerInfo[] }> {
    const nodeName = task.status?.nodeName ?? task.spec.nodeName;
    if (!nodeName) throw new CliError(notScheduledMessage(task));
    const { node, docker } = await this.of(nodeName);
    try {
      return { docker, containers: await taskContainers(docker, task.metadata.uid!) };
    } catch (err) {
      throw new CliError(`cannot reach Docker of node ${nodeName} at ${node.spec.dockerHost}: ${errorMessage(err)}`);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.byNode.values()].map((e) => e.then((x) => x.docker.close(), () => undefined)));
  }
}
