import { expect } from 'chai';
import type { Obj } from '../../../src/apiserver/objects.js';
import { taskDeletionGrace } from '../../../src/apiserver/task-deletion-grace.js';

// The grace period a Task's DELETE leaves in deletionGracePeriodSeconds, as a Pod's DELETE does.

const task = (spec: Record<string, unknown>, meta: Record<string, unknown> = {}): Obj => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Task', metadata: { name: 't', namespace: 'default', ...meta }, spec }) as Obj;
const terminating = (grace: number) => task({}, { deletionTimestamp: '2026-12-04T10:00:00Z', deletionGracePeriodSeconds: grace });

describe('Task deletion grace period', () => {
  it('is the spec terminationGracePeriodSeconds (default 30) when the DELETE gives none', () => {
    expect(taskDeletionGrace(task({ terminationGracePeriodSeconds: 120 }), undefined)).to.equal(120);
    expect(taskDeletionGrace(task({}), undefined)).to.equal(30);
  });

  it('is the DELETE gracePeriodSeconds when given, at least 1 (0 means none given to the controller)', () => {
    expect(taskDeletionGrace(task({ terminationGracePeriodSeconds: 120 }), 5)).to.equal(5);
    expect(taskDeletionGrace(task({}), 0)).to.equal(1);
  });

  it('on a Task already terminating, only an explicit shorter period changes it', () => {
    expect(taskDeletionGrace(terminating(30), undefined)).to.equal(undefined);
    expect(taskDeletionGrace(terminating(30), 60)).to.equal(undefined);
    expect(taskDeletionGrace(terminating(30), 30)).to.equal(undefined);
    expect(taskDeletionGrace(terminating(30), 2)).to.equal(2);
    // Marked by a server that wrote 0 (kube-apiserver, or before this rule): any given period counts.
    expect(taskDeletionGrace(terminating(0), 60)).to.equal(60);
  });
});
