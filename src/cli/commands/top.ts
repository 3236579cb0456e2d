import type { Command } from 'commander';
import type { KubeList, Node, TaskUsage } from '../../api/types.js';
import { parseQuantity } from '../../api/quantity.js';
import { NODES, resourcePath } from '../../client/resource-refs.js';
import { CliError } from '../cli-error.js';
import { Connection } from '../kube/connection.js';
import type { KubeconfigChoice } from '../kube/kubeconfig-static.js';

// okube top nodes | top tasks — kubectl top for okube: the figures each Node's controller read
// from its Docker engine (Node status.usage: one-shot stats of okube's running containers, CPU
// averaged over the last collection window). okube has no metrics API; the Node status carries
// the figures, so one list of Nodes answers both commands.

const MI = 2 ** 20;

/** Rows padded into columns three spaces apart, as kubectl's tabwriter prints them. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join('').trimEnd());
}

const cores = (q: string | undefined) => (q === undefined ? '<unknown>' : `${Math.round(parseQuantity(q, 'cpu')! * 1000)}m`);
const mebi = (q: string) => `${Math.round(parseQuantity(q, 'memory')! / MI)}Mi`;
const percent = (used: number | undefined, of: number | undefined) => (used === undefined || !of ? '<unknown>' : `${Math.round((used / of) * 100)}%`);

/** kubectl top nodes' table: CPU and memory against the Node's capacity, and running containers. */
export function nodeRows(nodes: Node[]): string[] {
  const rows = [['NAME', 'CPU(cores)', 'CPU%', 'MEMORY(bytes)', 'MEMORY%', 'RUNNING']];
  for (const n of nodes) {
    const u = n.status?.usage;
    if (!u) {
      rows.push([n.metadata.name!, '<unknown>', '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
      continue;
    }
    const cap = n.status?.capacity ?? {};
    rows.push([
      n.metadata.name!,
      cores(u.cpu),
      percent(parseQuantity(u.cpu, 'cpu'), parseQuantity(cap.cpu, 'cpu')),
      mebi(u.memory),
      percent(parseQuantity(u.memory, 'memory'), parseQuantity(cap.memory, 'memory')),
      String(u.runningContainers),
    ]);
  }
  return columns(rows);
}

/** kubectl top pods' table for Tasks (NAMESPACE first with all namespaces). */
export function taskRows(tasks: Array<TaskUsage & { node: string }>, allNamespaces: boolean): string[] {
  const head = ['NAME', 'CPU(cores)', 'MEMORY(bytes)', 'NODE'];
  const rows = [allNamespaces ? ['NAMESPACE', ...head] : head];
  for (const t of tasks) {
    const r = [t.name, cores(t.cpu), mebi(t.memory), t.node];
    rows.push(allNamespaces ? [t.namespace, ...r] : r);
  }
  return columns(rows);
}

/** Every Node, by name (raw requests: client-node would cost the command about a second of start-up). */
async function listNodes(conn: Connection): Promise<Node[]> {
  const list = await conn.get<KubeList<Node>>(resourcePath(NODES));
  return list.items.sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
}

export function registerTop(program: Command): void {
  const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
  const top = program.command('top').description("resource usage of Nodes and Tasks, as their Docker engines report it (kubectl top)");
  top
    .command('nodes')
    .alias('node')
    .description('CPU and memory of okube\'s containers per Node')
    .argument('[name]', 'one Node')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-n, --namespace <namespace>', 'ignored: Nodes are cluster-scoped (taken, as kubectl takes it)')
    .action(async (name: string | undefined, opts: KubeconfigChoice) => {
      const nodes = (await listNodes(await Connection.open(opts))).filter((n) => !name || n.metadata.name === name);
      if (name && nodes.length === 0) throw new CliError(`nodes.okube.dev "${name}" not found`, 1, 'Error from server (NotFound): ');
      if (!nodes.some((n) => n.status?.usage)) throw new CliError('metrics not available yet');
      print(nodeRows(nodes));
    });
  top
    .command('tasks')
    .alias('task')
    .description('CPU and memory of each running Task\'s container')
    .option('-n, --namespace <ns>', "namespace (default: the kubeconfig context's, else default)")
    .option('-A, --all-namespaces', 'Tasks of every namespace')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .action(async (opts: KubeconfigChoice & { namespace?: string; allNamespaces?: boolean }) => {
      const conn = await Connection.open(opts);
      const namespace = conn.namespace;
      const tasks = (await listNodes(conn))
        .flatMap((n) => (n.status?.usage?.tasks ?? []).map((t) => ({ ...t, node: n.metadata.name! })))
        .filter((t) => opts.allNamespaces || t.namespace === namespace)
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
      if (tasks.length === 0) {
        // As kubectl top pod: said on stderr, and not an error.
        process.stderr.write(opts.allNamespaces ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`);
        return;
      }
      print(taskRows(tasks, Boolean(opts.allNamespaces)));
    });
}
