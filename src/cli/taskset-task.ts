import type { Task, TaskSet } from '../api/types.js';
import { formatLabelSelector } from '../controllers/taskset/selector.js';
import { CliError } from './cli-error.js';
import type { Client } from './commands/client-options.js';
import { resourcePath, type Discovery } from './kube/discovery.js';

// `okube logs taskset/NAME` and `okube exec taskset/NAME`: one of the TaskSet's Tasks, the one
// kubectl would pick among a Deployment's Pods (placed, running and ready first, then the oldest).

/** The TaskSet's own Tasks (its selector's, controlled by it) and the one to use; none is an error naming `what`. */
export async function tasksetTask(client: Client, d: Discovery, name: string, what: string): Promise<{ chosen: Task; count: number }> {
  const ns = client.conn.namespace;
  const set = await client.conn.get<TaskSet>(resourcePath(d.resolve('tasksets.okube.dev'), ns, name));
  const listed = await client.conn.get<{ items: Task[] }>(resourcePath(d.resolve('tasks.okube.dev'), ns), { query: { labelSelector: formatLabelSelector(set.spec.selector) } });
  const mine = listed.items.filter((t) => t.metadata.ownerReferences?.some((o) => o.controller && o.uid === set.metadata.uid));
  if (!mine.length) throw new CliError(`taskset "${name}" has no Tasks to ${what}`);
  return { chosen: firstOf(mine), count: mine.length };
}

function firstOf(tasks: Task[]): Task {
  const rank = (t: Task) => (t.status?.nodeName ?? t.spec.nodeName ? 0 : 4) + (t.status?.phase === 'Running' ? 0 : 2) + (t.status?.ready ? 0 : 1);
  return [...tasks].sort((a, b) => rank(a) - rank(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''))[0];
}
