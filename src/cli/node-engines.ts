import type { Node, Task } from '../api/types.js';
import { taskContainers } from '../runtime/task-containers.js';
import type { DockerRuntime, DockerTls } from '../runtime/docker-runtime.js';
import { tlsFromSecretData } from '../runtime/docker-tls.js';
import type { ContainerInfo } from '../runtime/runtime.js';
import { errorMessage } from '../util/errors.js';
import { CliError } from './cli-error.js';
import type { Client } from './commands/client-options.js';

// How the CLI reaches a Task's containers for `okube logs` and `okube exec`: straight at its
// Node's Docker engine, with the Node's TLS files or the Secret it names, read as this user —
// so only someone who may read that Secret gets the engine (which is root on the host anyway).

/** The Node's Docker TLS client material: its files, or the Secret it names (read as this user). */
async function nodeTls(client: Client, node: Node): Promise<DockerTls | undefined> {
  const t = node.spec.tls;
  if (!t) return undefined;
  if (!t.secretName) return { caFile: t.caFile, certFile: t.certFile, keyFile: t.keyFile };
  const namespace = t.secretNamespace ?? 'default';
  const what = `Secret ${namespace}/${t.secretName} of node ${node.metadata.name}`;
  let secret: { data?: Record<string, string> };
  try {
    secret = await client.conn.get(`/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(t.secretName)}`);
  } catch (err) {
    throw new CliError(`cannot read the ${what} (spec.tls.secretName) to reach its Docker engine: ${errorMessage(err)}`);
  }
  return tlsFromSecretData(secret.data, what);
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
        return { node, docker: new DockerRuntime({ dockerHost: node.spec.dockerHost, tls: await nodeTls(this.client, node), timeoutMs: 10_000 }) };
      })();
      this.byNode.set(nodeName, e);
    }
    return e;
  }

  /** The Task's containers on its Node, newest restart first, and that Node's engine. */
  async containersOf(task: Task): Promise<{ docker: DockerRuntime; containers: ContainerInfo[] }> {
    const nodeName = task.status?.nodeName ?? task.spec.nodeName;
    if (!nodeName) throw new CliError(`task "${task.metadata.name}" is not scheduled to a Node yet (phase ${task.status?.phase ?? 'Pending'}): no container to read`);
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
