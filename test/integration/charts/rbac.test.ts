import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { LABELS, VOLUME_CLAIM_LABEL, type ControllerRevision, type EndpointSlice, type Task, type TaskService, type TaskSet } from '../../../src/api/types.js';
import { writeKubeconfig } from '../../../src/apiserver/index.js';
import { CONTROLLERREVISIONS, ENDPOINTSLICES, NODES, ResourceClient, TASKS, TASKSERVICES, TASKSETS } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace } from '../../support/controllers.js';
import { testEnv, uniqueName } from '../../support/env.js';
import { allowed, describeRequest, rbacRequest, type RbacRequest, type RbacRule } from '../../support/rbac.js';
import { nodeObject, taskObject, waitFor, waitForTask } from '../../support/tasks.js';
import { okubeBin } from '../../support/okube-bin.js';

// The chart's ClusterRole against the API calls `okube controllers --leader-elect` really makes:
// the API server records every request made with the controllers' own token while a Node is
// registered (one with its TLS material in a Secret) and Tasks are scheduled, run, crash and
// restart, finish and expire, and are deleted.
// Whatever a controller starts to call later (new resources, new verbs) fails this test until the
// chart grants it.

// Paths every authenticated user may GET in Kubernetes (the system:discovery and
// system:public-info-viewer ClusterRoles), so the chart need not grant them.
const DISCOVERY = [/^\/apis?(\/.*)?$/, /^\/version\/?$/, /^\/openapi(\/.*)?$/, /^\/(healthz|livez|readyz)$/];

/** The rules the chart grants: cluster-wide, and per namespace (Roles). */
function chartRules(...set: string[]): { cluster: RbacRule[]; namespaced: Map<string, RbacRule[]> } {
  const r = spawnSync('node_modules/.bin/helm', ['template', 'okube', 'charts/okube', '--namespace', 'okube-system', ...set.flatMap((x) => ['--set', x])], { encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  const docs = (yaml.loadAll(r.stdout) as Array<{ kind: string; metadata: { namespace?: string }; rules?: RbacRule[] } | null>).filter((d) => !!d);
  const role = docs.find((d) => d.kind === 'ClusterRole');
  expect(role, 'the chart renders a ClusterRole').to.not.equal(undefined);
  const namespaced = new Map<string, RbacRule[]>();
  for (const d of docs.filter((x) => x.kind === 'Role')) namespaced.set(d.metadata.namespace!, [...(namespaced.get(d.metadata.namespace!) ?? []), ...d.rules!]);
  return { cluster: role!.rules!, namespaced };
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
  let secretNode = '';

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
    if (nodeName) await docker.removeVolumes({ [LABELS.node]: nodeName });
    await cluster?.stop();
  });

  it('allows every API call the controllers make through a Node and Tasks’ whole lives', async () => {
    // Leader election in the release namespace the chart is rendered for (its Lease Role is there).
    await cluster.kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'okube-system' } } });
    const kubeconfig = join(cluster.dir, 'controllers.kubeconfig');
    writeKubeconfig(kubeconfig, { server: cluster.api.url, caPem: cluster.api.caPem, token: controllersToken });
    controllers = spawn(process.execPath, [okubeBin(), 'controllers', '--kubeconfig', kubeconfig, '--leader-elect=true', '--leader-elect-namespace=okube-system',
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

    // A Node whose TLS material is in a Secret: the controllers read it (the engine is not there).
    secretNode = uniqueName('tls-node');
    const tlsNode = nodeObject(secretNode, 'tcp://127.0.0.1:9');
    tlsNode.spec.tls = { secretName: 'docker-tls', secretNamespace: ns };
    await nodes.create(tlsNode);

    await waitForTask(tasks, ns, 'crashes', 'a restart after a crash', (t) => (t.status?.restartCount ?? 0) >= 1, 90_000);
    await waitFor('the finished Task expires (TTL)', async () => !(await tasks.list({ namespace: ns })).items.some((t) => t.metadata.name === 'finishes'), 60_000, 200);
    // A TaskSet: it adopts a matching orphan (get of the TaskSet, patch of the Task; without a
    // template-hash label the orphan counts as an old template and is replaced), creates Tasks,
    // writes status, releases a relabelled Task (patch) and scales to 0 (delete).
    const taskSets = new ResourceClient<TaskSet>(cluster.kc, TASKSETS);
    const sleeper = { image: env.image, command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 0.2; done"], terminationGracePeriodSeconds: 1 };
    const orphan = taskObject(ns, 'orphan', sleeper);
    orphan.metadata.labels = { app: 'rbac' };
    await tasks.create(orphan);
    await waitForTask(tasks, ns, 'orphan', 'the orphan Running', (t) => t.status?.phase === 'Running', 60_000);
    await taskSets.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskSet', metadata: { name: 'rbac', namespace: ns }, spec: { replicas: 2, selector: { matchLabels: { app: 'rbac' } }, template: { metadata: { labels: { app: 'rbac' } }, spec: sleeper } } });
    await waitFor('the TaskSet adopts the orphan', async () => (await tasks.get('orphan', ns).catch(() => undefined))?.metadata.ownerReferences?.length === 1 || undefined, 60_000, 100);
    const made = await waitFor('Tasks the TaskSet created', async () => (await tasks.list({ namespace: ns, labelSelector: 'app=rbac,okube.dev/template-hash' })).items[0], 60_000, 200);
    await tasks.patch(made.metadata.name!, { metadata: { labels: { app: 'released' } } }, ns);
    await waitFor('the relabelled Task is released', async () => !(await tasks.get(made.metadata.name!, ns)).metadata.ownerReferences?.length, 60_000, 200);
    await taskSets.patch('rbac', { spec: { replicas: 0 } }, ns);
    await waitFor('the TaskSet scaled to 0', async () => (await tasks.list({ namespace: ns, labelSelector: 'app=rbac' })).items.length === 0, 60_000, 200);
    // Its template history: a new template is a new ControllerRevision (create), the first
    // template again renumbers its revision (patch), a history limit of 0 prunes (delete).
    const revisions = new ResourceClient<ControllerRevision>(cluster.kc, CONTROLLERREVISIONS);
    const revisionNumbers = async () => (await revisions.list({ namespace: ns, labelSelector: 'okube.dev/taskset=rbac' })).items.map((r) => r.revision).sort((a, b) => a - b);
    await waitFor('the first revision', async () => (await revisionNumbers()).join() === '1' || undefined, 60_000, 200);
    await taskSets.patch('rbac', { spec: { template: { spec: { terminationGracePeriodSeconds: 2 } } } }, ns);
    await waitFor('the second revision', async () => (await revisionNumbers()).join() === '1,2' || undefined, 60_000, 200);
    await taskSets.patch('rbac', { spec: { template: { spec: { terminationGracePeriodSeconds: 1 } } } }, ns);
    await waitFor('the first template renumbered', async () => (await revisionNumbers()).join() === '2,3' || undefined, 60_000, 200);
    await taskSets.patch('rbac', { spec: { revisionHistoryLimit: 0 } }, ns);
    await waitFor('the old revision pruned', async () => (await revisionNumbers()).join() === '3' || undefined, 60_000, 200);
    await taskSets.delete('rbac', ns);
    await tasks.delete(made.metadata.name!, ns);

    // A TaskService over a Task that publishes a port: the endpoints controller creates its
    // EndpointSlice, patches the TaskService status, updates the slice (terminating) when the
    // Task is deleted and deletes it once the Task is gone.
    const services = new ResourceClient<TaskService>(cluster.kc, TASKSERVICES);
    const slices = new ResourceClient<EndpointSlice>(cluster.kc, ENDPOINTSLICES);
    const served = taskObject(ns, 'served', { ...sleeper, ports: [{ name: 'http', containerPort: 8080 }] });
    served.metadata.labels = { app: 'served' };
    await tasks.create(served);
    await services.create({ apiVersion: 'okube.dev/v1alpha1', kind: 'TaskService', metadata: { name: 'served', namespace: ns }, spec: { selector: { app: 'served' }, type: 'None', ports: [{ targetPort: 'http' }] } });
    const sliceOf = async () => (await slices.list({ namespace: ns, labelSelector: 'kubernetes.io/service-name=served' })).items;
    await waitFor('the EndpointSlice of the TaskService', async () => (await sliceOf())[0]?.endpoints.length === 1 || undefined, 60_000, 200);
    await waitFor('the TaskService status', async () => (await services.get('served', ns)).status?.endpoints === 1 || undefined, 60_000, 200);
    await tasks.delete('served', ns);
    await waitFor('the slice emptied and deleted', async () => (await sliceOf()).length === 0 || undefined, 60_000, 200);
    await services.delete('served', ns);

    // A Task that reads a Secret key, a ConfigMap volume and a claim (issue 22): the Secret,
    // ConfigMap and claim informers list and watch; the scheduler reads the claim and records
    // its Node (patch) before binding the Task.
    const core = cluster.kc.makeApiClient(CoreV1Api);
    await core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'app-secret' }, data: { token: Buffer.from('t').toString('base64') } } });
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'app-config' }, data: { mode: 'fast' } } });
    await core.createNamespacedPersistentVolumeClaim({ namespace: ns, body: { metadata: { name: 'app-data' }, spec: { accessModes: ['ReadWriteOnce'] } } });
    await tasks.create(taskObject(ns, 'configured', {
      ...sleeper,
      env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'token' } } }],
      volumes: [{ name: 'config', configMap: { name: 'app-config' } }, { name: 'data', persistentVolumeClaim: { claimName: 'app-data' } }],
      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }, { name: 'data', mountPath: '/data' }],
    }));
    const configured = await waitForTask(tasks, ns, 'configured', 'the configured Task Running', (t) => t.status?.phase === 'Running', 60_000);
    await tasks.delete('configured', ns);
    await waitFor('the configured Task is gone', async () => !(await tasks.list({ namespace: ns })).items.some((t) => t.metadata.name === 'configured'), 60_000, 200);
    const claimUid = (await core.readNamespacedPersistentVolumeClaim({ name: 'app-data', namespace: ns })).metadata!.uid!;
    await docker.removeVolumes({ [VOLUME_CLAIM_LABEL]: claimUid });
    expect(configured.spec.nodeName).to.equal(nodeName);

    await tasks.delete('crashes', ns);
    await waitFor('the Task and its container are gone', async () => (await tasks.list({ namespace: ns })).items.length === 0 && (await docker.list({ [LABELS.namespace]: ns })).length === 0, 60_000, 200);
    await nodes.delete(nodeName);
    await nodes.delete(secretNode);
    await new Promise((r) => setTimeout(r, 3000));

    // A clean stop releases the lease: one more call to record.
    const exited = new Promise((r) => controllers!.once('exit', r));
    controllers.kill('SIGTERM');
    await exited;

    const rules = chartRules(`docker.tlsSecretNamespaces={${ns}}`);
    const seen = new Map<string, RbacRequest>();
    for (const c of calls) {
      const r = rbacRequest(c.method, c.url);
      if (r.kind === 'nonResource' && r.verb === 'get' && DISCOVERY.some((re) => re.test(r.path))) continue;
      seen.set(r.kind === 'resource' && r.namespace && r.resource === 'secrets' ? `${describeRequest(r)} in ${r.namespace}` : describeRequest(r), r);
    }
    console.log(`      ${calls.length} calls by the controllers, ${seen.size} distinct:\n        ${[...seen.keys()].sort().join('\n        ')}`);
    const denied = [...seen.entries()]
      .filter(([, r]) => !allowed(rules.cluster, r) && !(r.kind === 'resource' && r.namespace && allowed(rules.namespaced.get(r.namespace) ?? [], r)))
      .map(([d]) => d);
    expect(denied, 'calls the chart\'s ClusterRole does not allow').to.deep.equal([]);
    expect([...seen.keys()], 'the recording saw the controllers at work').to.include.members(['watch okube.dev/tasks', 'update coordination.k8s.io/leases', `get core/secrets in ${ns}`,
      'watch okube.dev/tasksets', 'get okube.dev/tasksets', 'update okube.dev/tasksets/status', 'create okube.dev/tasks', 'patch okube.dev/tasks', 'delete okube.dev/tasks',
      'watch okube.dev/taskservices', 'patch okube.dev/taskservices/status',
      'list discovery.k8s.io/endpointslices', 'watch discovery.k8s.io/endpointslices', 'create discovery.k8s.io/endpointslices', 'update discovery.k8s.io/endpointslices', 'delete discovery.k8s.io/endpointslices',
      'list apps/controllerrevisions', 'watch apps/controllerrevisions', 'create apps/controllerrevisions', 'patch apps/controllerrevisions', 'delete apps/controllerrevisions',
      'watch core/secrets', 'watch core/configmaps', 'watch core/persistentvolumeclaims', 'get core/persistentvolumeclaims', 'patch core/persistentvolumeclaims']);
  });
});
