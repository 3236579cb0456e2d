import { expect } from 'chai';
import { AVOID_NODES_ANNOTATION } from '../../../../src/api/annotations.js';
import { TEMPLATE_HASH_LABEL, type Task, type TaskSet } from '../../../../src/api/types.js';
import { planTaskSet, taskNamePrefix } from '../../../../src/controllers/taskset/plan.js';
import { withReplicaFailure } from '../../../../src/controllers/taskset/plan/status.js';
import { AVOID_WINDOW_MS } from '../../../../src/controllers/taskset/plan/failures.js';
import { REASONS } from '../../../../src/controllers/taskset/plan/status.js';
import { NOW, UID, ago, hashOf, readyTasks, task, taskSet, withImage } from './fixtures.js';

const plan = (ts: TaskSet, tasks: Task[], now = NOW) => planTaskSet({ taskSet: ts, tasks, now });
const names = (p: ReturnType<typeof plan>) => p.delete.map((d) => d.task.metadata.name).sort();
const rolling = (replicas: number, maxSurge: number | string, maxUnavailable: number | string) =>
  taskSet({ replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable } } });
const progressing = (p: ReturnType<typeof plan>) => p.status.conditions!.find((c) => c.type === 'Progressing')!;
const available = (p: ReturnType<typeof plan>) => p.status.conditions!.find((c) => c.type === 'Available')!;

describe('TaskSet plan: creating and scaling', () => {
  it('cuts the Task name prefix of a long TaskSet name to 58 characters, as kube\'s generateName does, so names stay valid', () => {
    const long = 't'.repeat(240);
    const base = taskSet();
    const ts = { ...base, metadata: { ...base.metadata, name: long } };
    expect(plan(ts, []).create!.namePrefix).to.equal(`${long}-${hashOf(ts)}-`.slice(0, 58));
    expect(taskNamePrefix('web', 'abc')).to.equal('web-abc-');
  });

  it('a new TaskSet of 3 creates 3 Tasks named <taskset>-<hash>- with the hash label and a controller ownerReference', () => {
    const ts = taskSet();
    const p = plan(ts, []);
    expect(p.create).to.include({ count: 3, hash: hashOf(ts), namePrefix: `web-${hashOf(ts)}-` });
    expect(p.create!.task.metadata.labels).to.deep.equal({ app: 'web', [TEMPLATE_HASH_LABEL]: hashOf(ts) });
    expect(p.create!.task.metadata.ownerReferences).to.deep.equal([{ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', name: 'web', uid: UID, controller: true, blockOwnerDeletion: true }]);
    expect(p.create!.task.spec).to.deep.equal({ image: 'img:1' });
  });

  it('3 Ready Tasks of the current template: nothing to do', () => {
    const ts = taskSet();
    const p = plan(ts, readyTasks('a', 3, hashOf(ts)));
    expect(p.create).to.equal(undefined);
    expect(p.delete).to.deep.equal([]);
  });

  it('scaling 3 → 5 creates 2', () => {
    const ts = taskSet({ replicas: 5 });
    expect(plan(ts, readyTasks('a', 3, hashOf(ts))).create!.count).to.equal(2);
  });

  it('scaling 5 → 1 deletes 4 as a normal Task delete', () => {
    const ts = taskSet({ replicas: 1 });
    const p = plan(ts, readyTasks('a', 5, hashOf(ts)));
    expect(p.delete).to.have.length(4);
    expect(p.delete.every((d) => d.reason === 'ScaleDown')).to.equal(true);
  });

  it('scaling down takes unscheduled, then not Ready, then the newest Tasks first', () => {
    const ts = taskSet({ replicas: 2 });
    const h = hashOf(ts);
    const p = plan(ts, [
      task('old-ready', { hash: h, readyFor: 100, createdAgo: 500, node: 'n1' }),
      task('new-ready', { hash: h, readyFor: 100, createdAgo: 100, node: 'n2' }),
      task('not-ready', { hash: h, createdAgo: 400, node: 'n3' }),
      task('unscheduled', { hash: h, createdAgo: 450, node: '', phase: 'Pending' }),
    ]);
    expect(p.delete.map((d) => d.task.metadata.name)).to.deep.equal(['unscheduled', 'not-ready']);
    const p2 = plan(taskSet({ replicas: 1 }), [task('old-ready', { hash: h, readyFor: 100, createdAgo: 500, node: 'n1' }), task('new-ready', { hash: h, readyFor: 100, createdAgo: 100, node: 'n2' })]);
    expect(p2.delete.map((d) => d.task.metadata.name)).to.deep.equal(['new-ready']);
  });

  it('scaling down prefers a Node with more of the set\'s Tasks', () => {
    const ts = taskSet({ replicas: 2 });
    const h = hashOf(ts);
    const p = plan(ts, [task('a', { hash: h, readyFor: 60, node: 'n1', createdAgo: 10 }), task('b', { hash: h, readyFor: 60, node: 'n2', createdAgo: 300 }), task('c', { hash: h, readyFor: 60, node: 'n2', createdAgo: 200 })]);
    expect(names(p)).to.deep.equal(['c']);
  });

  it('a Task stopping after a scale-down does not hold back a new replica', () => {
    const ts = taskSet({ replicas: 3, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } });
    const h = hashOf(ts);
    const p = plan(ts, [...readyTasks('a', 2, h), task('going', { hash: h, readyFor: 60, deleting: true })]);
    expect(p.create!.count).to.equal(1);
  });
});

describe('TaskSet plan: rolling update arithmetic', () => {
  it('maxUnavailable 0, maxSurge 1 on 4 Ready: creates 1 new, deletes nothing', () => {
    const ts = withImage(rolling(4, 1, 0), 'img:2');
    const p = plan(ts, readyTasks('old', 4, 'oldhash'));
    expect(p.create!.count).to.equal(1);
    expect(p.delete).to.deep.equal([]);
  });

  it('...while the new Task is not Ready: nothing (5 Tasks, 4 available)', () => {
    const ts = withImage(rolling(4, 1, 0), 'img:2');
    const p = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts) })]);
    expect(p.create).to.equal(undefined);
    expect(p.delete).to.deep.equal([]);
  });

  it('...once it is Ready: deletes one old Task', () => {
    const ts = withImage(rolling(4, 1, 0), 'img:2');
    const p = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts), readyFor: 1 })]);
    expect(p.delete).to.have.length(1);
    expect(p.delete[0]).to.include({ reason: 'RollingUpdate' });
    expect(p.delete[0].task.metadata.labels![TEMPLATE_HASH_LABEL]).to.equal('oldhash');
    expect(p.create).to.equal(undefined);
  });

  it('...an old Task still stopping counts against nothing, as a terminating Pod in a Deployment: the next new Task is created beside it', () => {
    const ts = withImage(rolling(4, 1, 0), 'img:2');
    const p = plan(ts, [...readyTasks('old', 3, 'oldhash'), task('stopping', { hash: 'oldhash', readyFor: 60, deleting: true }), task('new0', { hash: hashOf(ts), readyFor: 1 })]);
    expect(p.create).to.include({ count: 1 });
    expect(p.delete).to.deep.equal([]);
  });

  it('...ends with 4 updated Tasks and the old ones deleted', () => {
    const ts = withImage(rolling(4, 1, 0), 'img:2');
    const p = plan(ts, [task('old0', { hash: 'oldhash', readyFor: 60 }), ...readyTasks('new', 4, hashOf(ts), 1)]);
    expect(names(p)).to.deep.equal(['old0']);
    expect(p.create).to.equal(undefined);
  });

  it('25%/25% on 10 replicas: the first pass creates 3 (surge rounds up) and deletes 2 (unavailable rounds down)', () => {
    const ts = withImage(rolling(10, '25%', '25%'), 'img:2');
    const p = plan(ts, readyTasks('old', 10, 'oldhash'));
    expect(p.create!.count).to.equal(3);
    expect(p.delete).to.have.length(2);
  });

  it('maxUnavailable 50% of 3 rounds down to 1: deletes 1 old Task, surge 0 creates none until then', () => {
    const ts = withImage(rolling(3, 0, '50%'), 'img:2');
    const p = plan(ts, readyTasks('old', 3, 'oldhash'));
    expect(p.create).to.equal(undefined);
    expect(p.delete).to.have.length(1);
  });

  it('maxSurge 0, maxUnavailable 1 after one old Task went: creates its replacement', () => {
    const ts = withImage(rolling(3, 0, 1), 'img:2');
    const p = plan(ts, readyTasks('old', 2, 'oldhash'));
    expect(p.create!.count).to.equal(1);
    expect(p.delete).to.deep.equal([]);
  });

  it('old Tasks that are not available go first, within the budget', () => {
    const ts = withImage(rolling(4, 1, 1), 'img:2');
    const p = plan(ts, [...readyTasks('old', 3, 'oldhash'), task('old-sick', { hash: 'oldhash' })]);
    expect(names(p)).to.include('old-sick');
  });

  it('new Tasks that never become Ready keep every old one (with maxUnavailable 0)', () => {
    const ts = withImage(rolling(4, 1, 0), 'img:bad');
    const p = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts), restarts: 5 })]);
    expect(p.delete).to.deep.equal([]);
    expect(p.create).to.equal(undefined);
  });

  it('minReadySeconds: a new Task Ready for less than it is not available, and the plan comes back when it will be', () => {
    const ts = withImage(taskSet({ replicas: 4, minReadySeconds: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }), 'img:2');
    const p = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts), readyFor: 4 })]);
    expect(p.delete).to.deep.equal([]);
    expect(p.status.readyReplicas).to.equal(5);
    expect(p.status.availableReplicas).to.equal(4);
    expect(p.requeueAfterMs).to.equal(6000);
    const later = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts), readyFor: 4 })], new Date(NOW.getTime() + 6000));
    expect(later.delete).to.have.length(1);
  });

  it('Tasks without a template-hash label (adopted) count as an old template', () => {
    const ts = rolling(2, 1, 0);
    const p = plan(ts, [task('a', { readyFor: 60 }), task('b', { readyFor: 60 })]);
    expect(p.create!.count).to.equal(1);
    expect(p.status.updatedReplicas).to.equal(0);
  });
});

describe('TaskSet plan: scaling during a rollout', () => {
  it('scaling up mid-rollout adds new-template Tasks up to replicas + maxSurge', () => {
    const ts = withImage(rolling(6, 1, 0), 'img:2');
    const p = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts) })]);
    expect(p.create!.count).to.equal(2);
    expect(p.create!.hash).to.equal(hashOf(ts));
  });

  it('scaling down mid-rollout removes old Tasks down to the new availability floor', () => {
    const ts = withImage(rolling(2, 1, 0), 'img:2');
    const p = plan(ts, [...readyTasks('old', 4, 'oldhash'), task('new0', { hash: hashOf(ts), readyFor: 1 })]);
    expect(p.delete).to.have.length(3);
    expect(p.delete.every((d) => d.task.metadata.labels![TEMPLATE_HASH_LABEL] === 'oldhash')).to.equal(true);
  });

  it('scaling down below the new Tasks deletes new ones beyond replicas', () => {
    const ts = withImage(rolling(1, 1, 0), 'img:2');
    const p = plan(ts, [task('old0', { hash: 'oldhash', readyFor: 60 }), ...readyTasks('new', 2, hashOf(ts), 1)]);
    expect(p.delete.filter((d) => d.reason === 'ScaleDown')).to.have.length(1);
  });
});

describe('TaskSet plan: Recreate', () => {
  const recreate = (replicas = 3) => withImage(taskSet({ replicas, strategy: { type: 'Recreate' } }), 'img:2');

  it('deletes every old Task and creates nothing yet', () => {
    const p = plan(recreate(), readyTasks('old', 3, 'oldhash'));
    expect(p.delete).to.have.length(3);
    expect(p.delete.every((d) => d.reason === 'Recreate')).to.equal(true);
    expect(p.create).to.equal(undefined);
  });

  it('waits while an old Task is still stopping', () => {
    const p = plan(recreate(), [task('old0', { hash: 'oldhash', deleting: true, readyFor: 60 })]);
    expect(p.create).to.equal(undefined);
  });

  it('creates all new Tasks once the old ones are gone', () => {
    expect(plan(recreate(), []).create!.count).to.equal(3);
  });
});

describe('TaskSet plan: paused', () => {
  it('a template change while paused creates and deletes nothing', () => {
    const ts = withImage(taskSet({ replicas: 3, paused: true }), 'img:2');
    const p = plan(ts, readyTasks('old', 3, 'oldhash'));
    expect(p.create).to.equal(undefined);
    expect(p.delete).to.deep.equal([]);
  });

  it('scaling up while paused copies the template most Tasks run (the old one)', () => {
    const ts = withImage(taskSet({ replicas: 5, paused: true }), 'img:2');
    const olds = readyTasks('old', 3, 'oldhash').map((t) => ({ ...t, spec: { ...t.spec, image: 'img:1' } }));
    const p = plan(ts, olds);
    expect(p.create).to.include({ count: 2, hash: 'oldhash', namePrefix: 'web-oldhash-' });
    expect(p.create!.task.spec.image).to.equal('img:1');
    expect(p.create!.task.spec.nodeName).to.equal(undefined);
  });

  it('scaling down while paused removes old-template Tasks first', () => {
    const ts = withImage(taskSet({ replicas: 2, paused: true }), 'img:2');
    const p = plan(ts, [...readyTasks('new', 2, hashOf(ts)), task('old0', { hash: 'oldhash', readyFor: 60 })]);
    expect(names(p)).to.deep.equal(['old0']);
  });

  it('Progressing is Unknown TaskSetPaused, then TaskSetResumed after resuming', () => {
    const ts = withImage(taskSet({ replicas: 3, paused: true }), 'img:2');
    const p = plan(ts, readyTasks('old', 3, 'oldhash'));
    expect(progressing(p)).to.include({ status: 'Unknown', reason: REASONS.paused });
    const resumed = { ...ts, spec: { ...ts.spec, paused: false }, status: p.status };
    expect(progressing(plan(resumed, readyTasks('old', 3, 'oldhash')))).to.include({ status: 'Unknown', reason: REASONS.resumed });
  });
});

describe('TaskSet plan: progress deadline', () => {
  const stuck = () => withImage(taskSet({ replicas: 2, progressDeadlineSeconds: 30, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } }), 'img:bad');
  const tasks = (ts: TaskSet) => [...readyTasks('old', 2, 'oldhash'), task('new0', { hash: hashOf(ts) })];

  it('a new template sets Progressing True TemplateChanged and asks to come back at the deadline', () => {
    const ts = stuck();
    const p = plan(ts, tasks(ts));
    expect(progressing(p)).to.include({ status: 'True', reason: REASONS.templateChanged, lastUpdateTime: NOW.toISOString() });
    expect(p.requeueAfterMs).to.equal(31_000);
  });

  it('no progress for progressDeadlineSeconds: Progressing False ProgressDeadlineExceeded, old Tasks kept', () => {
    const ts = stuck();
    const first = plan(ts, tasks(ts));
    const later = plan({ ...ts, status: first.status }, tasks(ts), new Date(NOW.getTime() + 31_000));
    expect(progressing(later)).to.include({ status: 'False', reason: REASONS.timedOut, lastTransitionTime: new Date(NOW.getTime() + 31_000).toISOString() });
    expect(later.delete).to.deep.equal([]);
  });

  it('before the deadline Progressing stays True', () => {
    const ts = stuck();
    const first = plan(ts, tasks(ts));
    expect(progressing(plan({ ...ts, status: first.status }, tasks(ts), new Date(NOW.getTime() + 29_000)))).to.include({ status: 'True' });
  });

  it('progress (a new Task Ready) moves lastUpdateTime and clears the deadline', () => {
    const ts = stuck();
    const first = plan(ts, tasks(ts));
    const at = new Date(NOW.getTime() + 31_000);
    const p = plan({ ...ts, status: first.status }, [...readyTasks('old', 2, 'oldhash'), task('new0', { hash: hashOf(ts), readyFor: 1 })], at);
    expect(progressing(p)).to.include({ status: 'True', reason: REASONS.updated, lastUpdateTime: at.toISOString() });
  });

  it('complete: Progressing True NewTaskSetAvailable, Available True, no deadline requeue', () => {
    const ts = taskSet();
    const p = plan({ ...ts, status: { templateHash: hashOf(ts), replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 } }, readyTasks('a', 3, hashOf(ts)));
    expect(progressing(p)).to.include({ status: 'True', reason: REASONS.complete });
    expect(available(p)).to.include({ status: 'True', reason: REASONS.available });
    expect(p.requeueAfterMs).to.equal(undefined);
  });

  it('Available is False below replicas - maxUnavailable', () => {
    const ts = rolling(4, 1, 1);
    expect(available(plan(ts, readyTasks('a', 2, hashOf(ts))))).to.include({ status: 'False', reason: REASONS.unavailable });
    expect(available(plan(ts, readyTasks('a', 3, hashOf(ts))))).to.include({ status: 'True' });
  });
});

describe('TaskSet plan: status', () => {
  it('counts replicas, ready, available, updated; READY text is ready/wanted; selector in label syntax', () => {
    const ts = withImage(taskSet({ replicas: 4, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] } }), 'img:2');
    const p = plan(ts, [...readyTasks('old', 2, 'oldhash'), task('new0', { hash: hashOf(ts), readyFor: 1 }), task('new1', { hash: hashOf(ts) }), task('gone', { hash: 'oldhash', deleting: true, readyFor: 9 })]);
    expect(p.status).to.include({ replicas: 4, readyReplicas: 3, availableReplicas: 3, unavailableReplicas: 1, updatedReplicas: 2, readyReplicasText: '3/4', selector: 'app=web,tier notin (db)', templateHash: hashOf(ts), observedGeneration: 2 });
  });
});

describe('TaskSet plan: adoption and release', () => {
  it('adopts an orphan whose labels match', () => {
    const ts = taskSet({ replicas: 1 });
    const orphan = task('orphan', { owner: null, readyFor: 60 });
    const p = plan(ts, [orphan]);
    expect(p.adopt.map((t) => t.metadata.name)).to.deep.equal(['orphan']);
  });

  it('does not adopt an orphan being deleted, nor one whose labels do not match', () => {
    const ts = taskSet({ replicas: 1 });
    const p = plan(ts, [task('going', { owner: null, deleting: true }), task('other', { owner: null, labels: { app: 'db' } })]);
    expect(p.adopt).to.deep.equal([]);
    expect(p.create!.count).to.equal(1);
  });

  it('releases an owned Task whose labels no longer match and replaces it', () => {
    const ts = taskSet({ replicas: 1 });
    const p = plan(ts, [task('relabelled', { labels: { app: 'debug' }, readyFor: 60 })]);
    expect(p.release.map((t) => t.metadata.name)).to.deep.equal(['relabelled']);
    expect(p.create!.count).to.equal(1);
  });

  it('ignores Tasks another controller owns', () => {
    const ts = taskSet({ replicas: 1 });
    const p = plan(ts, [task('theirs', { owner: 'other-uid', readyFor: 60 })]);
    expect(p.adopt).to.deep.equal([]);
    expect(p.release).to.deep.equal([]);
    expect(p.create!.count).to.equal(1);
  });

  it('a TaskSet being deleted adopts, creates and deletes nothing', () => {
    const ts = taskSet({ replicas: 3 }, {});
    ts.metadata.deletionTimestamp = ago(1);
    const p = plan(ts, [task('orphan', { owner: null, readyFor: 60 }), ...readyTasks('a', 1, hashOf(ts))]);
    expect(p.adopt).to.deep.equal([]);
    expect(p.create).to.equal(undefined);
    expect(p.delete).to.deep.equal([]);
  });
});

describe('TaskSet plan: failed replicas', () => {
  const failed = (name: string, node: string, completedAgo = 5) => task(name, { hash: hashOf(taskSet()), phase: 'Failed', node, completedAgo });

  it('a Failed Task is replaced, the replacement avoids its Node, and status remembers the failure', () => {
    const ts = taskSet();
    const f = failed('bad', 'n2');
    f.status!.state = { terminated: { exitCode: 1, reason: 'RestartLimitExceeded' } };
    const p = plan(ts, [...readyTasks('a', 2, hashOf(ts)), f]);
    expect(p.create!.count).to.equal(1);
    expect(p.create!.task.metadata.annotations).to.deep.equal({ [AVOID_NODES_ANNOTATION]: 'n2' });
    expect(p.status.recentFailures).to.deep.equal([{ taskName: 'bad', nodeName: 'n2', time: ago(5), reason: 'RestartLimitExceeded' }]);
    expect(p.events.map((e) => e.reason)).to.deep.equal(['TaskFailed']);
    expect(p.status.replicas).to.equal(2);
  });

  it('the Failed Task itself is kept for inspection', () => {
    const ts = taskSet();
    const p = plan(ts, [...readyTasks('a', 2, hashOf(ts)), failed('bad', 'n2')]);
    expect(p.delete).to.deep.equal([]);
  });

  it('keeps the newest 3 finished Tasks and deletes older ones', () => {
    const ts = taskSet();
    const p = plan(ts, [...readyTasks('a', 3, hashOf(ts)), failed('f1', 'n1', 50), failed('f2', 'n1', 40), failed('f3', 'n2', 30), failed('f4', 'n3', 20)]);
    expect(p.delete.map((d) => [d.task.metadata.name, d.reason])).to.deep.equal([['f1', 'FinishedHistory']]);
  });

  it('Nodes of failures older than the avoid window are no longer avoided', () => {
    const ts = taskSet({}, { status: { recentFailures: [{ taskName: 'x', nodeName: 'n3', time: ago(AVOID_WINDOW_MS / 1000 + 1) }, { taskName: 'y', nodeName: 'n1', time: ago(60) }] } });
    const p = plan(ts, readyTasks('a', 2, hashOf(ts)));
    expect(p.status.recentFailures!.map((f) => f.taskName)).to.deep.equal(['y']);
    expect(p.create!.task.metadata.annotations).to.deep.equal({ [AVOID_NODES_ANNOTATION]: 'n1' });
  });

  it('a failure already recorded is not reported again', () => {
    const ts = taskSet({}, { status: { recentFailures: [{ taskName: 'bad', nodeName: 'n2', time: ago(5) }] } });
    const p = plan(ts, [...readyTasks('a', 3, hashOf(ts)), failed('bad', 'n2')]);
    expect(p.events).to.deep.equal([]);
    expect(p.status.recentFailures).to.have.length(1);
  });
});

describe('TaskSet status: ReplicaFailure', () => {
  it('is True with the create error, then gone once creating works again; other conditions stay', () => {
    const base = plan(taskSet(), []).status;
    const failed = withReplicaFailure(base, 'Error creating: quota', NOW);
    expect(failed.conditions!.find((c) => c.type === 'ReplicaFailure')).to.include({ status: 'True', reason: 'FailedCreate', message: 'Error creating: quota' });
    expect(failed.conditions!.map((c) => c.type)).to.include.members(base.conditions!.map((c) => c.type));
    const fixed = withReplicaFailure(failed, undefined, NOW);
    expect(fixed.conditions).to.deep.equal(base.conditions);
    expect(withReplicaFailure(base, undefined, NOW)).to.equal(base);
  });

  it('is left as it is when creating fails again, so a failing sync writes no new status', () => {
    const failed = withReplicaFailure(plan(taskSet(), []).status, 'Error creating: web-abcde', NOW);
    expect(withReplicaFailure(failed, 'Error creating: web-fghij', new Date(NOW.getTime() + 5000))).to.deep.equal(failed);
  });
});
