import { expect } from 'chai';
import type { Task, TaskSet, TaskSetSpec } from '../../../src/api/types.js';
import { budgetWaitMessage, drainBudget, evictionsAllowed } from '../../../src/cli/drain-budget.js';

function taskset(spec: Partial<TaskSetSpec> = {}): TaskSet {
  return {
    apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', metadata: { name: 'web', namespace: 'shop', uid: 'set-1' },
    spec: { replicas: 4, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { image: 'x' } }, ...spec },
  } as TaskSet;
}

function member(name: string, ready: boolean, extra: { phase?: string; deleting?: boolean } = {}): Task {
  return {
    apiVersion: 'okube.dev/v1alpha1', kind: 'Task',
    metadata: { name, namespace: 'shop', uid: `uid-${name}`, ...(extra.deleting ? { deletionTimestamp: '2026-12-05T00:00:00Z' } : {}) },
    spec: { image: 'x' },
    status: { phase: (extra.phase ?? 'Running') as 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: '2026-12-05T00:00:00Z' }] },
  } as Task;
}

describe('drain disruption budget of a TaskSet', () => {
  it('is the rolling update maxUnavailable: 25% of 4 replicas is 1, 2 of 4 is 2', () => {
    expect(drainBudget(taskset())).to.equal(1);
    expect(drainBudget(taskset({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } } }))).to.equal(2);
    expect(drainBudget(taskset({ replicas: 10, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '50%' } } }))).to.equal(5);
  });

  it('is at least 1, so a drain moves even with maxUnavailable 0 or few replicas', () => {
    expect(drainBudget(taskset({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } } }))).to.equal(1);
    expect(drainBudget(taskset({ replicas: 2 }))).to.equal(1);
  });

  it('has no limit for the Recreate strategy', () => {
    expect(drainBudget(taskset({ strategy: { type: 'Recreate' } }))).to.equal(undefined);
    expect(evictionsAllowed(taskset({ strategy: { type: 'Recreate' } }), [], new Set())).to.equal(Number.POSITIVE_INFINITY);
  });

  it('allows one move when all 4 replicas are Ready and the budget is 1', () => {
    const members = ['a', 'b', 'c', 'd'].map((n) => member(n, true));
    expect(evictionsAllowed(taskset(), members, new Set())).to.equal(1);
  });

  it('allows none while a Task asked to move still reads Ready', () => {
    const members = ['a', 'b', 'c', 'd'].map((n) => member(n, true));
    expect(evictionsAllowed(taskset(), members, new Set(['uid-a']))).to.equal(0);
  });

  it('allows none while a replica is not Ready, or missing', () => {
    expect(evictionsAllowed(taskset(), [member('a', false), member('b', true), member('c', true), member('d', true)], new Set())).to.equal(0);
    expect(evictionsAllowed(taskset(), [member('b', true), member('c', true), member('d', true)], new Set())).to.equal(0);
  });

  it('does not count finished or terminating Tasks as Ready', () => {
    const members = [member('a', true, { phase: 'Succeeded' }), member('b', true, { deleting: true }), member('c', true), member('d', true)];
    expect(evictionsAllowed(taskset({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } } }), members, new Set())).to.equal(1);
  });

  it('allows the rest of the budget: 2 of a budget of 3 when one replica is down', () => {
    const members = [member('a', false), member('b', true), member('c', true), member('d', true)];
    expect(evictionsAllowed(taskset({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 3 } } }), members, new Set())).to.equal(2);
  });

  it('says which Task waits, for which TaskSet, and the budget', () => {
    expect(budgetWaitMessage(member('b', true), taskset())).to.equal('waiting to evict task shop/b: it would violate the disruption budget of TaskSet web (at most 1 of 4 unavailable)');
  });
});
