import { Option, type Command } from 'commander';
import { canonicalJson } from '../../util/canonical-json.js';
import { CliError } from '../cli-error.js';
import { isServerError, ServerError } from '../kube/api-error.js';
import { kindPrefix, resourcePath } from '../kube/discovery.js';
import { readManifests, type SourcedManifest } from '../kube/manifests.js';
import { forEachManifest, manifestTarget, withManifestFlags, type ManifestFlags, type Sent } from './manifest-objects.js';
import { connect, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube apply -f FILE|DIR|-`: server-side apply of every object (the server merges, owns the
// conflicts and creates what is missing), reported as kubectl reports a client-side apply:
// created, configured or unchanged.

interface ApplyOptions extends ClientOptions, ManifestFlags {
  fieldManager: string;
  forceConflicts?: boolean;
}

type Applied = { metadata: Record<string, unknown>; status?: unknown };

/**
 * What an apply can change: everything but status and the bookkeeping the server keeps, with keys
 * sorted — the apply's response may order an object's keys otherwise than a GET of it.
 */
function content(obj: Applied): string {
  const { status: _status, ...rest } = obj;
  const { resourceVersion: _rv, managedFields: _mf, ...meta } = obj.metadata;
  return canonicalJson({ ...rest, metadata: meta });
}

async function applyOne(client: Client, m: SourcedManifest, explicitNamespace: string | undefined, opts: ApplyOptions): Promise<Sent> {
  const obj = m.object;
  const { resource, namespace, where, body } = await manifestTarget(client, m, explicitNamespace);
  const name = obj.metadata.name;
  if (!name) throw new CliError(`error validating ${where}: metadata.name not set (apply needs a name; generateName is not supported)`);
  const path = resourcePath(resource, namespace, name);
  let before: string | undefined;
  try {
    before = content(await client.conn.get<Applied>(path));
  } catch (err) {
    if (!isServerError(err, 'NotFound')) throw err;
  }
  const res = await client.conn
    .request<Applied>(path, {
      method: 'PATCH',
      body,
      contentType: 'application/apply-patch+yaml',
      query: { fieldManager: opts.fieldManager, force: opts.forceConflicts ? 'true' : undefined, fieldValidation: opts.validate, dryRun: opts.dryRun === 'server' ? 'All' : undefined },
    })
    .catch((err: unknown) => {
      // kubectl follows an apply conflict with how to resolve it; okube says it in one line.
      if (isServerError(err, 'Conflict') && err.message.startsWith('Apply failed')) {
        throw new ServerError(`${err.message} (to take them, run okube apply again with --force-conflicts)`, err.httpCode, err.reason, err.prefix);
      }
      throw err;
    });
  const verb = before === undefined ? 'created' : content(res.body) === before ? 'unchanged' : 'configured';
  return { ref: `${kindPrefix(resource)}/${name}`, verb, obj: res.body };
}

export function registerApply(program: Command): void {
  withClientOptions(
    withManifestFlags(program
      .command('apply')
      .description('create or update objects from YAML or JSON manifests (server-side apply)')
      .option('--field-manager <name>', 'the manager that owns the applied fields', 'okube')
      .option('--force-conflicts', 'take over fields another manager owns')
      .addOption(new Option('-k, --kustomize <dir>').hideHelp())),
  ).action(async (opts: ApplyOptions & { kustomize?: string }) => {
    // kubectl builds kustomizations with the kustomize it embeds; okube has none, so it says how.
    if (opts.kustomize !== undefined) throw new CliError(`okube apply has no -k: build the kustomization with kubectl and pipe it in: kubectl kustomize ${opts.kustomize} | okube apply -f -`);
    const manifests = await readManifests(opts.filename, 'apply', opts.recursive);
    const client = await connect(opts);
    await forEachManifest(manifests, 'applying', { ...opts, objectsAtEnd: true }, (m) => applyOne(client, m, opts.namespace, opts));
  });
}
