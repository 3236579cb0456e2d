import type { ServerResponse } from 'node:http';
import type { Node, Task } from '../api/types.js';
import type { DockerTls } from '../runtime/docker-runtime.js';
import { nodeTls, type SecretDataReader } from '../runtime/docker-tls.js';
import { logContainer, noLogContainerMessage, notScheduledMessage, taskContainers } from '../runtime/task-containers.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { queryBool, queryInt } from './query-params.js';
import type { Registry } from './registry.js';
import type { ResourceService } from './resources.js';
import { ApiError, badRequest } from './status.js';

// GET .../tasks/{name}/log: a Task's output, read by the API server from its Node's Docker engine
// with the Node's own credentials, as kube-apiserver reads a Pod's from its kubelet. So a user
// needs only RBAC `get tasks/log` in the namespace — not the Node's TLS Secret, which is root on
// the host. The query is PodLogOptions': follow, previous, tailLines, sinceSeconds, sinceTime,
// timestamps, limitBytes.

export interface LogQuery {
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  /** Unix seconds. */
  since?: number;
  limitBytes?: number;
}

/** PodLogOptions from the query string, or a 400 naming the bad parameter. */
export function logQuery(q: URLSearchParams, now: Date): LogQuery {
  const positive = (name: string, min: number) => {
    const v = queryInt(q, name);
    if (v !== undefined && v < min) throw badRequest(`${name}: must be ${min === 0 ? 'non-negative' : 'greater than 0'}, got ${v}`);
    return v;
  };
  const tailLines = positive('tailLines', 0);
  const sinceSeconds = positive('sinceSeconds', 1);
  const limitBytes = positive('limitBytes', 1);
  const sinceTimeRaw = q.get('sinceTime') ?? undefined;
  if (sinceSeconds !== undefined && sinceTimeRaw !== undefined) throw badRequest('at most one of sinceTime or sinceSeconds may be specified');
  let since: number | undefined;
  if (sinceSeconds !== undefined) since = now.getTime() / 1000 - sinceSeconds;
  if (sinceTimeRaw !== undefined) {
    const t = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(sinceTimeRaw) ? Date.parse(sinceTimeRaw) : NaN;
    if (Number.isNaN(t)) throw badRequest(`sinceTime: "${sinceTimeRaw}" is not an RFC3339 time`);
    since = t / 1000;
  }
  return {
    follow: queryBool(q, 'follow') === true,
    previous: queryBool(q, 'previous') === true,
    timestamps: queryBool(q, 'timestamps') === true,
    ...(tailLines !== undefined ? { tailLines } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(limitBytes !== undefined ? { limitBytes } : {}),
  };
}

export class TaskLogs {
  constructor(
    private readonly service: ResourceService,
    private readonly registry: Registry,
    private readonly log: Logger,
  ) {}

  /** The Node's engine credentials, from the store; any failure is the server's (500). */
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

  /** Streams the log of `task` (already read and authorized) to `res`. */
  async serve(task: Task, q: LogQuery, res: ServerResponse): Promise<void> {
    const name = task.metadata.name!;
    // A client can go away while the Node and its containers are looked up; its 'close' has
    // fired by then, and a followed stream opened after it would be read until the container ends.
    let gone = false;
    res.once('close', () => (gone = true));
    const nodeName = task.status?.nodeName ?? task.spec.nodeName;
    if (!nodeName) throw badRequest(notScheduledMessage(task));
    const nodes = this.registry.lookup('okube.dev', 'v1alpha1', 'nodes')!;
    const node = (await this.service.get(nodes, undefined, nodeName).catch((err: unknown) => {
      throw new ApiError('InternalError', `cannot read node "${nodeName}" of task "${name}": ${errorMessage(err)}`);
    })) as unknown as Node;
    // dockerode loads with the first log request, not with every API server.
    const { DockerRuntime } = await import('../runtime/docker-runtime.js');
    const docker = new DockerRuntime({ dockerHost: node.spec.dockerHost, tls: await this.nodeTls(node), timeoutMs: 10_000 });
    let closeEngine = true;
    try {
      const containers = await taskContainers(docker, task.metadata.uid!).catch((err: unknown) => {
        throw new ApiError('InternalError', `cannot reach Docker of node ${nodeName} at ${node.spec.dockerHost}: ${errorMessage(err)}`);
      });
      const container = logContainer(containers, q.previous);
      if (!container) throw badRequest(noLogContainerMessage(task, q.previous));
      const stream = await docker.logs(container.id, { follow: q.follow, tail: q.tailLines, since: q.since, timestamps: q.timestamps }).catch((err: unknown) => {
        throw new ApiError('InternalError', `cannot read the log of task "${name}" on node ${nodeName}: ${errorMessage(err)}`);
      });
      if (gone) {
        stream.destroy();
        return;
      }
      closeEngine = false;
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'X-Content-Type-Options': 'nosniff' });
      res.flushHeaders();
      let left = q.limitBytes ?? Infinity;
      await new Promise<void>((resolve) => {
        const done = () => {
          stream.destroy();
          void docker.close();
          resolve();
        };
        stream.on('data', (chunk: Buffer) => {
          const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
          left -= part.length;
          if (!res.write(part)) stream.pause();
          if (left <= 0) {
            res.end();
            done();
          }
        });
        res.on('drain', () => stream.resume());
        stream.on('end', () => {
          res.end();
          done();
        });
        stream.on('error', (err: Error) => {
          this.log.warn({ task: `${task.metadata.namespace}/${name}`, err: err.message }, 'task log stream failed');
          res.end();
          done();
        });
        // The client went away (kubectl logs -f ended with Ctrl-C): stop reading the engine.
        res.on('close', done);
      });
    } finally {
      if (closeEngine) await docker.close();
    }
  }
}
