import type { Command } from 'commander';
import { evalJsonPath } from '../../util/jsonpath.js';
import { CliError } from '../cli-error.js';
import { isServerError } from '../kube/api-error.js';
import { kindPrefix, resourcePath, type ApiResource } from '../kube/discovery.js';
import { parseDuration, repeatable } from './flags.js';
import { connect, selectTargets, withClientOptions, type Client, type ClientOptions } from './client-options.js';
import { manifestRefs } from './manifest-objects.js';

// `okube wait --for=condition=Ready TASK`: blocks until each object meets the condition (or is
// deleted, or a JSONPath has a value), like kubectl wait; --timeout bounds it.

interface WaitOptions extends ClientOptions {
  for: string;
  timeout: string;
  selector?: string;
  all?: boolean;
  filename: string[];
  recursive?: boolean;
}

type Obj = { status?: { conditions?: Array<{ type: string; status: string }> } };
type Check = (obj: Obj | undefined) => boolean;

export function parseFor(spec: string): Check {
  if (spec === 'delete') return (o) => o === undefined;
  let m = /^condition=([^=]+)(?:=(.*))?$/i.exec(spec);
  if (m) {
    const [type, want = 'True'] = [m[1], m[2]];
    return (o) => Boolean(o?.status?.conditions?.some((c) => c.type.toLowerCase() === type.toLowerCase() && c.status.toLowerCase() === want.toLowerCase()));
  }
  m = /^jsonpath=(\{.*\})(?:=(.*))?$/.exec(spec);
  if (m) {
    const [path, want] = [m[1], m[2]];
    return (o) => {
      if (!o) return false;
      const values = evalJsonPath(o, path);
      if (want === undefined) return values.length > 0;
      return values.length > 0 && (typeof values[0] === 'string' ? values[0] : JSON.stringify(values[0])) === want;
    };
  }
  throw new CliError(`unrecognized condition: "${spec}" (use --for=condition=Ready, --for=condition=Ready=false, --for=delete or --for=jsonpath='{.status.phase}'=Succeeded)`);
}

/** The objects to wait for: those the manifests name (-f), or by name, -l or --all. */
async function targetsOf(client: Client, args: string[], opts: WaitOptions): Promise<Array<{ resource: ApiResource; name: string; namespace?: string }>> {
  if (!opts.filename.length && !args.length) throw new CliError("You must provide one or more resources by argument or filename (TYPE NAME, TYPE/NAME, or -f FILE)");
  if (!opts.filename.length) return (await selectTargets(client, args, opts)).map((t) => ({ ...t, namespace: client.conn.namespace }));
  if (args.length) throw new CliError('when -f is given, no resource arguments are accepted');
  if (opts.selector !== undefined || opts.all) throw new CliError('-l and --all select objects of a type; with -f the manifests name them');
  return manifestRefs(client, opts.filename, 'wait', opts.recursive, opts.namespace);
}

export function registerWait(program: Command): void {
  withClientOptions(
    program
      .command('wait')
      .description('wait until objects meet a condition (condition=Ready, delete, jsonpath=...)')
      .argument('[args...]', 'TYPE NAME... or TYPE/NAME..., or TYPE with -l or --all (or -f)')
      .requiredOption('--for <condition>', 'condition=NAME[=value], delete, or jsonpath={.path}[=value]')
      .option('-l, --selector <selector>', 'wait for every object of the type matching the label selector')
      .option('--all', 'wait for every object of the type in the namespace')
      .option('-f, --filename <path>', 'wait for the objects in these manifests (files, directories, http(s) URLs, -); repeatable', repeatable, [])
      .option('-R, --recursive', 'read directories inside -f directories too')
      .option('--timeout <duration>', 'how long to wait (e.g. 30s, 2m)', '30s'),
  ).action(async (args: string[], opts: WaitOptions) => {
    const check = parseFor(opts.for);
    const timeoutMs = parseDuration(opts.timeout);
    const client = await connect(opts);
    const targets = await targetsOf(client, args, opts);
    if (!targets.length) throw new CliError('no matching resources found');
    const deadline = Date.now() + timeoutMs;
    for (const t of targets) {
      const path = resourcePath(t.resource, t.namespace, t.name);
      let seen = false;
      for (let first = true; ; first = false) {
        let obj: Obj | undefined;
        try {
          obj = await client.conn.get<Obj>(path);
          seen = true;
        } catch (err) {
          if (!isServerError(err, 'NotFound')) throw err;
          if (first && opts.for !== 'delete') throw err;
        }
        if (check(obj)) break;
        if (Date.now() >= deadline) throw new CliError(`timed out waiting for the condition on ${t.resource.plural}/${t.name}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      // An object that was already gone is not reported, as kubectl does not.
      if (seen) process.stdout.write(`${kindPrefix(t.resource)}/${t.name} condition met\n`);
    }
  });
}
