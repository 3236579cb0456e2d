import type { Command } from 'commander';
import { LABELS, type Node, type Task } from '../../api/types.js';
import type { DockerTls } from '../../runtime/docker-runtime.js';
import { tlsFromSecretData } from '../../runtime/docker-tls.js';
import { neverStarted, type ContainerInfo } from '../../runtime/runtime.js';
import { errorMessage } from '../../util/errors.js';
import { CliError } from '../cli-error.js';
import { resourcePath } from '../kube/discovery.js';
import { connect, knowsTypes, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube logs TASK`: the output of the Task's container, read from its Node's Docker engine
// (with the Node's TLS files or Secret).
// The controller keeps the last exited container next to the current one (as the kubelet
// does), which is what --previous shows.

interface LogsOptions extends ClientOptions {
  follow?: boolean;
  previous?: boolean;
  tail?: string;
  timestamps?: boolean;
}

const restartOf = (c: ContainerInfo) => Number(c.labels[LABELS.restart] ?? 0);

function taskName(arg: string): string {
  const slash = arg.indexOf('/');
  if (slash < 0) return arg;
  const type = arg.slice(0, slash).toLowerCase();
  if (!['task', 'tasks', 'tk', 'task.okube.dev', 'tasks.okube.dev'].includes(type)) throw new CliError(`logs are only available for Tasks, not ${arg.slice(0, slash)}`);
  return arg.slice(slash + 1);
}

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

export function registerLogs(program: Command): void {
  withClientOptions(
    program
      .command('logs')
      .description("print the output of a Task's container (stdout and stderr)")
      .argument('<task>', 'Task name (or task/NAME)')
      .option('-f, --follow', 'stream new output until the container stops')
      .option('-p, --previous', 'the previous container (the one that exited before the current one)')
      .option('--tail <lines>', 'only the last N lines', '-1')
      .option('--timestamps', 'prefix each line with its time'),
  ).action(async (arg: string, opts: LogsOptions) => {
    const client = await connect(opts);
    const d = await client.discovery(knowsTypes(['tasks.okube.dev', 'nodes.okube.dev']));
    const name = taskName(arg);
    const tasks = d.resolve('tasks.okube.dev');
    const nodes = d.resolve('nodes.okube.dev');
    const ns = client.conn.namespace;
    const task = await client.conn.get<Task>(resourcePath(tasks, ns, name));
    const nodeName = task.status?.nodeName ?? task.spec.nodeName;
    if (!nodeName) throw new CliError(`task "${name}" is not scheduled to a Node yet (phase ${task.status?.phase ?? 'Pending'}): no container to read`);
    const node = await client.conn.get<Node>(resourcePath(nodes, undefined, nodeName));
    // dockerode loads when logs are read, not when `okube --help` lists this command.
    const { DockerRuntime } = await import('../../runtime/docker-runtime.js');
    const docker = new DockerRuntime({ dockerHost: node.spec.dockerHost, tls: await nodeTls(client, node), timeoutMs: 10_000 });
    try {
      let containers: ContainerInfo[];
      try {
        containers = (await docker.list({ [LABELS.taskUid]: task.metadata.uid! })).sort((a, b) => restartOf(b) - restartOf(a));
      } catch (err) {
        throw new CliError(`cannot reach Docker of node ${nodeName} at ${node.spec.dockerHost}: ${errorMessage(err)}`);
      }
      // A crash loop's next container, made but not started yet, has no output: during the wait
      // both show the one that exited (as kubectl logs does for a Pod in CrashLoopBackOff).
      const waiting = containers.length > 1 && neverStarted(containers[0]);
      const container = opts.previous || waiting ? containers[1] : containers[0];
      if (!container) {
        const why = task.status?.state?.waiting?.reason;
        throw new CliError(
          opts.previous
            ? `previous terminated container of task "${name}" not found`
            : `container of task "${name}" is waiting to start${why ? `: ${why}` : ''}`,
          1,
          'Error from server (BadRequest): ',
        );
      }
      const tail = Number(opts.tail);
      const stream = await docker.logs(container.id, { follow: opts.follow, tail: Number.isFinite(tail) && tail >= 0 ? tail : undefined, timestamps: opts.timestamps });
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Buffer) => process.stdout.write(chunk));
        stream.on('end', resolve);
        stream.on('close', resolve);
        stream.on('error', reject);
      });
    } finally {
      await docker.close();
    }
  });
}
