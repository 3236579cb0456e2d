import type { Command } from 'commander';
import type { Readable } from 'node:stream';
import type { Task } from '../../api/types.js';
import { logContainer, noLogContainerMessage } from '../../runtime/task-containers.js';
import { errorMessage } from '../../util/errors.js';
import { CliError } from '../cli-error.js';
import { resourcePath, type ApiResource } from '../kube/discovery.js';
import { serverError } from '../kube/api-error.js';
import { LinePrefix } from '../logs/line-prefix.js';
import { NodeEngines } from '../node-engines.js';
import { parseTaskArg } from '../task-arg.js';
import { tasksetTask } from '../taskset-task.js';
import { checkConcurrency, logRequest, type LogRequest, type LogsFlags } from '../logs/request.js';
import { connect, knowsTypes, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube logs TASK | taskset/NAME | -l SELECTOR`: the output of Tasks' containers, with kubectl
// logs' flags — through the API server's tasks/log where it serves one (okube's own), else from
// their Nodes' Docker engines (node-engines.ts; Helm mode, where the API server is Kubernetes').
// The controller keeps the last exited container next to the current one (as the kubelet
// does), which is what --previous shows.

interface LogsOptions extends ClientOptions, LogsFlags {
  previous?: boolean;
  timestamps?: boolean;
  prefix?: boolean;
  ignoreErrors?: boolean;
}

/** Through okube's API server (tasks/log, authorized by RBAC like pods/log): no engine access needed. */
async function serverLog(client: Client, tasksRes: ApiResource, task: Task, req: LogRequest, opts: LogsOptions): Promise<Readable> {
  const path = `${resourcePath(tasksRes, task.metadata.namespace!, task.metadata.name!)}/log`;
  const res = await client.conn.open(path, {
    accept: 'text/plain, */*',
    query: {
      follow: opts.follow || undefined,
      previous: opts.previous || undefined,
      timestamps: opts.timestamps || undefined,
      tailLines: req.tail,
      sinceTime: req.since !== undefined ? new Date(req.since * 1000).toISOString() : undefined,
    },
  });
  if (res.statusCode !== 200) {
    const { code, body } = await client.conn.read(res);
    throw serverError(code, body);
  }
  return res;
}

/** Straight from the Node's engine (a cluster whose API server has no tasks/log: Helm mode). */
async function engineLog(engines: NodeEngines, task: Task, req: LogRequest, opts: LogsOptions): Promise<Readable> {
  const { docker, containers } = await engines.containersOf(task);
  const container = logContainer(containers, !!opts.previous);
  if (!container) throw new CliError(noLogContainerMessage(task, !!opts.previous), 1, 'Error from server (BadRequest): ');
  return docker.logs(container.id, { follow: opts.follow, tail: req.tail, since: req.since, timestamps: opts.timestamps });
}

export function registerLogs(program: Command): void {
  withClientOptions(
    program
      .command('logs')
      .description("print the output of a Task's container (stdout and stderr)")
      .argument('[task]', 'Task name (or task/NAME; taskset/NAME reads one of its Tasks)')
      .option('-f, --follow', 'stream new output until the container stops')
      .option('-p, --previous', 'the previous container (the one that exited before the current one)')
      .option('--tail <lines>', 'only the last N lines (default: all; 10 per Task with a selector)')
      .option('--since <duration>', 'only output newer than this, e.g. 10s, 5m, 1h')
      .option('--since-time <time>', 'only output after this RFC3339 time')
      .option('--timestamps', 'prefix each line with its time')
      .option('-l, --selector <selector>', 'the Tasks this label selector picks, e.g. app=web')
      .option('--prefix', 'begin each line with its source, [task/NAME]')
      .option('--max-log-requests <n>', 'with -l and -f, how many Tasks may be followed at once (default 5)')
      .option('--ignore-errors', 'with several Tasks, go on when one cannot be read'),
  ).action(async (arg: string | undefined, opts: LogsOptions) => {
    const req = logRequest(opts, new Date());
    if (arg === undefined && opts.selector === undefined) throw new CliError('a Task (NAME, task/NAME or taskset/NAME) or a selector (-l) is required for the logs command');
    if (arg !== undefined && opts.selector !== undefined) throw new CliError('only a selector (-l) or a Task name is allowed, not both');
    const target = arg === undefined ? undefined : parseTaskArg(arg, ['task', 'taskset'], (type) => `logs are only available for Tasks and TaskSets, not ${type}`);
    const client = await connect(opts);
    const d = await client.discovery(knowsTypes(['tasks.okube.dev', 'nodes.okube.dev', ...(target?.kind === 'taskset' ? ['tasksets.okube.dev'] : [])]));
    const tasksRes = d.resolve('tasks.okube.dev');
    const nodesRes = d.resolve('nodes.okube.dev');
    const ns = client.conn.namespace;
    const listTasks = async (labelSelector: string) => (await client.conn.get<{ items: Task[] }>(resourcePath(tasksRes, ns), { query: { labelSelector } })).items;

    let tasks: Task[];
    if (!target) {
      tasks = (await listTasks(opts.selector!)).sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
      if (!tasks.length) {
        process.stderr.write(`No resources found in ${ns} namespace.\n`);
        return;
      }
    } else if (target.kind === 'taskset') {
      const { chosen, count } = await tasksetTask(client, d, target.name, 'read logs from');
      if (count > 1) process.stderr.write(`Found ${count} tasks, using task/${chosen.metadata.name}\n`);
      tasks = [chosen];
    } else {
      tasks = [await client.conn.get<Task>(resourcePath(tasksRes, ns, target.name))];
    }
    checkConcurrency(tasks.length, !!opts.follow, req.maxLogRequests);

    const engines = new NodeEngines(client, (name) => resourcePath(nodesRes, undefined, name));
    const viaServer = tasksRes.subresources?.includes('log') ?? false;
    const several = opts.selector !== undefined;
    let failed: CliError | undefined;
    // Followed streams never end by themselves: once one fails (without --ignore-errors) the
    // others are closed, or the error would be printed and okube would go on following them.
    const open = new Set<Readable>();
    let stopped = false;
    const stopAll = () => {
      stopped = true;
      for (const s of open) s.destroy();
    };
    // Lines stay whole when several followed streams share stdout (and with --prefix).
    const whole = opts.prefix || (opts.follow && tasks.length > 1);
    const copy = async (task: Task) => {
      try {
        const source = viaServer ? await serverLog(client, tasksRes, task, req, opts) : await engineLog(engines, task, req, opts);
        if (stopped) return void source.destroy();
        open.add(source);
        const out = whole ? source.pipe(new LinePrefix(opts.prefix ? `[task/${task.metadata.name}] ` : '')) : source;
        if (out !== source) source.on('error', (err) => out.destroy(err));
        await new Promise<void>((resolve, reject) => {
          out.on('data', (chunk: Buffer | string) => process.stdout.write(chunk));
          out.on('end', resolve);
          out.on('close', resolve);
          out.on('error', reject);
        });
      } catch (err) {
        const lost = viaServer ? client.conn.streamError(err, `the log of task/${task.metadata.name}`) : err;
        const e = lost instanceof CliError ? lost : new CliError(errorMessage(lost));
        if (!several || !opts.ignoreErrors) throw e;
        process.stderr.write(`${e.prefix}${e.message}\n`);
        failed ??= e;
      }
    };
    try {
      // Followed streams run side by side (each line whole, see LinePrefix); the rest one Task after another.
      if (opts.follow) await Promise.all(tasks.map(copy));
      else for (const t of tasks) await copy(t);
    } catch (err) {
      stopAll();
      throw err;
    } finally {
      await engines.close();
    }
    if (failed) process.exitCode = 1;
  });
}
