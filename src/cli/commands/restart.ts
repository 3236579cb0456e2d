import type { Command } from 'commander';
import type { Task } from '../../api/types.js';
import { RESTART_ANNOTATION, RETRY_ANNOTATION, retryable } from '../../controllers/task/requests.js';
import { CliError } from '../cli-error.js';
import { parseTaskArg } from '../task-arg.js';
import { kindPrefix, resourcePath } from '../kube/discovery.js';
import { connect, knowsTypes, withClientOptions, type ClientOptions } from './client-options.js';

// `okube restart TASK` and `okube retry TASK`: ask the Task controller for a new container now,
// with the crash-loop backoff starting over. The request is a timestamp annotation
// (okube.dev/restartedAt, okube.dev/retryAt) — kubectl annotate does the same — and the
// controller answers it once, counting the restart and recording an Event.

async function request(kind: 'restart' | 'retry', names: string[], opts: ClientOptions): Promise<void> {
  // Every argument is checked before the first request, so a bad one changes nothing.
  const targets = names.map((arg) => parseTaskArg(arg, ['task', 'taskset'], (type) => `${kind} works on Tasks only, not ${type}`));
  const set = targets.find((t) => t.kind === 'taskset');
  if (set) {
    throw new CliError(kind === 'restart'
      ? `restart works on Tasks only: to restart every Task of a TaskSet, use okube rollout restart taskset/${set.name}`
      : `retry works on Tasks only, not TaskSets: name one of taskset/${set.name}'s Tasks (okube get tasks lists them)`);
  }
  const client = await connect(opts);
  const tasks = (await client.discovery(knowsTypes(['tasks.okube.dev']))).resolve('tasks.okube.dev');
  const at = new Date().toISOString();
  for (const { name } of targets) {
    const path = resourcePath(tasks, client.conn.namespace, name);
    const task = await client.conn.get<Task>(path);
    if (kind === 'retry' && !retryable(task.status)) {
      const state = task.status?.state?.waiting?.reason ?? task.status?.phase ?? 'Pending';
      throw new CliError(`task "${name}" is not waiting to restart (${state}): nothing to retry; use okube restart to replace a running container`);
    }
    const annotation = kind === 'restart' ? RESTART_ANNOTATION : RETRY_ANNOTATION;
    await client.conn.request(path, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { [annotation]: at } } },
    });
    process.stdout.write(`${kindPrefix(tasks)}/${name} ${kind === 'restart' ? 'restarted' : 'retried'}\n`);
  }
}

export function registerRestart(program: Command): void {
  withClientOptions(
    program
      .command('restart')
      .description('replace the container of each Task with a new one now (graceful stop; backoff reset)')
      .argument('<tasks...>', 'Task names'),
  ).action((names: string[], opts: ClientOptions) => request('restart', names, opts));
  withClientOptions(
    program
      .command('retry')
      .description('end the crash-loop wait (or a Failed state) of each Task and start its container now; backoff reset')
      .argument('<tasks...>', 'Task names'),
  ).action((names: string[], opts: ClientOptions) => request('retry', names, opts));
}
