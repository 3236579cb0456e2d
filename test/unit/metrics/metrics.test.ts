import { expect } from 'chai';
import { forgetTask, queueMetrics, recordTaskStatus, taskStatusChange } from '../../../src/metrics/controllers.js';
import { storageType } from '../../../src/metrics/storage.js';
import { metricsRegistry } from '../../../src/metrics/registry.js';
import { Controller, reconcileOutcome } from '../../../src/controllers/controller.js';
import { WorkQueue } from '../../../src/controllers/workqueue.js';

async function value(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = await metricsRegistry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('metrics', () => {
  it('counts the restarts a status change records, with the exit reason', () => {
    const before = { restartCount: 2, backoff: { restarts: 2, delaySeconds: 2 } };
    const after = { restartCount: 3, lastState: { terminated: { exitCode: 1, reason: 'Error' } }, backoff: { restarts: 3, delaySeconds: 4 } };
    expect(taskStatusChange(before, after)).to.deep.equal({ restarts: 1, reason: 'Error', backoffSeconds: 4 });
    expect(taskStatusChange(after, after).restarts).to.equal(0);
    expect(taskStatusChange(undefined, {}).backoffSeconds).to.equal(0);
  });

  it('drops a Task\'s series when the Task goes', async () => {
    const key = `unit-${process.pid}/t1`;
    recordTaskStatus(key, {}, { restartCount: 1, lastState: { terminated: { exitCode: 1, reason: 'Error' } }, backoff: { restarts: 1, delaySeconds: 1 } });
    expect(await value('okube_task_restarts_total', { task: 't1', reason: 'Error', namespace: `unit-${process.pid}` })).to.equal(1);
    expect(await value('okube_task_backoff_seconds', { task: 't1', namespace: `unit-${process.pid}` })).to.equal(1);
    forgetTask(key);
    expect(await value('okube_task_restarts_total', { task: 't1', namespace: `unit-${process.pid}` })).to.equal(undefined);
    expect(await value('okube_task_backoff_seconds', { task: 't1', namespace: `unit-${process.pid}` })).to.equal(undefined);
  });

  it('adds up the depth of queues that share a name instead of overwriting it', async () => {
    const name = `unit-queue-${process.pid}`;
    const a = new WorkQueue<string>({ metrics: queueMetrics(name) });
    const b = new WorkQueue<string>({ metrics: queueMetrics(name) });
    a.add('x');
    a.add('y');
    b.add('z');
    expect(await value('workqueue_depth', { name })).to.equal(3);
    await a.get();
    expect(await value('workqueue_depth', { name })).to.equal(2);
    a.shutDown();
    b.shutDown();
    expect(await value('workqueue_depth', { name })).to.equal(0);
    expect(await value('workqueue_adds_total', { name })).to.equal(3);
  });

  it('starts every controller\'s reconcile series at 0, as controller-runtime does', async () => {
    const controller = `unit-ctl-${process.pid}`;
    new Controller(controller, async () => undefined);
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) expect(await value('controller_runtime_reconcile_total', { controller, result })).to.equal(0);
    expect(await value('controller_runtime_reconcile_errors_total', { controller })).to.equal(0);
    expect(await value('workqueue_retries_total', { name: controller })).to.equal(0);
  });

  it('labels reconcile results as controller-runtime does', () => {
    expect(reconcileOutcome(undefined)).to.equal('success');
    expect(reconcileOutcome({})).to.equal('success');
    expect(reconcileOutcome({ requeueAfterMs: 0 })).to.equal('requeue');
    expect(reconcileOutcome({ requeueAfterMs: 5000 })).to.equal('requeue_after');
  });

  it('names the etcd request type after the resource in the key', () => {
    expect(storageType('/registry/okube.dev/tasks/ns/t1')).to.equal('tasks.okube.dev');
    expect(storageType('/registry/core/namespaces/default')).to.equal('namespaces');
    expect(storageType('/registry/coordination.k8s.io/leases/')).to.equal('leases.coordination.k8s.io');
    expect(storageType('')).to.equal('');
  });
});
