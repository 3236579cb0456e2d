import { expect } from 'chai';
import { forgetTask, queueMetrics, recordNodeUsage, recordTaskStatus, taskStatusChange } from '../../../src/metrics/controllers.js';
import type { NodeUsage } from '../../../src/api/types.js';
import { storageType } from '../../../src/metrics/storage.js';
import { EVENT_LOOP_MONITORING_PRECISION_MS, metricsRegistry } from '../../../src/metrics/registry.js';
import { Controller, reconcileOutcome } from '../../../src/controllers/controller.js';
import { WorkQueue } from '../../../src/controllers/workqueue.js';

async function value(name: string, labels: Record<string, string>): Promise<number | undefined> {
  const m = await metricsRegistry.getSingleMetric(name)?.get();
  return m?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
}

describe('metrics', () => {
  it('samples the event-loop delay every 100 ms, not every 10 ms, so an idle process is woken 10 times a second', async () => {
    // The lag gauge's collect copies the delay histogram into the min/max/percentile gauges, then
    // resets it. Node's monitor records the time between its timer's runs, so the smallest delay
    // recorded is the sampling interval itself.
    const lagMin = async () => {
      await metricsRegistry.getSingleMetric('nodejs_eventloop_lag_seconds')?.get();
      return (await metricsRegistry.getSingleMetric('nodejs_eventloop_lag_min_seconds')?.get())?.values[0]?.value ?? 0;
    };
    await lagMin();
    await new Promise((r) => setTimeout(r, 3.5 * EVENT_LOOP_MONITORING_PRECISION_MS));
    expect(await lagMin()).to.be.at.least(0.9 * EVENT_LOOP_MONITORING_PRECISION_MS / 1000);
  });

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

  it('replaces a Node\'s Task usage series at a new reading, dropping only the Tasks it no longer has', async () => {
    const node = `unit-node-${process.pid}`;
    const reading = (tasks: string[], memoryKi: number): NodeUsage => ({ memory: `${memoryKi * tasks.length}Ki`, runningContainers: tasks.length, sampledAt: new Date().toISOString(), tasks: tasks.map((name) => ({ namespace: 'ns', name, cpu: '5m', memory: `${memoryKi}Ki` })) });
    recordNodeUsage(node, reading(['t1', 't2'], 1));
    recordNodeUsage(node, reading(['t2'], 2));
    expect(await value('okube_task_memory_usage_bytes', { node, task: 't1' })).to.equal(undefined);
    expect(await value('okube_task_cpu_usage_cores', { node, task: 't1' })).to.equal(undefined);
    expect(await value('okube_task_memory_usage_bytes', { node, task: 't2' })).to.equal(2048);
    recordNodeUsage(node, undefined);
    expect(await value('okube_task_memory_usage_bytes', { node, task: 't2' })).to.equal(undefined);
    expect(await value('okube_node_running_containers', { node })).to.equal(undefined);
  });

  it('leaves a Node\'s usage series alone when the heartbeat brings the same reading again', async () => {
    const node = `unit-node-same-${process.pid}`;
    const usage: NodeUsage = { memory: '1Ki', runningContainers: 1, sampledAt: new Date().toISOString(), tasks: [{ namespace: 'ns', name: 't1', memory: '1Ki' }] };
    recordNodeUsage(node, usage);
    // Not a new reading (the same object): nothing is re-read from it.
    usage.tasks[0].memory = '9Ki';
    recordNodeUsage(node, usage);
    expect(await value('okube_task_memory_usage_bytes', { node, task: 't1' })).to.equal(1024);
    recordNodeUsage(node, undefined);
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
