import type { Command } from 'commander';
import { Connection } from '../kube/connection.js';
import { Discovery, resourcePath, type ApiResource } from '../kube/discovery.js';
import { DiscoveryCache } from '../kube/discovery-cache.js';
import { CliError } from '../cli-error.js';

// The flags every client command shares with kubectl, and the connection they lead to.

export interface ClientOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces?: boolean;
  server?: string;
  token?: string;
}

export function withClientOptions(cmd: Command): Command {
  return cmd
    .option('-n, --namespace <namespace>', 'the namespace (default: the kubeconfig context\'s, else "default")')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context to use')
    .option('-s, --server <url>', "the API server's address, over the kubeconfig's (its CA is kept)")
    .option('--token <token>', "bearer token for the request, over the kubeconfig user's credentials");
}

export interface Client {
  conn: Connection;
  /**
   * The server's discovery, from the on-disk cache while it is fresh (discovery-cache.ts).
   * `covers` says what the caller is about to look up: a cached discovery that lacks it is read
   * again from the server (a CRD added since), as kubectl resets its RESTMapper on a miss.
   */
  discovery: (covers?: (d: Discovery) => boolean) => Promise<Discovery>;
}

export async function connect(opts: ClientOptions): Promise<Client> {
  const conn = await Connection.open(opts);
  const cache = new DiscoveryCache(conn.server.href.replace(/\/$/, ''), conn.identity);
  // A 404 for a resource path (not for an object) means the cache listed a resource the server no
  // longer serves: the command shows the server's error, as kubectl does, and the next one asks again.
  conn.onUnknownResource = () => cache.invalidate();
  const fetch = async () => {
    const d = await Discovery.load(conn);
    cache.write(d.resources);
    return { d, cached: false };
  };
  const load = async () => {
    const resources = cache.read();
    return resources ? { d: new Discovery(resources), cached: true } : fetch();
  };
  let current: Promise<{ d: Discovery; cached: boolean }> | undefined;
  return {
    conn,
    async discovery(covers) {
      let got = await (current ??= load());
      if (got.cached && covers && !covers(got.d)) got = await (current = fetch());
      return got.d;
    },
  };
}

/** Whether discovery knows every resource argument (plural, short name, kind…) in `types`. */
export const knowsTypes = (types: string[]) => (d: Discovery) => types.every((t) => d.find(t) !== undefined);

/** The same, a category (`all`) counting as known when discovery lists members of it. */
const knowsTypesOrCategories = (types: string[]) => (d: Discovery) => types.every((t) => d.find(t) !== undefined || d.category(t).length > 0);

/** Whether discovery knows every apiVersion/kind in `kinds`. */
export const knowsKinds = (kinds: Array<{ apiVersion: string; kind: string }>) => (d: Discovery) => kinds.every((k) => d.forKind(k.apiVersion, k.kind) !== undefined);

/** kubectl's argument forms: `TYPE NAME...` or `TYPE/NAME...`; with severalTypes also `TYPE,TYPE [NAME...]`. */
export async function resolveTargets(client: Client, args: string[], opts: { severalTypes?: boolean } = {}): Promise<Array<{ resource: ApiResource; name?: string }>> {
  if (!args.length) throw new CliError('You must specify the type of resource to get. Use "okube get --help" for the resource types.');
  if (args.every((a) => a.includes('/'))) {
    const d = await client.discovery(knowsTypes(args.map((a) => a.slice(0, a.indexOf('/')))));
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
  const d = await client.discovery(opts.severalTypes ? knowsTypesOrCategories(types) : knowsTypes(types));
  const resources = opts.severalTypes ? types.flatMap((t) => d.resolveOrCategory(t)) : types.map((t) => d.resolve(t));
  return resources.flatMap((resource) => (names.length ? names.map((name) => ({ resource, name })) : [{ resource }]));
}

/**
 * The objects a command that takes names, `-l` or `--all` acts on, by kubectl's resource builder
 * rules (kubectl scale, wait): names win over --all; a selector goes with neither names nor
 * TYPE/NAME; with neither names nor -l/--all a name is missing. With -l or --all: the objects of
 * each type there are now, possibly none (the command says what none means).
 */
export async function selectTargets(client: Client, args: string[], opts: { selector?: string; all?: boolean }): Promise<Array<{ resource: ApiResource; name: string }>> {
  if (opts.selector !== undefined && args.some((a) => a.includes('/'))) throw new CliError('selectors and the all flag cannot be used when passing resource/name arguments');
  const named = await resolveTargets(client, args);
  if (named.some((t) => t.name)) {
    if (opts.selector !== undefined) throw new CliError('name cannot be provided when a selector is specified');
    return named.filter((t): t is { resource: ApiResource; name: string } => t.name !== undefined);
  }
  if (!opts.all && opts.selector === undefined) throw new CliError('resource(s) were provided, but no name was specified');
  const out: Array<{ resource: ApiResource; name: string }> = [];
  for (const { resource } of named) out.push(...(await namesOf(client, resource, opts.selector)).map((name) => ({ resource, name })));
  return out;
}

/** The names of the objects of `resource` there are now (in the namespace, when namespaced), matching `selector` (all when undefined). */
export async function namesOf(client: Client, resource: ApiResource, selector: string | undefined): Promise<string[]> {
  const list = await client.conn.get<{ items: Array<{ metadata: { name: string } }> }>(resourcePath(resource, client.conn.namespace), { query: selector ? { labelSelector: selector } : {} });
  return list.items.map((o) => o.metadata.name);
}
