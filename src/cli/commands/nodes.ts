import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { parseDuration } from './flags.js';
import type { KubeconfigChoice as Common } from '../kube/kubeconfig-static.js';

// okube cordon | uncordon | drain NODE — kubectl's node maintenance verbs for okube Nodes. Their
// work (node-maintenance.ts) loads when one runs, not when `okube --help` lists them.

const work = () => import('./node-maintenance.js');

export function registerNodes(program: Command): void {
  const print = (line: string) => process.stdout.write(`${line}\n`);
  // Nodes are cluster-scoped: -n is taken and ignored, as kubectl's global flag is.
  const nodeCommand = (name: string, description: string) =>
    program
      .command(name)
      .description(description)
      .argument('<node>', 'Node name')
      .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG or ~/.kube/config)')
      .option('--context <name>', 'kubeconfig context to use')
      .option('-n, --namespace <namespace>', 'ignored: Nodes are cluster-scoped (taken, as kubectl takes it)');
  nodeCommand('cordon', 'mark a Node unschedulable: no new Tasks go there, running ones stay')
    .action(async (name: string, opts: Common) => {
      const { open, setUnschedulable } = await work();
      print(`node/${name} ${(await setUnschedulable(await open(opts), name, true)) ? 'cordoned' : 'already cordoned'}`);
    });
  nodeCommand('uncordon', 'mark a Node schedulable again')
    .action(async (name: string, opts: Common) => {
      const { open, setUnschedulable } = await work();
      print(`node/${name} ${(await setUnschedulable(await open(opts), name, false)) ? 'uncordoned' : 'already uncordoned'}`);
    });
  nodeCommand('drain', 'cordon a Node and move every unfinished Task off it (graceful stop, then rescheduling elsewhere)')
    .option('--timeout <duration>', 'give up after this long (e.g. 90s, 5m)', '5m')
    .option('--disable-budget', "move every Task at once, ignoring the TaskSets' disruption budgets (their maxUnavailable)")
    .action(async (name: string, opts: Common & { timeout: string; disableBudget?: boolean }) => {
      const ms = parseDuration(opts.timeout);
      if (ms <= 0) throw new CliError(`--timeout must be positive, got ${JSON.stringify(opts.timeout)}`);
      const { open, drain } = await work();
      await drain(await open(opts), name, ms / 1000, print, { budgets: !opts.disableBudget });
    });
}
