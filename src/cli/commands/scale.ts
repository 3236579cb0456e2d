import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { ServerError } from '../kube/api-error.js';
import { kindPrefix, resourcePath } from '../kube/discovery.js';
import { connect, selectTargets, withClientOptions, type Client, type ClientOptions } from './client-options.js';
import { parseInteger } from './flags.js';

// `okube scale TYPE NAME --replicas=N`, as kubectl scales: through the scale subresource
// (autoscaling/v1 Scale) — a merge patch of spec.replicas, or, with --current-replicas or
// --resource-version, kubectl's preconditions checked on a fresh read and an update under that
// read's resourceVersion, so that a scale someone else made in between is never overwritten.

interface ScaleOptions extends ClientOptions {
  replicas?: number;
  selector?: string;
  all?: boolean;
  currentReplicas: number;
  resourceVersion?: string;
}

interface Scale {
  metadata: { resourceVersion?: string };
  spec?: { replicas?: number };
  status?: { replicas?: number };
}

/**
 * Read, check the preconditions, update under the read resourceVersion — again on a 409 (the
 * TaskSet's controller writes its status all the time), as kubectl's scaler retries.
 */
async function guardedScale(client: Client, path: string, opts: ScaleOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const scale = await client.conn.get<Scale>(path);
    const current = scale.spec?.replicas ?? 0;
    if (opts.currentReplicas >= 0 && current !== opts.currentReplicas) throw new CliError(`Expected replicas to be ${opts.currentReplicas}, was ${current}`);
    if (opts.resourceVersion !== undefined && opts.resourceVersion !== scale.metadata.resourceVersion) throw new CliError(`Expected resource version to be ${opts.resourceVersion}, was ${scale.metadata.resourceVersion ?? ''}`);
    try {
      await client.conn.request(path, { method: 'PUT', body: { ...scale, spec: { ...scale.spec, replicas: opts.replicas } } });
      return;
    } catch (err) {
      if (attempt >= CONFLICT_RETRIES || !(err instanceof ServerError) || err.httpCode !== 409) throw err;
    }
  }
}

const CONFLICT_RETRIES = 5;

export function registerScale(program: Command): void {
  withClientOptions(
    program
      .command('scale')
      .description('set the replicas of a TaskSet (or anything with a scale subresource)')
      .argument('<resources...>', 'TYPE NAME... or TYPE/NAME..., or TYPE with -l or --all')
      .option('--replicas <count>', 'the new number of replicas', parseInteger)
      .option('-l, --selector <selector>', 'scale every object of the type matching the label selector')
      .option('--all', 'scale every object of the type in the namespace')
      .option('--current-replicas <count>', 'scale only if the current replicas are this many', parseInteger, -1)
      .option('--resource-version <version>', 'scale only if the object is still at this resourceVersion'),
  ).action(async (args: string[], opts: ScaleOptions) => {
    if (opts.replicas === undefined || opts.replicas < 0) throw new CliError('The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
    const client = await connect(opts);
    const targets = await selectTargets(client, args, opts);
    if (!targets.length) throw new CliError('no objects passed to scale');
    if (opts.resourceVersion !== undefined && targets.length > 1) throw new CliError('--resource-version may only be used with a single resource');
    const guarded = opts.currentReplicas >= 0 || opts.resourceVersion !== undefined;
    for (const { resource, name } of targets) {
      const path = `${resourcePath(resource, resource.namespaced ? client.conn.namespace : undefined, name)}/scale`;
      if (guarded) await guardedScale(client, path, opts);
      else {
        await client.conn.request(path, { method: 'PATCH', contentType: 'application/merge-patch+json', body: { spec: { replicas: opts.replicas } } });
      }
      process.stdout.write(`${kindPrefix(resource)}/${name} scaled\n`);
    }
  });
}
