import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import type { TaskSpec } from '../../../src/api/types.js';
import { ControllerManager } from '../../../src/controllers/manager.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { CountingProbeMetrics } from '../../../src/probes/index.js';
import type { TestCluster } from '../../support/cluster.js';
import { newNamespace, startControllers, stopControllers } from '../../support/controllers.js';
import { testEnv } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// Probed Tasks running real busybox apps in real containers.

const HTTPD = 'mkdir -p /srv && echo ok > /srv/healthz && exec httpd -f -p 8080 -h /srv';

describe('probes on real containers', function () {
  this.timeout(120_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const metrics = new CountingProbeMetrics();
  let cluster: TestCluster;
  let manager: ControllerManager;
  let ns: string;
  let nodeName: string;

  const create = (name: string, spec: Partial<TaskSpec>) =>
    manager.tasks.create(taskObject(ns, name, { image: env.image, ports: [{ name: 'http', containerPort: 8080 }], terminationGracePeriodSeconds: 1, backoff: { initialDelaySeconds: 0.5 }, ...spec }));
  const probe = (extra: object) => ({ periodSeconds: 1, timeoutSeconds: 1, ...extra });

  before(async () => ({ cluster, manager, nodeName } = await startControllers({ probeMetrics: metrics })));
  after(async () => stopControllers({ cluster, manager, nodeName }));
  beforeEach(async () => (ns = await newNamespace(cluster)));

  it('a healthy httpd becomes Ready through its readiness probe', async () => {
    await create('healthy', { command: ['sh', '-c', HTTPD], readinessProbe: probe({ httpGet: { path: '/healthz', port: 'http' } }), livenessProbe: probe({ httpGet: { path: '/healthz', port: 'http' } }) });
    const t = await waitForTask(manager.tasks, ns, 'healthy', 'Ready', (t) => t.status?.ready === true);
    expect(t.status!.conditions!.find((c) => c.type === 'Ready')).to.include({ status: 'True' });
    expect(t.status!.probes?.readiness).to.include({ result: 'Success' });
    expect(t.status!.restartCount ?? 0).to.equal(0);
    expect(metrics.counts.get('readiness/httpGet/success'), 'counted for metrics').to.be.greaterThan(0);
  });

  it('a steadily healthy probed Task is not rewritten while its probes keep passing', async () => {
    const health = probe({ httpGet: { path: '/healthz', port: 'http' } });
    await create('steady', { command: ['sh', '-c', HTTPD], readinessProbe: health, livenessProbe: health });
    // Both probes start with the container; liveness may first see the port closed (a Failure it
    // tolerates) and pass a period later, which is a new result with a new time.
    const ready = await waitForTask(manager.tasks, ns, 'steady', 'Ready and live', (t) => t.status?.ready === true && t.status.probes?.liveness?.result === 'Success');
    await new Promise((r) => setTimeout(r, 1500)); // let the Ready write and its follow-up reconcile settle
    const before = await manager.tasks.get('steady', ns);
    const probesBefore = metrics.counts.get('liveness/httpGet/success') ?? 0;
    await new Promise((r) => setTimeout(r, 4000));
    const after = await manager.tasks.get('steady', ns);
    expect((metrics.counts.get('liveness/httpGet/success') ?? 0) - probesBefore, 'probes ran meanwhile').to.be.at.least(3);
    expect(after.metadata.resourceVersion, `status rewritten: ${JSON.stringify(after.status?.probes)}`).to.equal(before.metadata.resourceVersion);
    expect(after.status!.probes!.liveness!.time, 'time is when the result began').to.equal(ready.status!.probes!.liveness!.time);
  });

  it('stops probing the moment the container exits, and when the Task is deleted', async () => {
    const health = probe({ httpGet: { path: '/healthz', port: 'http' } });
    // restartPolicy Never: after the exit there is no new container to probe.
    await create('short', { command: ['sh', '-c', HTTPD], restartPolicy: 'Never', livenessProbe: health });
    const live = await waitForTask(manager.tasks, ns, 'short', 'live', (t) => t.status?.probes?.liveness?.result === 'Success');
    expect(manager.probeManager.view(`${ns}/short`), 'probed while running').to.not.equal(undefined);
    await docker.stop(live.status!.containerID!, 0);
    await waitForTask(manager.tasks, ns, 'short', 'Failed', (t) => t.status?.phase === 'Failed');
    expect(manager.probeManager.view(`${ns}/short`), 'probed after the exit').to.equal(undefined);

    await create('deleted', { command: ['sh', '-c', HTTPD], livenessProbe: health });
    await waitForTask(manager.tasks, ns, 'deleted', 'live', (t) => t.status?.probes?.liveness?.result === 'Success');
    await manager.tasks.delete('deleted', ns);
    await waitFor('Task gone', async () => (await manager.tasks.list({ namespace: ns })).items.every((t) => t.metadata.name !== 'deleted'), 30_000);
    expect(manager.probeManager.view(`${ns}/deleted`), 'probed after delete').to.equal(undefined);
  });

  it('kubectl get tasks shows READY, and kubectl describe shows a liveness failure as a Warning Unhealthy event, before its Killing', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'kcache-'));
    const kenv = { ...process.env, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: cache };
    try {
      const health = probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 2 });
      await create('visible', { command: ['sh', '-c', HTTPD], readinessProbe: health, livenessProbe: health, backoff: { initialDelaySeconds: 30 } });
      const ready = await waitForTask(manager.tasks, ns, 'visible', 'Ready', (t) => t.status?.ready === true);
      const get = await kubectl(['get', 'tasks', '-n', ns], kenv);
      expect(get.code, get.stderr).to.equal(0);
      // The cell under the header's READY: empty cells (STATUS, RESTARTS) leave no token to count.
      const readyCell = (table: string) => {
        const [header, row] = table.split('\n');
        return row.slice(header.indexOf('READY')).split(/\s+/)[0];
      };
      expect(readyCell(get.stdout), get.stdout).to.equal('true');

      await docker.exec(ready.status!.containerID!, ['rm', '/srv/healthz'], 5000);
      await waitForTask(manager.tasks, ns, 'visible', 'restarted as Unhealthy', (t) => t.status?.lastState?.terminated?.reason === 'Unhealthy', 30_000);
      const notReady = await kubectl(['get', 'tasks', '-n', ns, 'visible'], kenv);
      expect(readyCell(notReady.stdout), notReady.stdout).to.equal('false');
      const describe = await kubectl(['describe', 'task', 'visible', '-n', ns], kenv);
      expect(describe.code, describe.stderr).to.equal(0);
      expect(describe.stdout).to.match(/Warning\s+Unhealthy\s+.*Liveness probe failed: HTTP probe failed with statuscode: 404/);
      // Events of the same second keep the order they happened in (their names sort so, as client-go's do).
      const reasons = describe.stdout.slice(describe.stdout.indexOf('Events:')).split('\n').map((l) => l.trim().split(/\s+/)[1]);
      expect(reasons.indexOf('Created'), describe.stdout).to.be.within(0, reasons.indexOf('Started'));
      expect(reasons.indexOf('Unhealthy'), describe.stdout).to.be.within(0, reasons.indexOf('Killing'));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('an app that never becomes ready stays Ready=False and is never restarted', async () => {
    await create('neverready', { command: ['sh', '-c', 'sleep 3600'], readinessProbe: probe({ tcpSocket: { port: 'http' } }) });
    await waitForTask(manager.tasks, ns, 'neverready', 'probe failure recorded', (t) => t.status?.probes?.readiness?.result === 'Failure');
    await new Promise((r) => setTimeout(r, 4000));
    const t = await manager.tasks.get('neverready', ns);
    expect(t.status!.ready).to.equal(false);
    expect(t.status!.restartCount ?? 0).to.equal(0);
    expect(t.status!.probes!.readiness!.message).to.match(/connection (refused|closed|reset)/);
  });

  it('a failing liveness probe restarts the container with reason Unhealthy, then backs off', async () => {
    await create('flip', { command: ['sh', '-c', HTTPD], livenessProbe: probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 2 }) });
    const running = await waitForTask(manager.tasks, ns, 'flip', 'Running', (t) => t.status?.phase === 'Running' && Boolean(t.status.containerID));
    await docker.exec(running.status!.containerID!, ['rm', '/srv/healthz'], 5000); // flip health to failing
    const t = await waitForTask(manager.tasks, ns, 'flip', 'restarted as Unhealthy', (t) => t.status?.lastState?.terminated?.reason === 'Unhealthy', 30_000);
    expect(t.status!.restartCount).to.be.at.least(1);
    expect(t.status!.lastState!.terminated!.message).to.contain('Liveness probe failed');
    expect(metrics.counts.get('liveness/httpGet/failure'), 'counted for metrics').to.be.greaterThan(0);
    // The new container has a fresh /srv/healthz again: running, live.
    await waitForTask(manager.tasks, ns, 'flip', 'running again', (x) => x.status?.phase === 'Running' && x.status.containerID !== running.status!.containerID, 30_000);
  });

  it('an app failing liveness for good is restarted as Unhealthy each time, with a growing back-off', async () => {
    // httpd without the health file: /healthz answers 404 in every container. The initial delay
    // keeps a probe from racing httpd's start (docker-proxy accepts, then hangs up: not a 404).
    await create('broken', { command: ['sh', '-c', 'mkdir -p /srv && exec httpd -f -p 8080 -h /srv'], livenessProbe: probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 1, initialDelaySeconds: 1 }), backoff: { initialDelaySeconds: 0.5, factor: 2 } });
    const delays = new Set<number>();
    const t = await waitForTask(manager.tasks, ns, 'broken', 'restarted three times', (t) => {
      if (t.status?.backoff?.delaySeconds) delays.add(t.status.backoff.delaySeconds);
      return (t.status?.restartCount ?? 0) >= 3;
    }, 60_000);
    expect(t.status!.lastState!.terminated).to.include({ reason: 'Unhealthy' });
    expect(t.status!.lastState!.terminated!.message).to.contain('HTTP probe failed with statuscode: 404');
    expect([...delays].sort((a, b) => a - b), 'back-off delays seen in status').to.include.members([0.5, 1]);
  });

  it('an app flapping healthy/unhealthy faster than failureThreshold is never restarted', async () => {
    // The health file comes and goes every second; probes every second see about two failures in
    // a row at most, below failureThreshold 4.
    // mkdir before the loop goes to the background: httpd exits 1 at once when /srv is missing.
    const flapping = 'mkdir -p /srv; (while true; do echo ok > /srv/healthz; sleep 1; rm -f /srv/healthz; sleep 1; done) & exec httpd -f -p 8080 -h /srv';
    await create('flapping', { command: ['sh', '-c', flapping], livenessProbe: probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 4 }) });
    const core = cluster.kc.makeApiClient(CoreV1Api);
    const results = new Set<string>();
    const until = Date.now() + 12_000;
    while (Date.now() < until) {
      const t = await manager.tasks.get('flapping', ns);
      if (t.status?.probes?.liveness) results.add(t.status.probes.liveness.result);
      if ((t.status?.restartCount ?? 0) > 0) {
        const events = (await core.listNamespacedEvent({ namespace: ns })).items.map((e) => `${e.reason}: ${e.message}`);
        expect.fail(`restarted while flapping: ${JSON.stringify(t.status)} events: ${JSON.stringify(events)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...results], 'the probe really saw both outcomes').to.include.members(['Success', 'Failure']);
  });

  it('the startup probe holds liveness off for a slow starter', async () => {
    const slow = `sleep 4; ${HTTPD}`;
    await create('slow', { command: ['sh', '-c', slow], startupProbe: probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 20 }), livenessProbe: probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 1 }) });
    const t = await waitForTask(manager.tasks, ns, 'slow', 'started and ready', (t) => t.status?.started === true && t.status.ready === true, 30_000);
    expect(t.status!.restartCount ?? 0).to.equal(0);
  });

  it('without a startup probe the same slow starter is killed by liveness', async () => {
    const slow = `sleep 4; ${HTTPD}`;
    await create('slow-nostartup', { command: ['sh', '-c', slow], livenessProbe: probe({ httpGet: { path: '/healthz', port: 'http' }, failureThreshold: 1 }) });
    const t = await waitForTask(manager.tasks, ns, 'slow-nostartup', 'killed as Unhealthy', (t) => t.status?.lastState?.terminated?.reason === 'Unhealthy', 30_000);
    expect(t.status!.restartCount).to.be.at.least(1);
  });

  it('an exec probe checking a file restarts the container when the file goes', async () => {
    await create('execprobe', { command: ['sh', '-c', 'touch /tmp/healthy; exec sleep 3600'], ports: [], livenessProbe: probe({ exec: { command: ['test', '-f', '/tmp/healthy'] }, failureThreshold: 1 }) });
    const running = await waitForTask(manager.tasks, ns, 'execprobe', 'live', (t) => t.status?.probes?.liveness?.result === 'Success');
    await docker.exec(running.status!.containerID!, ['rm', '/tmp/healthy'], 5000);
    const t = await waitForTask(manager.tasks, ns, 'execprobe', 'Unhealthy', (t) => t.status?.lastState?.terminated?.reason === 'Unhealthy', 30_000);
    expect(t.status!.lastState!.terminated!.message).to.contain('command exited with 1');
    // What kubectl describe shows: the probe failure as an Event with reason Unhealthy.
    const events = await cluster.kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: ns });
    const unhealthy = events.items.filter((e) => e.reason === 'Unhealthy' && e.involvedObject.name === 'execprobe');
    expect(unhealthy.map((e) => e.message).join('\n')).to.contain('Liveness probe failed');
  });

  it('stops restarting for a mis-set liveness probe once the rate limit is reached, and says so', async () => {
    await create('limited', {
      command: ['sh', '-c', 'exec sleep 3600'],
      livenessProbe: probe({ tcpSocket: { port: 'http' }, failureThreshold: 1 }),
      probeRestartLimit: { maxRestarts: 2, windowSeconds: 300 },
      backoff: { initialDelaySeconds: 0.2, factor: 1 },
    });
    const t = await waitForTask(manager.tasks, ns, 'limited', 'ProbeRestartLimited', (t) => t.status?.conditions?.some((c) => c.type === 'ProbeRestartLimited' && c.status === 'True') ?? false, 60_000);
    expect(t.status!.restartCount).to.equal(2);
    expect(t.status!.phase).to.equal('Running');
    expect(t.status!.ready).to.equal(false);
    await new Promise((r) => setTimeout(r, 3000)); // unlimited, it would restart every ~1 s
    const still = await manager.tasks.get('limited', ns);
    expect(still.status!.restartCount).to.equal(2);
  });
});
