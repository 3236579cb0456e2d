import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { kindPrefix, resourcePath } from '../kube/discovery.js';
import { connect, resolveTargets, withClientOptions, type ClientOptions } from './client-options.js';
import { parseInteger } from './flags.js';

// `okube scale TYPE NAME --replicas=N`, as kubectl scales: through the scale subresource
// (autoscaling/v1 Scale) — a merge patch of spec.replicas, or, with --current-replicas or
// --resource-version, a read and an update under the read resourceVersion, so that a scale
// someone else made in between is refused (409) instead of overwritten.

interface ScaleOptions extends ClientOptions {
  replicas?: number;
  currentReplicas: number;
  resourceVersion?: string;
}

interface Scale {
  metadata: { resourceVersion?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

export function registerScale(program: Command): void {
  withClientOptions(
    program
      .command('scale')
      .description('set the replicas of a TaskSet (or anything with a scale subresource)')
      .argument('<resources...>', 'TYPE NAME... or TYPE/NAME...')
      .option('--replicas <count>', 'the new number of replicas', parseInteger)
      .option('--current-replicas <count>', 'scale only if the current replicas are this many', parseInteger, -1)
      .option('--resource-version <version>', 'scale only if the object is still at this resourceVersion'),
  ).action(async (args: string[], opts: ScaleOptions) => {
    if (opts.replicas === undefined || opts.replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
    const client = await connect(opts);
    const targets = await resolveTargets(client, args);
    if (targets.some((t) => !t.name)) throw new CliError('resource(s) were provided, but no name was specified');
    const guarded = opts.currentReplicas >= 0 || opts.resourceVersion !== undefined;
    for (const { resource, name } of targets) {
      const path = `${resourcePath(resource, resource.namespaced ? client.conn.namespace : undefined, name)}/scale`;
      if (guarded) {
        const scale = await client.conn.get<Scale>(path);
        const current = scale.spec?.replicas ?? 0;
        if (opts.currentReplicas >= 0 && current !== opts.currentReplicas) throw new CliError(`Expected replicas to be ${opts.currentReplicas}, was ${current}`);
        const resourceVersion = opts.resourceVersion ?? scale.metadata.resourceVersion;
        await client.conn.request(path, { method: 'PUT', body: { ...scale, metadata: { ...scale.metadata, resourceVersion }, spec: { ...scale.spec, replicas: opts.replicas } } });
      } else {
        await client.conn.request(path, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: opts.replicas } } });
      }
      process.stdout.write(`${kindPrefix(resource)}/${name} scaled\n`);
    }
  });
}
