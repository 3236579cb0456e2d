import type { Command } from 'commander';
import { resourcePath, type ApiResource } from '../kube/discovery.js';
import { describeObject, type EventLike } from '../print/describe.js';
import { connect, resolveTargets, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube describe`: the object in kubectl's generic describe layout, then its Events.

interface Described {
  metadata: { name: string; namespace?: string; uid?: string };
  [k: string]: unknown;
}

async function eventsFor(client: Client, obj: Described): Promise<EventLike[]> {
  const { name, namespace, uid } = obj.metadata;
  const fieldSelector = [`involvedObject.name=${name}`, namespace ? `involvedObject.namespace=${namespace}` : '', uid ? `involvedObject.uid=${uid}` : ''].filter(Boolean).join(',');
  // Events of cluster-scoped objects live in some namespace: look across all of them.
  const path = namespace ? `/api/v1/namespaces/${encodeURIComponent(namespace)}/events` : '/api/v1/events';
  try {
    return (await client.conn.get<{ items: EventLike[] }>(path, { query: { fieldSelector } })).items;
  } catch {
    return []; // no Events API (or no right to read it): describe the object anyway
  }
}

async function describe(client: Client, resource: ApiResource, name: string | undefined, selector?: string): Promise<string[]> {
  const path = resourcePath(resource, client.conn.namespace, name);
  const objects = name ? [await client.conn.get<Described>(path)] : (await client.conn.get<{ items: Described[] }>(path, { query: { labelSelector: selector } })).items;
  return Promise.all(objects.map(async (o) => describeObject(o, await eventsFor(client, o))));
}

export function registerDescribe(program: Command): void {
  withClientOptions(
    program
      .command('describe')
      .description('show the details of an object, its status and its events')
      .argument('<resource>', 'resource type or TYPE/NAME')
      .argument('[names...]', 'names (all objects of the type when none)')
      .option('-l, --selector <selector>', 'label selector when no name is given'),
  ).action(async (resource: string, names: string[], opts: ClientOptions & { selector?: string }) => {
    const client = await connect(opts);
    const targets = await resolveTargets(client, [resource, ...names]);
    const out: string[] = [];
    for (const t of targets) out.push(...(await describe(client, t.resource, t.name, opts.selector)));
    // Nothing to describe is not an error: kubectl says so on stderr and exits 0.
    if (!out.length) process.stderr.write(targets.every((t) => t.resource.namespaced) ? `No resources found in ${client.conn.namespace} namespace.\n` : 'No resources found\n');
    process.stdout.write(out.join('\n\n'));
  });
}
