import { expect } from 'chai';
import type { Task, TaskSet } from '../../../../src/api/types.js';
import type { EventSink } from '../../../../src/client/events.js';
import type { Informer } from '../../../../src/client/informer.js';
import type { ResourceClient } from '../../../../src/client/resource-client.js';
import { OkubeError } from '../../../../src/util/errors.js';
import { Expectations } from '../../../../src/controllers/taskset/expectations.js';
import { TaskSetReconciler } from '../../../../src/controllers/taskset/reconciler.js';
import type { RevisionHistory } from '../../../../src/controllers/taskset/revision-history.js';
import { NOW, hashOf, task, taskSet } from './fixtures.js';

// The reconciler's effects over fakes: what it asks the API for, and that expectations hold back
// a second create while the Task informer has not shown the first.

function fakes(ts: TaskSet, createError?: unknown, history?: RevisionHistory) {
  const informed: Task[] = [];
  const created: Task[] = [];
  const deleted: string[] = [];
  const statuses: TaskSet[] = [];
  const tasks = {
    create: async (t: Task) => {
      if (createError) throw createError;
      created.push(t);
      return { ...t, metadata: { ...t.metadata, uid: `uid-${t.metadata.name}` } };
    },
    delete: async (name: string) => void deleted.push(name),
    patch: async () => ({}),
  } as unknown as ResourceClient<Task>;
  const taskSets = {
    get: async () => ts,
    replaceStatus: async (o: TaskSet) => (statuses.push(o), { ...o, metadata: { ...o.metadata, resourceVersion: String(statuses.length + 100) } }),
  } as unknown as ResourceClient<TaskSet>;
  const taskInformer = { byIndex: () => informed } as unknown as Informer<Task>;
  const taskSetInformer = { get: () => ts, byIndex: () => [ts] } as unknown as Informer<TaskSet>;
  const events: EventSink = { record: async () => undefined };
  const expectations = new Expectations();
  const r = new TaskSetReconciler({ taskSets, tasks, taskSetInformer, taskInformer, events, expectations, history, now: () => NOW });
  return { r, informed, created, deleted, statuses, expectations };
}

describe('TaskSet reconciler', () => {
  it('creates the missing replicas named <taskset>-<hash>-<5> with the template', async () => {
    const ts = taskSet({ replicas: 3 });
    ts.metadata.resourceVersion = '1';
    const f = fakes(ts);
    await f.r.reconcile('ns/web');
    expect(f.created).to.have.length(3);
    for (const t of f.created) expect(t.metadata.name).to.match(/^web-[bcdfghjklmnpqrstvwxz2456789]+-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(new Set(f.created.map((t) => t.metadata.name)).size).to.equal(3);
  });

  it('does not create again while the informer has not shown the Tasks it created', async () => {
    const ts = taskSet({ replicas: 3 });
    ts.metadata.resourceVersion = '1';
    const f = fakes(ts);
    await f.r.reconcile('ns/web');
    await f.r.reconcile('ns/web');
    expect(f.created).to.have.length(3);
    // Once the informer shows them, nothing is missing.
    for (const t of f.created) {
      const seen = { ...t, metadata: { ...t.metadata, uid: `uid-${t.metadata.name}` } };
      f.informed.push(seen);
      f.expectations.observe('ns/web', 'ADDED', seen);
    }
    await f.r.reconcile('ns/web');
    expect(f.created).to.have.length(3);
  });

  it('writes status through the status subresource only when it changed', async () => {
    const ts = taskSet({ replicas: 0 });
    ts.metadata.resourceVersion = '1';
    const f = fakes(ts);
    await f.r.reconcile('ns/web');
    expect(f.statuses).to.have.length(1);
    expect(f.statuses[0].status).to.include({ replicas: 0, readyReplicasText: '0/0', selector: 'app=web' });
    // The next pass sees the rollout of the (empty) template complete: one more write, then none.
    await f.r.reconcile('ns/web');
    expect(f.statuses).to.have.length(2);
    expect(f.statuses[1].status!.conditions!.find((c) => c.type === 'Progressing')).to.include({ reason: 'NewTaskSetAvailable' });
    await f.r.reconcile('ns/web');
    expect(f.statuses).to.have.length(2);
  });

  it('treats creates refused because the namespace is terminating as no failure to retry', async () => {
    const ts = taskSet({ replicas: 3 });
    ts.metadata.resourceVersion = '1';
    const terminating = new OkubeError('Forbidden', 'unable to create new content in namespace ns because it is being terminated', { causes: [{ reason: 'NamespaceTerminating', field: 'metadata.namespace', message: 'terminating' }] });
    await fakes(ts, terminating).r.reconcile('ns/web');
    const other = new OkubeError('Forbidden', 'quota exceeded', { causes: [] });
    let thrown: unknown;
    await fakes(ts, other).r.reconcile('ns/web').catch((e: unknown) => (thrown = e));
    expect(thrown, 'any other refusal is retried').to.equal(other);
  });

  describe('when the template history cannot be written', () => {
    const failing = () => ({ sync: async () => Promise.reject(new OkubeError('Invalid', 'revision rejected')), forget: () => undefined }) as unknown as RevisionHistory;

    it('goes on with the rollout and comes back after a history retry delay instead of failing the pass', async () => {
      const ts = taskSet({ replicas: 2 });
      ts.metadata.resourceVersion = '1';
      const f = fakes(ts, undefined, failing());
      expect(await f.r.reconcile('ns/web')).to.deep.equal({ requeueAfterMs: 1000 });
      expect(f.created).to.have.length(2);
      expect(f.statuses).to.have.length(1);
    });

    it('keeps the plan\'s sooner requeue (a Task becoming available after minReadySeconds)', async () => {
      const ts = taskSet({ replicas: 1, minReadySeconds: 10 });
      ts.metadata.resourceVersion = '1';
      const f = fakes(ts, undefined, failing());
      f.informed.push(task('web-a', { hash: hashOf(ts), readyFor: 9.5 }));
      expect(await f.r.reconcile('ns/web')).to.deep.equal({ requeueAfterMs: 500 });
    });

    it('doubles the retry delay while the history keeps failing', async () => {
      const ts = taskSet({ replicas: 0 });
      ts.metadata.resourceVersion = '1';
      const f = fakes(ts, undefined, failing());
      const delays = [];
      for (let i = 0; i < 3; i++) delays.push((await f.r.reconcile('ns/web')).requeueAfterMs);
      expect(delays).to.deep.equal([1000, 2000, 4000]);
    });
  });
});
