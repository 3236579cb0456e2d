import type { Command } from 'commander';
import { TEMPLATE_RESTARTED_AT_ANNOTATION } from '../../api/annotations.js';
import { CHANGE_CAUSE_ANNOTATION, TASKSET_NAME_LABEL, type ControllerRevision, type TaskSet } from '../../api/types.js';
import { CliError } from '../cli-error.js';
import { kindPrefix, resourcePath, type ApiResource } from '../kube/discovery.js';
import { decideUndo, formatHistory, formatRevision, revisionsOf } from '../rollout/history.js';
import { taskSetNameLabelValue } from '../../controllers/taskset/name-label.js';
import { rolloutStatus } from '../rollout/status.js';
import { parseBool, parseDuration } from './flags.js';
import { connect, resolveTargets, withClientOptions, type Client, type ClientOptions } from './client-options.js';

// `okube rollout status|restart|pause|resume|history|undo tasksets/NAME`: kubectl rollout for
// TaskSets (kubectl's own rollout knows only the built-in kinds). Same arguments (TYPE NAME or
// TYPE/NAME; taskset, tasksets, tks), same messages, same exit codes. status reads the TaskSet's
// status the way kubectl reads a Deployment's (see ../rollout/status.ts); restart and
// pause/resume are merge patches of the template annotation okube.dev/restartedAt and
// spec.paused. history and undo read the TaskSet's ControllerRevisions (label okube.dev/taskset,
// controlled by the TaskSet) as kubectl reads a StatefulSet's (../rollout/history.ts decides);
// undo is a JSON patch replacing spec.template with the revision's (and the change-cause
// annotation with the revision's), so the controller rolls the Tasks back to that hash.

interface StatusOptions extends ClientOptions {
  /** true, or the word after -w: commander gives an optional value the next argument. */
  watch: boolean | string;
  timeout?: number;
}

const POLL_MS = 250;

async function taskSetTargets(client: Client, args: string[], verb: string): Promise<Array<{ resource: ApiResource; name: string }>> {
  const targets = await resolveTargets(client, args);
  return targets.map((t) => {
    if (t.resource.group !== 'okube.dev' || t.resource.kind !== 'TaskSet') throw new CliError(`${verb} is not supported for ${t.resource.plural}: only tasksets (taskset, tks) have rollouts`);
    if (!t.name) throw new CliError(`required resource not specified: okube rollout ${verb} tasksets/NAME`);
    return { resource: t.resource, name: t.name };
  });
}

/**
 * kubectl's -w is a boolean (-w=false, --watch=false); commander's optional value also takes the
 * next argument, so `-w tasksets/web` gives -w the name: give it back to the arguments.
 */
export function splitWatch(args: string[], watch: boolean | string): { args: string[]; watch: boolean } {
  if (typeof watch === 'boolean') return { args, watch };
  const v = watch.replace(/^=/, '');
  if (/^(true|false|1|0)$/.test(v)) return { args, watch: parseBool(v) };
  return { args: [v, ...args], watch: true };
}

async function status(rawArgs: string[], opts: StatusOptions): Promise<void> {
  const { args, watch } = splitWatch(rawArgs, opts.watch);
  if (!args.length) throw new CliError('required resource not specified: okube rollout status tasksets/NAME');
  const client = await connect(opts);
  const [t, ...more] = await taskSetTargets(client, args, 'status');
  if (more.length) throw new CliError('rollout status takes exactly one taskset');
  const path = resourcePath(t.resource, client.conn.namespace, t.name);
  const deadline = opts.timeout ? Date.now() + opts.timeout : Infinity;
  let last = '';
  for (;;) {
    const verdict = rolloutStatus(await client.conn.get<TaskSet>(path));
    if (verdict.state === 'failed') throw new CliError(verdict.message);
    if (verdict.message !== last) process.stdout.write(`${verdict.message}\n`);
    last = verdict.message;
    if (verdict.state === 'done' || !watch) return;
    if (Date.now() >= deadline) throw new CliError('timed out waiting for the condition');
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** A --revision / --to-revision value: an integer >= 0 (0: the latest / the previous). */
function parseRevision(flag: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new CliError(`invalid argument ${JSON.stringify(v)} for "--${flag}" flag: must be a revision number (0 or more)`);
    return Number(v);
  };
}

async function taskSetAndRevisions(client: Client, t: { resource: ApiResource; name: string }): Promise<{ ts: TaskSet; path: string; revisions: ControllerRevision[] }> {
  const path = resourcePath(t.resource, client.conn.namespace, t.name);
  const ts = await client.conn.get<TaskSet>(path);
  const ns = encodeURIComponent(client.conn.namespace);
  const list = await client.conn.get<{ items?: ControllerRevision[] }>(`/apis/apps/v1/namespaces/${ns}/controllerrevisions`, { query: { labelSelector: `${TASKSET_NAME_LABEL}=${taskSetNameLabelValue(t.name)}` } });
  return { ts, path, revisions: revisionsOf(ts, list.items ?? []) };
}

async function history(args: string[], opts: ClientOptions & { revision?: number }): Promise<void> {
  const client = await connect(opts);
  for (const t of await taskSetTargets(client, args, 'history')) {
    const { revisions } = await taskSetAndRevisions(client, t);
    const ref = `${kindPrefix(t.resource)}/${t.name}`;
    if (opts.revision) process.stdout.write(`${ref} with revision #${opts.revision}\n${formatRevision(revisions, opts.revision)}`);
    else process.stdout.write(`${ref} \n${formatHistory(revisions)}\n`);
  }
}

async function undo(args: string[], opts: ClientOptions & { toRevision?: number }): Promise<void> {
  const client = await connect(opts);
  for (const t of await taskSetTargets(client, args, 'undo')) {
    const { ts, path, revisions } = await taskSetAndRevisions(client, t);
    const ref = `${kindPrefix(t.resource)}/${t.name}`;
    if (ts.spec.paused) throw new CliError(`you cannot rollback a paused taskset; resume it first with 'okube rollout resume ${ref}' and try again`);
    const decision = decideUndo(ts, revisions, opts.toRevision ?? 0);
    if (decision.kind === 'skip') {
      process.stdout.write(`${ref} ${decision.message}\n`);
      continue;
    }
    // The whole template is replaced (a merge would keep labels or env the old template lacked);
    // the change-cause follows the revision, as kubectl's Deployment rollback copies it.
    const cause = decision.revision.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION];
    const causePath = `/metadata/annotations/${CHANGE_CAUSE_ANNOTATION.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const ops: object[] = [{ op: 'replace', path: '/spec/template', value: decision.template }];
    if (cause !== undefined) ops.push(ts.metadata.annotations ? { op: 'add', path: causePath, value: cause } : { op: 'add', path: '/metadata/annotations', value: { [CHANGE_CAUSE_ANNOTATION]: cause } });
    else if (ts.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] !== undefined) ops.push({ op: 'remove', path: causePath });
    await client.conn.request(path, { method: 'PATCH', contentType: 'application/json-patch+json', body: ops });
    process.stdout.write(`${ref} rolled back\n`);
  }
}

type Verb = 'restart' | 'pause' | 'resume';

async function patch(verb: Verb, args: string[], opts: ClientOptions): Promise<void> {
  const client = await connect(opts);
  for (const t of await taskSetTargets(client, args, verb)) {
    const path = resourcePath(t.resource, client.conn.namespace, t.name);
    const ts = await client.conn.get<TaskSet>(path);
    const ref = `${kindPrefix(t.resource)}/${t.name}`;
    let body: object;
    if (verb === 'restart') {
      if (ts.spec.paused) throw new CliError(`can't restart paused taskset (run rollout resume first)`);
      body = { spec: { template: { metadata: { annotations: { [TEMPLATE_RESTARTED_AT_ANNOTATION]: new Date().toISOString() } } } } };
    } else {
      const paused = verb === 'pause';
      if (Boolean(ts.spec.paused) === paused) {
        process.stdout.write(`${ref} already ${paused ? 'paused' : 'resumed'}\n`);
        continue;
      }
      body = { spec: { paused } };
    }
    await client.conn.request(path, { method: 'PATCH', contentType: 'application/merge-patch+json', body });
    process.stdout.write(`${ref} ${verb === 'restart' ? 'restarted' : verb === 'pause' ? 'paused' : 'resumed'}\n`);
  }
}

export function registerRollout(program: Command): void {
  const rollout = program
    .command('rollout')
    .description('manage the rollout of a TaskSet: status, history, undo, restart, pause, resume');
  withClientOptions(
    rollout
      .command('status')
      .description('show the rollout status of a TaskSet; waits until it finishes unless -w=false')
      .argument('[args...]', 'tasksets/NAME, taskset NAME or tks/NAME')
      .option('-w, --watch [bool]', 'watch the status until the rollout finishes (-w=false: print it once)', true)
      .option('--timeout <duration>', 'give up watching after this long (e.g. 60s, 2m); 0 waits forever', parseDuration),
  ).action((args: string[], opts: StatusOptions) => status(args, opts));
  withClientOptions(
    rollout
      .command('restart')
      .description('roll every replica of a TaskSet (sets the template annotation okube.dev/restartedAt)')
      .argument('<args...>', 'tasksets/NAME..., taskset NAME... or tks/NAME...'),
  ).action((args: string[], opts: ClientOptions) => patch('restart', args, opts));
  withClientOptions(
    rollout
      .command('pause')
      .description('pause a TaskSet: template changes are not rolled out until resume (scaling still works)')
      .argument('<args...>', 'tasksets/NAME..., taskset NAME... or tks/NAME...'),
  ).action((args: string[], opts: ClientOptions) => patch('pause', args, opts));
  withClientOptions(
    rollout
      .command('resume')
      .description('resume a paused TaskSet')
      .argument('<args...>', 'tasksets/NAME..., taskset NAME... or tks/NAME...'),
  ).action((args: string[], opts: ClientOptions) => patch('resume', args, opts));
  withClientOptions(
    rollout
      .command('history')
      .description('list a TaskSet\'s template revisions (REVISION, CHANGE-CAUSE from kubernetes.io/change-cause); --revision=N prints that template')
      .argument('<args...>', 'tasksets/NAME..., taskset NAME... or tks/NAME...')
      .option('--revision <n>', 'print the template of this revision', parseRevision('revision')),
  ).action((args: string[], opts: ClientOptions & { revision?: number }) => history(args, opts));
  withClientOptions(
    rollout
      .command('undo')
      .description('roll a TaskSet back to its previous template, or to --to-revision=N')
      .argument('<args...>', 'tasksets/NAME..., taskset NAME... or tks/NAME...')
      .option('--to-revision <n>', 'the revision to roll back to (0: the previous one)', parseRevision('to-revision')),
  ).action((args: string[], opts: ClientOptions & { toRevision?: number }) => undo(args, opts));
}
