import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { ConnectionError } from '../kube/connection.js';
import type { ApiResource } from '../kube/discovery.js';
import { readManifests, type Manifest, type SourcedManifest } from '../kube/manifests.js';
import { asList, formatObject } from '../print/objects.js';
import { Progress } from '../print/progress.js';
import { knowsKinds, type Client } from './client-options.js';
import { repeatable } from './flags.js';

// The objects of manifests sent one at a time (apply, create): where each goes — its resource by
// apiVersion and kind, its namespace the manifest's own, else -n's, else the context's, checked as
// kubectl checks them before anything is sent — and the loop that reports each.

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

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

export type DryRun = 'none' | 'server';

/** kubectl's --dry-run values. okube has no client-side dry run: the server's checks everything and stores nothing. */
export function dryRunMode(v: string): DryRun {
  if (v === 'none' || v === 'server') return v;
  if (v === 'client') throw new CliError('okube has no client-side dry run: use --dry-run=server (the server checks the object fully and stores nothing)');
  throw new CliError(`Invalid dry-run value (${v}). Must be "none", "server", or "client".`);
}

export type SentFormat = 'yaml' | 'json' | 'name';

/** -o for a command that sends objects: the objects as the server answered, or their names. */
export function sentFormat(v: string): SentFormat {
  if (v === 'yaml' || v === 'json' || v === 'name') return v;
  throw new CliError(`unable to match a printer suitable for the output format "${v}", allowed formats are: json,name,yaml`);
}

/** The flags of a command that reads manifests: -f (repeatable), -R, --validate, --dry-run and -o. */
export interface ManifestFlags {
  filename: string[];
  recursive?: boolean;
  validate: FieldValidation;
  dryRun: DryRun;
  output?: SentFormat;
  showManagedFields?: boolean;
}

export function withManifestFlags(cmd: Command): Command {
  return cmd
    .option('-f, --filename <path>', 'file, directory, http(s) URL or - (stdin); repeatable', repeatable, [])
    .option('-R, --recursive', 'also read the directories inside a directory given with -f')
    .option('--validate <mode>', 'unknown or duplicate fields: strict (refused), warn (a warning, dropped) or ignore (dropped silently); true = strict, false = ignore', fieldValidation, 'Strict' as FieldValidation)
    .option('--dry-run <mode>', 'server: the server checks and answers as for a real write, and stores nothing; none (default)', dryRunMode, 'none' as DryRun)
    .option('-o, --output <format>', 'print the objects as the server answered (yaml or json) or their names (name) instead of what happened', sentFormat)
    .option('--show-managed-fields', 'keep metadata.managedFields in -o yaml|json (left out by default, as by kubectl)');
}

/** What a command sent for one object: the line it reports, and the object the server answered. */
export interface Sent {
  /** "task.okube.dev/web": -o name prints it. */
  ref: string;
  /** "created", "configured", "unchanged"… */
  verb: string;
  obj: unknown;
}

export interface ManifestTarget {
  resource: ApiResource;
  /** undefined for a cluster-scoped resource. */
  namespace?: string;
  /** "FILE (document N)", for messages. */
  where: string;
  /** The object to send: the manifest's, with its namespace filled in. */
  body: Manifest;
}

/** kubectl's refusal of a manifest whose namespace is not the one -n names (nothing is sent for it). */
export function checkNamespace(obj: Manifest, explicitNamespace: string | undefined): void {
  const own = obj.metadata.namespace;
  if (own && explicitNamespace && own !== explicitNamespace) {
    throw new CliError(`the namespace from the provided object "${own}" does not match the namespace "${explicitNamespace}". You must pass '--namespace=${own}' to perform this operation.`);
  }
}

/** An object a manifest names (delete -f, wait -f): its resource, name and namespace, and its file. */
export interface ManifestRef {
  resource: ApiResource;
  name: string;
  namespace?: string;
  file: string;
}

/**
 * The objects the manifests at `paths` name, as kubectl's resource builder reads them for delete
 * and wait: the namespace the manifest's own, else the command's; a manifest of another namespace
 * than -n names is refused before anything is done.
 */
export async function manifestRefs(client: Client, paths: string[], verb: string, recursive: boolean | undefined, explicitNamespace: string | undefined): Promise<ManifestRef[]> {
  const manifests = await readManifests(paths, verb, recursive);
  const d = await client.discovery(knowsKinds(manifests.map((m) => m.object)));
  return manifests.map(({ object, source }) => {
    const resource = d.forKind(object.apiVersion, object.kind);
    if (!resource) throw new CliError(`no matches for kind "${object.kind}" in version "${object.apiVersion}" (${source.file}, document ${source.document})`);
    if (resource.namespaced) checkNamespace(object, explicitNamespace);
    return { resource, name: object.metadata.name ?? '', namespace: resource.namespaced ? (object.metadata.namespace ?? client.conn.namespace) : undefined, file: source.file };
  });
}

export async function manifestTarget(client: Client, m: SourcedManifest, explicitNamespace: string | undefined): Promise<ManifestTarget> {
  const obj = m.object;
  const d = await client.discovery(knowsKinds([obj]));
  const where = `${m.source.file} (document ${m.source.document})`;
  const resource = d.forKind(obj.apiVersion, obj.kind);
  if (!resource) throw new CliError(`resource mapping not found for name: "${obj.metadata.name ?? ''}" namespace: "${obj.metadata.namespace ?? ''}" from "${where}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}" - ensure CRDs are installed first`);
  if (!resource.namespaced) return { resource, where, body: obj };
  checkNamespace(obj, explicitNamespace);
  const namespace = obj.metadata.namespace ?? client.conn.namespace;
  return { resource, namespace, where, body: { ...obj, metadata: { ...obj.metadata, namespace } } };
}

/**
 * Sends each manifest's object with `one` and reports it: kubectl's "REF VERB" line (with
 * " (server dry run)"), or -o's name, or the objects — one by one for create, all at the end for
 * apply (a List when there are several), as kubectl prints them. As kubectl: a failed object is
 * reported and the others still go; the exit code is then 1. A lost connection, or a single
 * object, ends the command with its error.
 */
export async function forEachManifest(manifests: SourcedManifest[], doing: string, flags: ManifestFlags & { objectsAtEnd: boolean }, one: (m: SourcedManifest) => Promise<Sent>): Promise<void> {
  const progress = new Progress(doing, manifests.length);
  const format = flags.output;
  const atEnd: unknown[] = [];
  let printed = 0;
  let failed = 0;
  for (const [i, m] of manifests.entries()) {
    progress.step(i, `${m.object.kind}/${m.object.metadata.name ?? m.object.metadata.generateName ?? ''}`);
    try {
      const sent = await one(m);
      progress.clear();
      if (format === 'yaml' || format === 'json') {
        if (flags.objectsAtEnd) atEnd.push(sent.obj);
        else process.stdout.write(`${format === 'yaml' && printed++ ? '---\n' : ''}${formatObject(sent.obj, format, flags.showManagedFields)}`);
      } else process.stdout.write(format === 'name' ? `${sent.ref}\n` : `${sent.ref} ${sent.verb}${flags.dryRun === 'server' ? ' (server dry run)' : ''}\n`);
    } catch (err) {
      if (!(err instanceof CliError) || err instanceof ConnectionError || manifests.length === 1) throw err;
      progress.clear();
      process.stderr.write(`${err.prefix}${err.message}\n`);
      failed++;
    }
  }
  progress.done(failed);
  if (atEnd.length && (format === 'yaml' || format === 'json')) process.stdout.write(formatObject(atEnd.length === 1 ? atEnd[0] : asList(atEnd), format, flags.showManagedFields));
  if (failed) process.exitCode = 1;
}
