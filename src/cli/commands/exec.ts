import type { Command } from 'commander';
import { isFinished } from '../../api/task-phase.js';
import type { Task } from '../../api/types.js';
import { noExecContainerMessage } from '../../runtime/task-containers.js';
import { CliError } from '../cli-error.js';
import { resourcePath, type ApiResource } from '../kube/discovery.js';
import { runRemoteCommand } from '../kube/remote-command.js';
import { NodeEngines } from '../node-engines.js';
import { parseTaskArg } from '../task-arg.js';
import { tasksetTask } from '../taskset-task.js';
import { connect, knowsTypes, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube exec [-i] [-t] TASK -- COMMAND [ARG...]`: kubectl exec for a Task's running container,
// through okube's API server (tasks/exec, authorized by RBAC like pods/exec: no engine access
// needed), else (Helm mode, no such subresource) through its Node's Docker engine
// (node-engines.ts). Its exit code becomes okube's, with kubectl's "command terminated with exit code N".

interface ExecOptions extends ClientOptions {
  stdin?: boolean;
  tty?: boolean;
}

export function registerExec(program: Command): void {
  withClientOptions(
    program
      .command('exec')
      .description("run a command in a Task's running container")
      .usage('[options] TASK -- COMMAND [ARG...]')
      .argument('<task>', 'Task name (or task/NAME; taskset/NAME runs in one of its Tasks)')
      .argument('<command...>', 'the command and its arguments, after --')
      .option('-i, --stdin', "pass this terminal's input to the command")
      .option('-t, --tty', 'give the command a terminal (with -i, when the input is one)'),
  ).action(async (arg: string, command: string[], opts: ExecOptions) => {
    // kubectl's old form (`exec POD COMMAND`) is refused there too: the command's own flags would be read as ours.
    if (!process.argv.includes('--')) throw new CliError(`exec TASK COMMAND is not supported: use okube exec TASK -- COMMAND`);
    const target = parseTaskArg(arg, ['task', 'taskset'], (type) => `exec works on Tasks and TaskSets only, not ${type}`);
    const client = await connect(opts);
    const d = await client.discovery(knowsTypes(['tasks.okube.dev', 'nodes.okube.dev', ...(target.kind === 'taskset' ? ['tasksets.okube.dev'] : [])]));
    const tasksRes = d.resolve('tasks.okube.dev');
    // As kubectl exec deploy/NAME: one of the TaskSet's Tasks, quietly.
    const name = target.kind === 'taskset' ? (await tasksetTask(client, d, target.name, 'exec into')).chosen.metadata.name! : target.name;
    const taskPath = resourcePath(tasksRes, client.conn.namespace, name);
    const task = await client.conn.get<Task>(taskPath);
    if (isFinished(task)) throw new CliError(noExecContainerMessage(task));
    const tty = !!opts.tty && !!opts.stdin && process.stdin.isTTY === true;
    // As kubectl: -t without -i quietly runs without a terminal; only -it on an input that is not one warns.
    if (opts.tty && opts.stdin && !tty) process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
    if (tty) process.stdin.setRawMode(true);
    let code: number;
    try {
      code = tasksRes.subresources?.includes('exec')
        ? await runRemoteCommand(client.conn, `${taskPath}/exec`, { command, tty, stdout: process.stdout, stderr: process.stderr, ...(opts.stdin ? { stdin: process.stdin } : {}), ...(tty ? { terminal } : {}) })
        : await engineExec(client, d.resolve('nodes.okube.dev'), task, command, { stdin: !!opts.stdin, tty });
    } finally {
      if (tty) process.stdin.setRawMode(false);
      if (opts.stdin) process.stdin.destroy();
    }
    if (code !== 0) throw new CliError(`command terminated with exit code ${code}`, code > 0 && code < 256 ? code : 1, '');
  });
}

const terminal = {
  size: () => (process.stdout.rows > 0 && process.stdout.columns > 0 ? { rows: process.stdout.rows, columns: process.stdout.columns } : undefined),
  onResize: (listener: () => void) => {
    process.stdout.on('resize', listener);
    return () => void process.stdout.off('resize', listener);
  },
};

/** Straight through the Node's engine (a cluster whose API server has no tasks/exec: Helm mode). */
async function engineExec(client: Client, nodesRes: ApiResource, task: Task, command: string[], opts: { stdin: boolean; tty: boolean }): Promise<number> {
  const engines = new NodeEngines(client, (n) => resourcePath(nodesRes, undefined, n));
  try {
    const { docker, containers } = await engines.containersOf(task);
    const container = containers.find((c) => c.running);
    if (!container) throw new CliError(noExecContainerMessage(task));
    const attached = await docker.attachExec(container.id, command, { stdin: opts.stdin, tty: opts.tty, stdout: process.stdout, stderr: process.stderr });
    const onResize = () => {
      const size = terminal.size();
      if (size) void attached.resize(size.rows, size.columns).catch(() => undefined);
    };
    const stopResize = opts.tty ? (onResize(), terminal.onResize(onResize)) : () => undefined;
    if (opts.stdin) process.stdin.pipe(attached.stdin);
    try {
      return await attached.exitCode;
    } finally {
      stopResize();
      if (opts.stdin) process.stdin.unpipe(attached.stdin);
    }
  } finally {
    await engines.close();
  }
}
