import yaml from 'js-yaml';
import { CHANGE_CAUSE_ANNOTATION, TEMPLATE_HASH_LABEL, type ControllerRevision, type TaskSet, type TaskSetSpec } from '../../api/types.js';
import { templateHash } from '../../controllers/taskset/hash.js';
import { CliError } from '../cli-error.js';

// What `okube rollout history|undo` decide from a TaskSet and the ControllerRevisions of its
// namespace (the TaskSet controller keeps them, src/controllers/taskset/plan/revisions.ts), pure:
// the command reads and writes, this decides. kubectl's history and rollback for StatefulSets and
// DaemonSets (ControllerRevision-based), word for word where kubectl has words: the
// REVISION/CHANGE-CAUSE table (change-cause from the revision's kubernetes.io/change-cause
// annotation, else <none>), "unable to find the specified revision", "no last revision to roll
// back to", "skipped rollback (current template already matches revision N)". A revision counts
// when the TaskSet (this uid) controls it.

export type Template = TaskSetSpec['template'];

/** The TaskSet's revisions, ascending by number. */
export function revisionsOf(ts: TaskSet, revisions: ControllerRevision[]): ControllerRevision[] {
  return revisions
    .filter((r) => r.metadata.ownerReferences?.some((o) => o.controller === true && o.uid === ts.metadata.uid) && !r.metadata.deletionTimestamp)
    .sort((a, b) => a.revision - b.revision);
}

/** The template a revision holds (`data.spec.template`), or a one-line error. */
export function templateOf(r: ControllerRevision): Template {
  const t = (r.data as { spec?: { template?: Template } } | undefined)?.spec?.template;
  if (!t || typeof t !== 'object' || !t.spec) throw new CliError(`revision ${r.revision} (${r.metadata.name}) holds no TaskSet template (data.spec.template)`);
  return t;
}

/** kubectl's tabwriter (padding 2): the REVISION/CHANGE-CAUSE table. */
export function formatHistory(revisions: ControllerRevision[]): string {
  if (!revisions.length) return 'No rollout history found.\n';
  const rows = [['REVISION', 'CHANGE-CAUSE'], ...revisions.map((r) => [String(r.revision), r.metadata.annotations?.[CHANGE_CAUSE_ANNOTATION] || '<none>'])];
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  return rows.map(([n, cause]) => `${n.padEnd(width)}${cause}\n`).join('');
}

/** `--revision=N`: the revision's template, as kubectl prints a revision's Pod Template. */
export function formatRevision(revisions: ControllerRevision[], n: number): string {
  const r = revisions.find((x) => x.revision === n);
  if (!r) throw new CliError('unable to find the specified revision');
  const body = yaml.dump(templateOf(r), { sortKeys: true, lineWidth: -1, noRefs: true, noArrayIndent: true, quotingType: '"' });
  return `Task Template:\n${body.trimEnd().split('\n').map((l) => `  ${l}`).join('\n')}\n`;
}

export type UndoDecision = { kind: 'rollback'; revision: ControllerRevision; template: Template } | { kind: 'skip'; message: string };

/**
 * `undo [--to-revision=N]`: N = 0 means the previous template: the highest-numbered revision
 * whose template differs from the TaskSet's current one.
 */
export function decideUndo(ts: TaskSet, revisions: ControllerRevision[], toRevision: number): UndoDecision {
  const currentHash = templateHash(ts.spec.template);
  const hashOf = (r: ControllerRevision) => r.metadata.labels?.[TEMPLATE_HASH_LABEL] ?? templateHash(templateOf(r));
  let target: ControllerRevision | undefined;
  if (toRevision === 0) {
    // kubectl's words for a Deployment with no previous revision, history or not.
    target = revisions.filter((r) => hashOf(r) !== currentHash).at(-1);
    if (!target) throw new CliError('no last revision to roll back to');
  } else {
    target = revisions.find((r) => r.revision === toRevision);
    if (!target) throw new CliError(`unable to find specified revision ${toRevision} in history`);
  }
  const template = templateOf(target);
  if (templateHash(template) === currentHash) return { kind: 'skip', message: `skipped rollback (current template already matches revision ${target.revision})` };
  return { kind: 'rollback', revision: target, template };
}
