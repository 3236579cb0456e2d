import type { Command } from 'commander';
import { isServerError, ServerError } from '../kube/api-error.js';
import { kindPrefix, resourcePath } from '../kube/discovery.js';
import { readManifests, type SourcedManifest } from '../kube/manifests.js';
import { connect, withClientOptions, type Client, type ClientOptions } from './client-options.js';
import { forEachManifest, manifestTarget, withManifestFlags, type ManifestFlags, type Sent } from './manifest-objects.js';

// `okube create -f FILE|DIR|-`: a POST of every object, as kubectl create -f. Unlike apply it
// refuses an object that exists (AlreadyExists) and takes metadata.generateName, so one manifest
// makes a new run-to-completion Task each time it is created.

interface CreateOptions extends ClientOptions, ManifestFlags {
  fieldManager: string;
}

async function createOne(client: Client, m: SourcedManifest, explicitNamespace: string | undefined, opts: CreateOptions): Promise<Sent> {
  const { resource, namespace, body } = await manifestTarget(client, m, explicitNamespace);
  try {
    const res = await client.conn.request<{ metadata: { name: string } }>(resourcePath(resource, namespace), {
      method: 'POST',
      body,
      query: { fieldManager: opts.fieldManager, fieldValidation: opts.validate, dryRun: opts.dryRun === 'server' ? 'All' : undefined },
    });
    return { ref: `${kindPrefix(resource)}/${res.body.metadata.name}`, verb: 'created', obj: res.body };
  } catch (err) {
    // kubectl names the file the failed object came from (an Invalid one is printed from its causes, without it).
    if (isServerError(err) && err.reason !== 'Invalid') throw new ServerError(`error when creating "${m.source.file}": ${err.message}`, err.httpCode, err.reason, err.prefix);
    throw err;
  }
}

export function registerCreate(program: Command): void {
  withClientOptions(
    withManifestFlags(program
      .command('create')
      .description('create objects from YAML or JSON manifests; an object that exists is an error (AlreadyExists)'))
      .option('--field-manager <name>', 'the manager that owns the created fields', 'okube-create'),
  ).action(async (opts: CreateOptions) => {
    const manifests = await readManifests(opts.filename, 'create', opts.recursive);
    const client = await connect(opts);
    await forEachManifest(manifests, 'creating', { ...opts, objectsAtEnd: false }, (m) => createOne(client, m, opts.namespace, opts));
  });
}
