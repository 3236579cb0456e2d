import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { isServerError, ServerError } from '../kube/api-error.js';
import { ConnectionError } from '../kube/connection.js';
import { kindPrefix, resourcePath, qualifiedResource, type ApiResource } from '../kube/discovery.js';
import { parseBool, parseDuration, parseInteger, repeatable } from './flags.js';
import { connect, namesOf, resolveTargets, withClientOptions, type Client, type ClientOptions } from './client-options.js';
import { dryRunMode, manifestRefs, type DryRun } from './manifest-objects.js';

// `okube delete RESOURCE NAME... | -f FILE`: like kubectl, waits (by default) until the object is
// really gone — for a Task that means its container was stopped and removed by the controller.

interface DeleteOptions extends ClientOptions {
  filename: string[];
  recursive?: boolean;
  wait: boolean;
  timeout?: number;
  ignoreNotFound?: boolean;
  selector?: string;
  gracePeriod: number;
  force?: boolean;
  all?: boolean;
  now?: boolean;
  dryRun: DryRun;
}

/**
 * DeleteOptions.gracePeriodSeconds as kubectl sends it: none for -1 (the object's own period),
 * and 0 only with --force (without it kubectl turns 0 into 1, to prevent accidental data loss).
 */
export function deleteGracePeriod(gracePeriod: number, force: boolean): number | undefined {
  if (force && gracePeriod < 0) return 0;
  if (gracePeriod === 0 && !force) return 1;
  return gracePeriod < 0 ? undefined : gracePeriod;
}

interface Target {
  resource: ApiResource;
  name: string;
  namespace?: string;
  /** The manifest it was read from (-f). */
  file?: string;
}

async function waitGone(client: Client, t: Target, deadline: number): Promise<void> {
  const path = resourcePath(t.resource, t.namespace, t.name);
  for (;;) {
    try {
      await client.conn.get(path);
    } catch (err) {
      if (isServerError(err, 'NotFound')) return;
      throw err;
    }
    if (Date.now() > deadline) throw new CliError(`timed out waiting for the condition on ${qualifiedResource(t.resource)}/${t.name}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function targetsOf(client: Client, args: string[], opts: DeleteOptions): Promise<Target[]> {
  if (opts.filename.length) {
    if (args.length) throw new CliError('when -f is given, no resource arguments are accepted');
    return manifestRefs(client, opts.filename, 'delete', opts.recursive, opts.namespace);
  }
  const resolved = await resolveTargets(client, args);
  if (opts.all && resolved.some((r) => r.name)) throw new CliError('cannot set --all and name resources at the same time');
  const out: Target[] = [];
  for (const { resource, name } of resolved) {
    const namespace = resource.namespaced ? client.conn.namespace : undefined;
    if (name) out.push({ resource, name, namespace });
    else if (opts.selector || opts.all) out.push(...(await namesOf(client, resource, opts.selector)).map((n) => ({ resource, name: n, namespace })));
    else throw new CliError('resource(s) were provided, but no name was specified (or -l, or --all)');
  }
  return out;
}

export function registerDelete(program: Command): void {
  withClientOptions(
    program
      .command('delete')
      .description('delete objects by name or from manifests; waits until they are gone')
      .argument('[args...]', 'TYPE NAME..., or TYPE/NAME...')
      .option('-f, --filename <path>', 'delete the objects in these manifests (files, directories, http(s) URLs); repeatable', repeatable, [])
      .option('-R, --recursive', 'read directories inside -f directories too')
      .option('-l, --selector <selector>', 'delete every object of the type matching the label selector')
      .option('--wait [bool]', 'wait for the objects to be gone (finalizers done)', parseBool, true)
      .option('--timeout <duration>', 'give up waiting after this long (e.g. 60s, 2m)', parseDuration)
      .option('--ignore-not-found', 'treat "not found" as success')
      .option('--grace-period <seconds>', "seconds a Task's container gets between SIGTERM and SIGKILL; -1: its terminationGracePeriodSeconds, 0: at once (with --force)", parseInteger, -1)
      .option('--force', 'with --grace-period=0: kill at once')
      .option('--all', 'delete every object of the type in the namespace')
      .option('--now', 'stop with the least grace: --grace-period=1')
      .option('--dry-run <mode>', 'server: the server checks the deletion and answers as for a real one, and deletes nothing; none (default)', dryRunMode, 'none' as DryRun),
  ).action(async (args: string[], opts: DeleteOptions) => {
    if (opts.all && opts.selector) throw new CliError('cannot set --all and --selector at the same time');
    if (opts.now && opts.gracePeriod >= 0) throw new CliError('--now and --grace-period cannot be specified together');
    if (opts.now) opts.gracePeriod = 1;
    const client = await connect(opts);
    const targets = await targetsOf(client, args, opts);
    if (!targets.length) {
      process.stderr.write('No resources found\n');
      return;
    }
    const deleted: Target[] = [];
    let failed = false;
    const gracePeriodSeconds = deleteGracePeriod(opts.gracePeriod, Boolean(opts.force));
    const dryRun = opts.dryRun === 'server';
    if (gracePeriodSeconds === 0) process.stderr.write('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    for (const t of targets) {
      try {
        await client.conn.request(resourcePath(t.resource, t.namespace, t.name), { method: 'DELETE', query: { gracePeriodSeconds, dryRun: dryRun ? 'All' : undefined } });
        // kubectl's words: the kind, not the resource ("task.okube.dev", as apply prints).
        process.stdout.write(`${kindPrefix(t.resource)} "${t.name}" ${gracePeriodSeconds === 0 ? 'force deleted' : 'deleted'}${dryRun ? ' (server dry run)' : ''}\n`);
        deleted.push(t);
      } catch (caught) {
        if (isServerError(caught, 'NotFound') && opts.ignoreNotFound) continue;
        // As kubectl: an object from a manifest is reported with its file.
        const err = isServerError(caught) && t.file ? new ServerError(`error when deleting "${t.file}": ${caught.message}`, caught.httpCode, caught.reason, caught.prefix) : caught;
        if (!(err instanceof CliError) || err instanceof ConnectionError || targets.length === 1) throw err;
        process.stderr.write(`${err.prefix}${err.message}\n`);
        failed = true;
      }
    }
    // Nothing goes away in a dry run: nothing to wait for.
    if (opts.wait && !dryRun) {
      const deadline = Date.now() + (opts.timeout ?? 24 * 3600_000);
      for (const t of deleted) await waitGone(client, t, deadline);
    }
    if (failed) process.exitCode = 1;
  });
}
