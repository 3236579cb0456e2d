import type { Command } from 'commander';
import type { Task } from '../../api/types.js';
import { CliError } from '../cli-error.js';
import { resourcePath } from '../kube/discovery.js';
import { NodeEngines } from '../node-engines.js';
import { parseTaskArg } from '../task-arg.js';
import { connect, knowsTypes, withClientOptions, type ClientOptions } from './client-options.js';

// `okube exec [-i] [-t] TASK -- COMMAND [ARG...]`: kubectl exec for a Task's running container,
// through its Node's Docker engine (node-engines.ts). Its exit code becomes okube's, with kubectl's
// "command terminated with exit code N".

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
      .argument('<task>', 'Task name (or task/NAME)')
      .argument('<command...>', 'the command and its arguments, after --')
      .option('-i, --stdin', "pass this terminal's input to the command")
      .option('-t, --tty', 'give the command a terminal (with -i, when the input is one)'),
  ).action(async (arg: string, command: string[], opts: ExecOptions) => {
    // kubectl's old form (`exec POD COMMAND`) is refused there too: the command's own flags would be read as ours.
    if (!process.argv.includes('--')) throw new CliError(`exec TASK COMMAND is not supported: use okube exec TASK -- COMMAND`);
    const { name } = parseTaskArg(arg, ['task'], (type) => `exec works on Tasks only, not ${type}`);
    const client = await connect(opts);
    const d = await client.discovery(knowsTypes(['tasks.okube.dev', 'nodes.okube.dev']));
    const task = await client.conn.get<Task>(resourcePath(d.resolve('tasks.okube.dev'), client.conn.namespace, name));
    const phase = task.status?.phase ?? 'Pending';
    if (phase === 'Succeeded' || phase === 'Failed') throw new CliError(`cannot exec into a container in a completed task; current phase is ${phase}`);
    const nodesRes = d.resolve('nodes.okube.dev');
    const engines = new NodeEngines(client, (n) => resourcePath(nodesRes, undefined, n));
    try {
      const { docker, containers } = await engines.containersOf(task);
      const container = containers.find((c) => c.running);
      if (!container) throw new CliError(`container of task "${name}" is not running (phase ${phase}${task.status?.state?.waiting?.reason ? `, ${task.status.state.waiting.reason}` : ''})`);
      const tty = !!opts.tty && !!opts.stdin && process.stdin.isTTY === true;
      // As kubectl: -t without -i quietly runs without a terminal; only -it on an input that is not one warns.
      if (opts.tty && opts.stdin && !tty) process.stderr.write('Unable to use a TTY - input is not a terminal or the right kind of file\n');
      const attached = await docker.attachExec(container.id, command, { stdin: !!opts.stdin, tty, stdout: process.stdout, stderr: process.stderr });
      const onResize = () => {
        if (process.stdout.rows > 0 && process.stdout.columns > 0) void attached.resize(process.stdout.rows, process.stdout.columns).catch(() => undefined);
      };
      if (tty) {
        process.stdin.setRawMode(true);
        onResize();
        process.stdout.on('resize', onResize);
      }
      if (opts.stdin) process.stdin.pipe(attached.stdin);
      let code: number;
      try {
        code = await attached.exitCode;
      } finally {
        if (tty) {
          process.stdin.setRawMode(false);
          process.stdout.off('resize', onResize);
        }
        if (opts.stdin) {
          process.stdin.unpipe(attached.stdin);
          process.stdin.destroy();
        }
      }
      if (code !== 0) throw new CliError(`command terminated with exit code ${code}`, code > 0 && code < 256 ? code : 1, '');
    } finally {
      await engines.close();
    }
  });
}
