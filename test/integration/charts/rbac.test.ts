import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { LABELS, type Task } from '../../../src/api/types.js';
import { writeKubeconfig } from '../../../src/apiserver/index.js';
import { NODES, ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { allowed, describeRequest, rbacRequest, type RbacRequest, type RbacRule } from '../../support/rbac.js';
import { nodeObject, taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// The chart's ClusterRole against the API calls `okube controllers --leader-elect` really makes:
// the API server records every request made with the controllers' own token while a Node is
// registered and Tasks are scheduled, run, crash and restart, finish and expire, and are deleted.
// Whatever a controller starts to call later (new resources, new verbs) fails this test until the
// chart grants it.

// Paths every authenticated user may GET in Kubernetes (the system:discovery and
// system:public-info-viewer ClusterRoles), so the chart need not grant them.
const DISCOVERY = [/^\/apis?(\/.*)?$/, /^\/version\/?$/, /^\/openapi(\/.*)?$/, /^\/(healthz|livez|readyz)$/];

function chartRules(): RbacRule[] {
  const r = spawnSync('node_modules/.bin/helm', ['template', 'okube', 'charts/okube', '--namespace', 'okube-system'], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  const role = (yaml.loadAll(r.stdout) as Array<{ kind: string; rules?: RbacRule[] } | null>).find((d) => d?.kind === 'ClusterRole');
  expect(role, 'the chart renders a ClusterRole').to.not.equal(undefined);
  return role!.rules!;
}

describe("the chart's ClusterRole", function () {
  this.timeout(240_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const controllersToken = randomBytes(24).toString('hex');
  const calls: Array<{ method: string; url: string }> = [];
  let cluster: TestCluster;
  let controllers: ChildProcess | undefined;
  let stderr = '';
  let nodeName = '';

  before(async () => {
    cluster = await startCluster({
      auth: { tokens: [randomBytes(24).toString('hex'), controllersToken] },
      observeRequest: (req) => {
        if (req.headers.authorization === `Bearer ${controllersToken}`) calls.push({ method: req.method ?? 'GET', url: req.url ?? '/' });
      },
    });
  });
  after(async () => {
    if (controllers && controllers.exitCode === null && controllers.signalCode === null) {
      const gone = new Promise((r) => controllers!.once('exit', r));
      controllers.kill('SIGKILL');
      await gone;
    }
    if (nodeName) for (const c of await docker.list({ [LABELS.node]: nodeName })) await docker.remove(c.id);
    await cluster?.stop();
  });

  it('allows every API call the controllers make through a Node and Tasks’ whole lives', async () => {
    const kubeconfig = join(cluster.dir, 'controllers.kubeconfig');
    writeKubeconfig(kubeconfig, { server: cluster.api.url, caPem: cluster.api.caPem, token: controllersToken });
    controllers = spawn(process.execPath, ['bin/okube.js', 'controllers', '--kubeconfig', kubeconfig, '--leader-elect=true', '--leader-elect-namespace=kube-system',
      '--leader-elect-lease-duration=3', '--leader-elect-renew-deadline=2', '--leader-elect-retry-period=0.5', '--log-level=info'], { stdio: ['ignore', 'ignore', 'pipe'] });
    controllers.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-16_384)));
    await waitFor('the controllers lead', async () => stderr.includes('became leader'), 60_000, 100);

    const nodes = new ResourceClient(cluster.kc, NODES);
    const tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    nodeName = uniqueName('node');
    await nodes.create(nodeObject(nodeName, env.dockerHost));
    const ns = await newNamespace(cluster);
    // No nodeName: the scheduler places both.
    await tasks.create(taskObject(ns, 'crashes', { image: env.image, command: ['sh', '-c', 'sleep 1; exit 3'], backoff: { initialDelaySeconds: 1, maxDelaySeconds: 1 }, terminationGracePeriodSeconds: 1 }));
    await tasks.create(taskObject(ns, 'finishes', { image: env.image, command: ['true'], restartPolicy: 'Never', ttlSecondsAfterFinished: 1 }));

    await waitForTask(tasks, ns, 'crashes', 'a restart after a crash', (t) => (t.status?.restartCount ?? 0) >= 1, 90_000);
    await waitFor('the finished Task expires (TTL)', async () => !(await tasks.list({ namespace: ns })).items.some((t) => t.metadata.name === 'finishes'), 60_000, 200);
    await tasks.delete('crashes', ns);
    await waitFor('the Task and its container are gone', async () => (await tasks.list({ namespace: ns })).items.length === 0 && (await docker.list({ [LABELS.namespace]: ns })).length === 0, 60_000, 200);
    await nodes.delete(nodeName);
    await new Promise((r) => setTimeout(r, 3000));

    // A clean stop releases the lease: one more call to record.
    const exited = new Promise((r) => controllers!.once('exit', r));
    controllers.kill('SIGTERM');
    await exited;

    const rules = chartRules();
    const seen = new Map<string, RbacRequest>();
    for (const c of calls) {
      const r = rbacRequest(c.method, c.url);
      if (r.kind === 'nonResource' && r.verb === 'get' && DISCOVERY.some((re) => re.test(r.path))) continue;
      seen.set(describeRequest(r), r);
    }
    console.log(`      ${calls.length} calls by the controllers, ${seen.size} distinct:\n        ${[...seen.keys()].sort().join('\n        ')}`);
    const denied = [...seen.entries()].filter(([, r]) => !allowed(rules, r)).map(([d]) => d);
    expect(denied, 'calls the chart\'s ClusterRole does not allow').to.deep.equal([]);
    expect([...seen.keys()], 'the recording saw the controllers at work').to.include.members(['watch okube.dev/tasks', 'update coordination.k8s.io/leases']);
  });
});
