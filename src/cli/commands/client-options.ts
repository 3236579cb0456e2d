import type { Command } from 'commander';
import { Connection } from '../kube/connection.js';
import { Discovery, type ApiResource } from '../kube/discovery.js';
import { CliError } from '../cli-error.js';

// The flags every client command shares with kubectl, and the connection they lead to.

export interface ClientOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
}

export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <namespace>', 'the namespace (default: the kubeconfig context\'s, else "default")')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use');
}

export interface Client {
  conn: Connection;
  discovery: () => Promise<Discovery>;
}

export async function connect(opts: ClientOptions): Promise<Client> {
  const conn = await Connection.open(opts);
  let d: Promise<Discovery> | undefined;
  return { conn, discovery: () => (d ??= Discovery.load(conn)) };
}

/** kubectl's argument forms: `TYPE NAME...` or `TYPE/NAME...`; with severalTypes also `TYPE,TYPE [NAME...]`. */
export async function resolveTargets(client: Client, args: string[], opts: { severalTypes?: boolean } = {}): Promise<Array<{ resource: ApiResource; name?: string }>> {
  if (!args.length) throw new CliError('You must specify the type of resource to get. Use "okube get --help" for the resource types.');
  const d = await client.discovery();
  if (args.every((a) => a.includes('/'))) {
    return args.map((a) => {
      const [type, name] = [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)];
      if (!name) throw new CliError(`arguments in resource/name form must have a single resource and name`);
      return { resource: d.resolve(type), name };
    });
  }
  if (args.some((a) => a.includes('/'))) throw new CliError('there is no need to specify a resource type as a separate argument when passing arguments in resource/name form');
  const [type, ...names] = args;
  if (type.includes(',') && !opts.severalTypes) throw new CliError('several resource types at once are not supported here: name one type');
  const types = type.split(',');
  if (types.some((t) => !t)) throw new CliError(`resource type list ${JSON.stringify(type)} has an empty entry`);
  const resources = types.map((t) => d.resolve(t));
  return resources.flatMap((resource) => (names.length ? names.map((name) => ({ resource, name })) : [{ resource }]));
}
