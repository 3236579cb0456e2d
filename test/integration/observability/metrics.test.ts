import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Task } from '../../../src/api/types.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv } from '../../support/env.js';
import { metricSum, parseMetrics, rawRequest, samples, type Sample } from '../../support/scrape.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// A real control plane, the controllers in-process (one Prometheus registry per process, as in
// `okube up`) and a crash-looping Task on the test Docker engine; /metrics is scraped over HTTPS
// with the bearer token, as Prometheus or `kubectl get --raw /metrics` would.

describe('/metrics on the API server after a crash loop', function () {
  this.timeout(120_000);
  const env = testEnv();
  let rig: ControllerRig;
  let ns: string;

  const scrape = async (): Promise<Sample[]> => {
    const r = await rawRequest(`${rig.cluster.api.url}/metrics`, { ca: rig.cluster.api.caPem, token: rig.cluster.api.token });
    expect(r.status, r.body.slice(0, 200)).to.equal(200);
    expect(r.headers['content-type']).to.match(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(r.body);
  };

  before(async () => {
    rig = await startControllers();
    ns = await newNamespace(rig.cluster);
    await rig.manager.tasks.create(
      taskObject(ns, 'crash', { image: env.image, command: ['sh', '-c', 'exit 3'], terminationGracePeriodSeconds: 1, backoff: { initialDelaySeconds: 1, factor: 2, maxDelaySeconds: 2 } }),
    );
    const probe = { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 };
    await rig.manager.tasks.create(
      taskObject(ns, 'probed', { image: env.image, command: ['sh', '-c', 'mkdir -p /srv && echo ok > /srv/healthz && exec httpd -f -p 8080 -h /srv'], ports: [{ containerPort: 8080, name: 'http' }], readinessProbe: probe, terminationGracePeriodSeconds: 1 }),
    );
    await waitForTask(rig.manager.tasks, ns, 'crash', 'two restarts', (t) => (t.status?.restartCount ?? 0) >= 2, 60_000);
    await waitForTask(rig.manager.tasks, ns, 'probed', 'Ready', (t) => t.status?.ready === true, 60_000);
  });
  after(async () => stopControllers(rig));

  it('counts API requests by Kubernetes verb, resource and code', async () => {
    const m = await scrape();
    expect(metricSum(m, 'apiserver_request_total', { verb: 'LIST', resource: 'tasks', group: 'okube.dev', code: '200' })).to.be.greaterThan(0);
    expect(metricSum(m, 'apiserver_request_total', { verb: 'POST', resource: 'tasks', code: '201' })).to.be.greaterThan(0);
    expect(metricSum(m, 'apiserver_request_total', { verb: 'PUT', resource: 'tasks', subresource: 'status', code: '200' })).to.be.greaterThan(0);
    expect(metricSum(m, 'apiserver_request_duration_seconds_count', { verb: 'LIST', resource: 'tasks' })).to.be.greaterThan(0);
    // The controllers' informers hold watches open while we scrape.
    expect(metricSum(m, 'apiserver_longrunning_requests', { verb: 'WATCH', resource: 'tasks' })).to.be.at.least(1);
    expect(metricSum(m, 'etcd_request_duration_seconds_count')).to.be.greaterThan(0);
    expect(metricSum(m, 'etcd_request_duration_seconds_count', { operation: 'update', type: 'tasks.okube.dev' })).to.be.greaterThan(0);
  });

  it('counts the task work queue and reconciles like client-go and controller-runtime', async () => {
    const m = await scrape();
    expect(metricSum(m, 'workqueue_adds_total', { name: 'task' })).to.be.greaterThan(0);
    expect(metricSum(m, 'workqueue_queue_duration_seconds_count', { name: 'task' })).to.be.greaterThan(0);
    expect(metricSum(m, 'workqueue_work_duration_seconds_count', { name: 'task' })).to.be.greaterThan(0);
    expect(samples(m, 'workqueue_depth', { name: 'task' })).to.have.length(1);
    expect(metricSum(m, 'controller_runtime_reconcile_total', { controller: 'task' })).to.be.greaterThan(0);
    // Crash-loop delays are timers: requeue_after.
    expect(metricSum(m, 'controller_runtime_reconcile_total', { controller: 'task', result: 'requeue_after' })).to.be.greaterThan(0);
    expect(metricSum(m, 'controller_runtime_reconcile_time_seconds_count', { controller: 'task' })).to.be.greaterThan(0);
    expect(metricSum(m, 'okube_node_ready', { node: rig.nodeName })).to.equal(1);
    expect(metricSum(m, 'okube_probe_results_total', { kind: 'readiness', type: 'httpGet', result: 'success' })).to.be.greaterThan(0);
  });

  it('reports the Task\'s restarts and its current back-off delay as in status', async () => {
    // Read status, scrape, read again: compare only when no status write happened in between.
    const { task, m } = await waitFor('a scrape between two identical reads', async () => {
      const before = await rig.manager.tasks.get('crash', ns);
      const m = await scrape();
      const after = await rig.manager.tasks.get('crash', ns);
      return before.metadata.resourceVersion === after.metadata.resourceVersion ? { task: after as Task, m } : undefined;
    });
    const id = { namespace: ns, task: 'crash' };
    const restarts = metricSum(m, 'okube_task_restarts_total', id);
    expect(restarts).to.be.at.least(2);
    expect(restarts).to.equal(task.status!.restartCount);
    expect(metricSum(m, 'okube_task_restarts_total', { ...id, reason: 'Error' })).to.equal(restarts);
    expect(metricSum(m, 'okube_task_backoff_seconds', id)).to.equal(task.status!.backoff!.delaySeconds);
    console.log(`      restartCount ${task.status!.restartCount}, backoff ${task.status!.backoff!.delaySeconds}s; sample:`);
    for (const s of [
      ...samples(m, 'apiserver_request_total', { verb: 'LIST', resource: 'tasks' }),
      ...samples(m, 'okube_task_restarts_total', id),
      ...samples(m, 'okube_task_backoff_seconds', id),
      ...samples(m, 'workqueue_adds_total', { name: 'task' }),
      ...samples(m, 'controller_runtime_reconcile_total', { controller: 'task' }),
      ...samples(m, 'etcd_request_duration_seconds_count', { type: 'tasks.okube.dev' }),
      ...samples(m, 'okube_node_ready', { node: rig.nodeName }),
      ...samples(m, 'okube_probe_results_total'),
    ]) console.log(`        ${s.name}{${Object.entries(s.labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${s.value}`);
  });

  it('wants the bearer token for /metrics, and kubectl get --raw /metrics works with the kubeconfig', async () => {
    const anon = await rawRequest(`${rig.cluster.api.url}/metrics`, { ca: rig.cluster.api.caPem });
    expect(anon.status).to.equal(401);
    const out = await new Promise<string>((resolve, reject) =>
      execFile('kubectl', ['get', '--raw', '/metrics'], { env: { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: join(rig.cluster.dir, 'kube-cache') }, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
      ),
    );
    expect(metricSum(parseMetrics(out), 'apiserver_request_total', { verb: 'LIST', resource: 'tasks' })).to.be.greaterThan(0);
  });

  it('drops the Task\'s series once the Task is deleted', async () => {
    await rig.manager.tasks.delete('crash', ns);
    await waitFor('series gone', async () => {
      const m = await scrape();
      return samples(m, 'okube_task_backoff_seconds', { namespace: ns, task: 'crash' }).length === 0 && samples(m, 'okube_task_restarts_total', { namespace: ns, task: 'crash' }).length === 0;
    }, 60_000, 250);
  });
});
