import { expect } from 'chai';
import { CHANGE_CAUSE_ANNOTATION, TASKSET_NAME_LABEL, TEMPLATE_HASH_LABEL, type ControllerRevision, type TaskSet } from '../../../../src/api/types.js';
import { validateObjectMeta } from '../../../../src/apiserver/schema/meta.js';
import { newRevision, planRevisions } from '../../../../src/controllers/taskset/plan/revisions.js';
import { ago, hashOf, task, taskSet, UID, withImage } from './fixtures.js';

// The TaskSet's template history (plan/revisions.ts): numbering, the bump of a template that
// returns, pruning beyond revisionHistoryLimit (never the current one), adoption of orphans.

/** The revision the controller would have written for `ts` as number `n`. */
function revisionOf(ts: TaskSet, n: number): ControllerRevision {
  const r = newRevision(ts, hashOf(ts), n);
  return { ...r, metadata: { ...r.metadata, uid: `rev-${n}`, resourceVersion: String(n) } };
}

const v = (image: string, spec: Partial<TaskSet['spec']> = {}) => withImage(taskSet(spec), image);

describe('TaskSet revisions planner', () => {
  it('a TaskSet without revisions gets revision 1 named <taskset>-<hash>, labelled, controlled by it, holding the template', () => {
    const ts = taskSet();
    const plan = planRevisions(ts, [], []);
    const r = plan.create!;
    expect(r.metadata.name).to.equal(`web-${hashOf(ts)}`);
    expect(r.revision).to.equal(1);
    expect(r.metadata.labels).to.deep.equal({ [TASKSET_NAME_LABEL]: 'web', [TEMPLATE_HASH_LABEL]: hashOf(ts) });
    expect(r.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: UID, controller: true, blockOwnerDeletion: true }]);
    expect(r.data).to.deep.equal({ spec: { template: ts.spec.template } });
    expect(plan.bump).to.equal(undefined);
    expect(plan.delete).to.deep.equal([]);
  });

  it('a new template gets 1 + the highest existing number', () => {
    const plan = planRevisions(v('img:3'), [revisionOf(v('img:1'), 1), revisionOf(v('img:2'), 4)], []);
    expect(plan.create?.revision).to.equal(5);
  });

  it('a template that already has the highest revision writes nothing', () => {
    const plan = planRevisions(v('img:2'), [revisionOf(v('img:1'), 1), revisionOf(v('img:2'), 2)], []);
    expect([plan.create, plan.bump, plan.adopt, plan.delete]).to.deep.equal([undefined, undefined, [], []]);
  });

  it('a template that returns to an earlier hash keeps its revision and has its number bumped to the new highest', () => {
    const one = revisionOf(v('img:1'), 1);
    const plan = planRevisions(v('img:1'), [one, revisionOf(v('img:2'), 2), revisionOf(v('img:3'), 3)], []);
    expect(plan.create).to.equal(undefined);
    expect(plan.bump?.revision).to.equal(one);
    expect(plan.bump?.to).to.equal(4);
  });

  it('a bumped revision takes the TaskSet\'s change-cause when it has another one', () => {
    const ts = v('img:1');
    ts.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'rolled back to v1' };
    const plan = planRevisions(ts, [revisionOf(v('img:1'), 1), revisionOf(v('img:2'), 2)], []);
    expect(plan.bump).to.deep.include({ to: 3, changeCause: 'rolled back to v1' });
  });

  it('a change-cause annotated after the rollout reaches the current revision, keeping its number', () => {
    const ts = v('img:2');
    ts.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'annotated later' };
    const current = revisionOf(v('img:2'), 2);
    const plan = planRevisions(ts, [revisionOf(v('img:1'), 1), current], []);
    expect(plan.bump).to.deep.equal({ revision: current, to: 2, changeCause: 'annotated later' });
  });

  it('a new revision carries the TaskSet\'s change-cause annotation', () => {
    const ts = v('img:2');
    ts.metadata.annotations = { [CHANGE_CAUSE_ANNOTATION]: 'image 2' };
    expect(planRevisions(ts, [], []).create?.metadata.annotations).to.deep.equal({ [CHANGE_CAUSE_ANNOTATION]: 'image 2' });
  });

  it('keeps revisionHistoryLimit old revisions and prunes the lowest numbers first', () => {
    const old = [1, 2, 3, 4].map((n) => revisionOf(v(`img:${n}`), n));
    const plan = planRevisions(v('img:5', { revisionHistoryLimit: 2 }), old, []);
    expect(plan.create?.revision).to.equal(5);
    expect(plan.delete.map((r) => r.revision)).to.deep.equal([2, 1]);
  });

  it('defaults revisionHistoryLimit to 10', () => {
    const old = Array.from({ length: 12 }, (_, i) => revisionOf(v(`img:${i + 1}`), i + 1));
    const plan = planRevisions(v('img:13'), old, []);
    expect(plan.delete.map((r) => r.revision)).to.deep.equal([2, 1]);
  });

  it('never prunes the current revision, even with revisionHistoryLimit 0 and the lowest number', () => {
    const current = revisionOf(v('img:1'), 1);
    const plan = planRevisions(v('img:1', { revisionHistoryLimit: 0 }), [current, revisionOf(v('img:2'), 2)], []);
    expect(plan.delete.map((r) => r.revision)).to.deep.equal([2]);
    expect(plan.bump?.revision).to.equal(current);
  });

  it('never prunes a revision a Task of the TaskSet still runs, nor counts it toward the limit (a rollout mid-way)', () => {
    const old = [1, 2, 3].map((n) => revisionOf(v(`img:${n}`), n));
    const tasks = [task('web-a', { hash: hashOf(v('img:1')), readyFor: 60 }), task('web-b', { hash: hashOf(v('img:2')), owner: 'another-uid' })];
    const plan = planRevisions(v('img:4', { revisionHistoryLimit: 1 }), old, tasks);
    expect(plan.delete.map((r) => r.revision), 'revision 1 kept for its Task; 3 is the one kept by the limit').to.deep.equal([2]);
  });

  it('ignores revisions controlled by another TaskSet (another uid) and adopts orphans carrying its name label', () => {
    const foreign = revisionOf(v('img:1'), 7);
    foreign.metadata.ownerReferences = [{ ...foreign.metadata.ownerReferences![0], uid: 'other' }];
    const orphan = revisionOf(v('img:2'), 2);
    delete orphan.metadata.ownerReferences;
    const plan = planRevisions(v('img:3'), [foreign, orphan], []);
    expect(plan.adopt).to.deep.equal([orphan]);
    expect(plan.create?.revision).to.equal(3);
  });

  it('a paused TaskSet records no new template but still prunes', () => {
    const old = [1, 2, 3].map((n) => revisionOf(v(`img:${n}`), n));
    const plan = planRevisions(v('img:9', { paused: true, revisionHistoryLimit: 1 }), old, []);
    expect(plan.create).to.equal(undefined);
    expect(plan.delete.map((r) => r.revision)).to.deep.equal([2, 1]);
  });

  it('a TaskSet named past 63 characters gets a valid name label, distinct from a name with the same prefix, and finds its orphans by it', () => {
    const named = (name: string) => ({ ...taskSet(), metadata: { ...taskSet().metadata, name } });
    const long = named(`${'a'.repeat(60)}.web-frontend-for-the-long-named-service`);
    const create = planRevisions(long, [], []).create!;
    expect(validateObjectMeta(create, true), 'the API server accepts the revision').to.deep.equal([]);
    const label = create.metadata.labels![TASKSET_NAME_LABEL];
    expect(label).to.have.length.of.at.most(63);
    const sibling = planRevisions(named(`${'a'.repeat(60)}.web-frontend-for-the-long-named-servicf`), [], []).create!;
    expect(sibling.metadata.labels![TASKSET_NAME_LABEL]).to.not.equal(label);
    const orphan = revisionOf(withImage(long, 'img:0'), 1);
    delete orphan.metadata.ownerReferences;
    expect(planRevisions(long, [orphan], []).adopt).to.deep.equal([orphan]);
  });

  it('a TaskSet being deleted writes and deletes nothing', () => {
    const ts = v('img:9', { revisionHistoryLimit: 0 });
    ts.metadata.deletionTimestamp = ago(1);
    const plan = planRevisions(ts, [revisionOf(v('img:1'), 1)], []);
    expect([plan.create, plan.bump, plan.adopt, plan.delete]).to.deep.equal([undefined, undefined, [], []]);
  });
});
