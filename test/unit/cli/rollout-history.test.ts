import { expect } from 'chai';
import { CHANGE_CAUSE_ANNOTATION, type ControllerRevision, type TaskSet } from '../../../src/api/types.js';
import { decideUndo, formatHistory, formatRevision, revisionsOf } from '../../../src/cli/rollout/history.js';
import { templateHash } from '../../../src/controllers/taskset/hash.js';
import { newRevision } from '../../../src/controllers/taskset/plan/revisions.js';
import { taskSet, withImage } from '../controllers/taskset/fixtures.js';

// What `okube rollout history|undo` decide from a TaskSet and its ControllerRevisions
// (src/cli/rollout/history.ts): kubectl's table and messages, the previous revision, the errors.

const v = (image: string) => withImage(taskSet(), image);

/** The revision the controller writes for `ts` as number `n` (with the TaskSet's change-cause then). */
function rev(ts: TaskSet, n: number, cause?: string): ControllerRevision {
  const at: TaskSet = cause ? { ...ts, metadata: { ...ts.metadata, annotations: { [CHANGE_CAUSE_ANNOTATION]: cause } } } : ts;
  return newRevision(at, templateHash(ts.spec.template), n);
}

const imageOf = (d: ReturnType<typeof decideUndo>) => (d.kind === 'rollback' ? d.template.spec.image : d.message);

describe('okube rollout history/undo decisions', () => {
  it('history is kubectl\'s REVISION/CHANGE-CAUSE table, <none> without a change-cause', () => {
    expect(formatHistory([rev(v('a'), 1), rev(v('b'), 2, 'image b'), rev(v('c'), 10)])).to.equal('REVISION  CHANGE-CAUSE\n1         <none>\n2         image b\n10        <none>\n');
  });

  it('history without revisions says so', () => {
    expect(formatHistory([])).to.equal('No rollout history found.\n');
  });

  it('only revisions the TaskSet controls (its uid) count, ascending by number', () => {
    const other = rev(v('x'), 1);
    other.metadata.ownerReferences = [{ ...other.metadata.ownerReferences![0], uid: 'another' }];
    const list = revisionsOf(taskSet(), [rev(v('c'), 3), other, rev(v('a'), 2)]);
    expect(list.map((r) => r.revision)).to.deep.equal([2, 3]);
  });

  it('--revision=N prints that revision\'s template; an unknown N is kubectl\'s error', () => {
    const out = formatRevision([rev(v('a'), 1), rev(v('b'), 2)], 1);
    expect(out).to.match(/^Task Template:\n/);
    expect(out).to.include('    image: a\n');
    expect(() => formatRevision([rev(v('a'), 1)], 5)).to.throw('unable to find the specified revision');
  });

  it('undo goes to the newest revision whose template differs from the current one', () => {
    expect(imageOf(decideUndo(v('c'), [rev(v('a'), 1), rev(v('b'), 2), rev(v('c'), 3)], 0))).to.equal('b');
    // The controller has not recorded the current template yet: the newest revision is the previous one.
    expect(imageOf(decideUndo(v('d'), [rev(v('a'), 1), rev(v('b'), 2)], 0))).to.equal('b');
  });

  it('undo --to-revision=N goes to revision N', () => {
    expect(imageOf(decideUndo(v('c'), [rev(v('a'), 1), rev(v('b'), 2), rev(v('c'), 3)], 1))).to.equal('a');
  });

  it('undo to the template already running is skipped with kubectl\'s message', () => {
    expect(decideUndo(v('c'), [rev(v('a'), 1), rev(v('c'), 2)], 2)).to.deep.equal({ kind: 'skip', message: 'skipped rollback (current template already matches revision 2)' });
  });

  it('an unknown revision, no previous revision and no history at all are one-line errors', () => {
    expect(() => decideUndo(v('c'), [rev(v('c'), 1)], 7)).to.throw('unable to find specified revision 7 in history');
    expect(() => decideUndo(v('c'), [rev(v('c'), 1)], 0)).to.throw(/^no last revision to roll back to$/);
    expect(() => decideUndo(v('c'), [], 0)).to.throw(/^no last revision to roll back to$/);
  });
});
