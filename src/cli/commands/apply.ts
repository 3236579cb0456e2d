import { Option, type Command } from 'commander';
import { canonicalJson } from '../../util/canonical-json.js';
import { CliError } from '../cli-error.js';
import { isServerError } from '../kube/api-error.js';
import { ConnectionError } from '../kube/connection.js';
import { kindPrefix, resourcePath } from '../kube/discovery.js';
import { readManifests, type SourcedManifest } from '../kube/manifests.js';
import { Progress } from '../print/progress.js';
import { connect, knowsKinds, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube apply -f FILE|DIR|-`: server-side apply of every object (the server merges, owns the
// conflicts and creates what is missing), reported as kubectl reports a client-side apply:
// created, configured or unchanged.

interface ApplyOptions extends ClientOptions {
  filename: string[];
  recursive?: boolean;
  fieldManager: string;
  forceConflicts?: boolean;
  validate: FieldValidation;
}

type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** kubectl's --validate values: a typo in a manifest's field is refused unless asked otherwise. */
export function fieldValidation(v: string): FieldValidation {
  switch (v.toLowerCase()) {
    case 'strict':
    case 'true':
      return 'Strict';
    case 'warn':
      return 'Warn';
    case 'ignore':
    case 'false':
      return 'Ignore';
    default:
      throw new CliError(`invalid - validate option "${v}"; must be one of: strict (or true), warn, ignore (or false)`);
  }
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

const FILENAME = (v: string, prev: string[] = []) => [...prev, v];

async function applyOne(client: Client, m: SourcedManifest, explicitNamespace: string | undefined, opts: ApplyOptions): Promise<string> {
  const obj = m.object;
  const d = await client.discovery(knowsKinds([obj]));
  const where = `${m.source.file} (document ${m.source.document})`;
  const resource = d.forKind(obj.apiVersion, obj.kind);
  if (!resource) throw new CliError(`resource mapping not found for name: "${obj.metadata.name ?? ''}" namespace: "${obj.metadata.namespace ?? ''}" from "${where}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}" - ensure CRDs are installed first`);
  const name = obj.metadata.name;
  if (!name) throw new CliError(`error validating ${where}: metadata.name not set (apply needs a name; generateName is not supported)`);
  let namespace: string | undefined;
  if (resource.namespaced) {
    if (obj.metadata.namespace && explicitNamespace && obj.metadata.namespace !== explicitNamespace) {
      throw new CliError(`the namespace from the provided object "${obj.metadata.namespace}" does not match the namespace "${explicitNamespace}". You must pass '--namespace=${obj.metadata.namespace}' to perform this operation.`);
    }
    namespace = obj.metadata.namespace ?? client.conn.namespace;
  }
  const path = resourcePath(resource, namespace, name);
  let before: string | undefined;
  try {
    before = content(await client.conn.get<Applied>(path));
  } catch (err) {
    if (!isServerError(err, 'NotFound')) throw err;
  }
  const body = { ...obj, metadata: { ...obj.metadata, ...(namespace ? { namespace } : {}) } };
  const res = await client.conn.request<Applied>(path, {
    method: 'PATCH',
    body,
    contentType: 'application/apply-patch+yaml',
    query: { fieldManager: opts.fieldManager, force: opts.forceConflicts ? 'true' : undefined, fieldValidation: opts.validate },
  });
  const verb = before === undefined ? 'created' : content(res.body) === before ? 'unchanged' : 'configured';
  return `${kindPrefix(resource)}/${name} ${verb}`;
}

export function registerApply(program: Command): void {
  withClientOptions(
    program
      .command('apply')
      .description('create or update objects from YAML or JSON manifests (server-side apply)')
      .option('-f, --filename <path>', 'file, directory, http(s) URL or - (stdin); repeatable', FILENAME, [])
      .option('-R, --recursive', 'also read the directories inside a directory given with -f')
      .option('--field-manager <name>', 'the manager that owns the applied fields', 'okube')
      .option('--force-conflicts', 'take over fields another manager owns')
      .option('--validate <mode>', 'unknown or duplicate fields: strict (refused), warn (a warning, dropped) or ignore (dropped silently); true = strict, false = ignore', fieldValidation, 'Strict' as FieldValidation)
      .addOption(new Option('-k, --kustomize <dir>').hideHelp()),
  ).action(async (opts: ApplyOptions & { kustomize?: string }) => {
    // kubectl builds kustomizations with the kustomize it embeds; okube has none, so it says how.
    if (opts.kustomize !== undefined) throw new CliError(`okube apply has no -k: build the kustomization with kubectl and pipe it in: kubectl kustomize ${opts.kustomize} | okube apply -f -`);
    const manifests = await readManifests(opts.filename, 'apply', opts.recursive);
    const client = await connect(opts);
    const progress = new Progress('applying', manifests.length);
    let failed = 0;
    for (const [i, m] of manifests.entries()) {
      progress.step(i, `${m.object.kind}/${m.object.metadata.name ?? ''}`);
      try {
        const line = await applyOne(client, m, opts.namespace, opts);
        progress.clear();
        process.stdout.write(`${line}\n`);
      } catch (err) {
        // Like kubectl: go on with the other objects, report each failure, exit non-zero.
        if (!(err instanceof CliError) || err instanceof ConnectionError || manifests.length === 1) throw err;
        progress.clear();
        process.stderr.write(`${err.prefix}${err.message}\n`);
        failed++;
      }
    }
    progress.done(failed);
    if (failed) process.exitCode = 1;
  });
}
