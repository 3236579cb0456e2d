import type { ServerResponse } from 'node:http';
import type { Task } from '../api/types.js';
import { logContainer, noLogContainerMessage } from '../runtime/task-containers.js';
import { errorMessage } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { queryBool, queryInt } from './query-params.js';
import { ApiError, badRequest } from './status.js';
import type { TaskEngines } from './task-engines.js';

// GET .../tasks/{name}/log: a Task's output, read by the API server from its Node's Docker engine
// with the Node's own credentials (task-engines.ts), as kube-apiserver reads a Pod's from its kubelet. So a user
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
    private readonly engines: TaskEngines,
    private readonly log: Logger,
  ) {}

  /** Streams the log of `task` (already read and authorized) to `res`. */
  async serve(task: Task, q: LogQuery, res: ServerResponse): Promise<void> {
    const name = task.metadata.name!;
    // A client can go away while the Node and its containers are looked up; its 'close' has
    // fired by then, and a followed stream opened after it would be read until the container ends.
    let gone = false;
    res.once('close', () => (gone = true));
    const { docker, nodeName, containers } = await this.engines.open(task);
    let closeEngine = true;
    try {
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
