import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EndpointSlice, Task, TaskService, TaskSpec } from '../../../src/api/types.js';
import { ENDPOINTSLICES, ResourceClient, TASKSERVICES } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { testEnv } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// The endpoints controller end to end (issue 18): okube's API server on real etcd, the real
// controllers in this process, busybox httpd Tasks on the real Docker engine, real kubectl.
// TaskService → EndpointSlices with each Task's Node address and published host port; readiness
// flips reach conditions.ready; a deleted Task is terminating in its slice before its container
// gets SIGTERM, then leaves the slice.

const HTTPD = 'mkdir -p /srv && echo ok > /srv/healthz && exec httpd -f -p 8080 -h /srv';

describe('endpoints controller: TaskService → EndpointSlices', function () {
  this.timeout(180_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  let rig: ControllerRig;
  let ns: string;
  let kubecache: string;
  let services: ResourceClient<TaskService>;
  let slices: ResourceClient<EndpointSlice>;

  const run = (args: string[], input?: string) => kubectl(args, { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: kubecache }, input);
  const ok = async (args: string[], input?: string) => {
    const r = await run(args, input);
    expect(r.code, `kubectl ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return r.stdout;
  };
  const spec = (extra: Partial<TaskSpec> = {}): Partial<TaskSpec> & { image: string } => ({
    image: env.image,
    imagePullPolicy: 'Never',
    command: ['sh', '-c', HTTPD],
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
    terminationGracePeriodSeconds: 2,
    ...extra,
  });
  const createTask = async (name: string, labels = { app: 'web' }) => {
    const t = taskObject(ns, name, spec());
    t.metadata.labels = labels;
    return rig.manager.tasks.create(t);
  };
  const service = (name: string, selector: Record<string, string>, targetPort: number | string = 'http'): TaskService => ({
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'TaskService',
    metadata: { name, namespace: ns },
    spec: { selector, type: 'None', ports: [{ name: 'http', port: 0, targetPort }] },
  });
  /** kubectl's own view of the slices of a service. */
  const slicesOf = async (svc: string): Promise<EndpointSlice[]> =>
    (JSON.parse(await ok(['get', 'endpointslices', '-n', ns, '-l', `kubernetes.io/service-name=${svc}`, '-o', 'json'])) as { items: EndpointSlice[] }).items;
  const endpointOf = (all: EndpointSlice[], task: string) => {
    for (const s of all) for (const e of s.endpoints ?? []) if (e.targetRef?.name === task) return { slice: s, endpoint: e };
    return undefined;
  };
  const hostPort = (t: Task) => t.status!.ports!.find((p) => p.containerPort === 8080)!.hostPort;

  before(async () => {
    kubecache = mkdtempSync(join(tmpdir(), 'okube-kubecache-'));
    rig = await startControllers({ endpointDrainTimeoutMs: 60_000 });
    services = new ResourceClient<TaskService>(rig.cluster.kc, TASKSERVICES);
    slices = new ResourceClient<EndpointSlice>(rig.cluster.kc, ENDPOINTSLICES);
  });
  after(async () => {
    await stopControllers(rig);
    if (kubecache) rmSync(kubecache, { recursive: true, force: true });
  });
  beforeEach(async () => (ns = await newNamespace(rig.cluster)));

  it('three Ready Tasks give three ready endpoints at their Node address and host port, listed by kubectl', async () => {
    await ok(['apply', '-f', '-'], JSON.stringify(service('web', { app: 'web' })));
    for (const n of ['web-a', 'web-b', 'web-c']) await createTask(n);
    await createTask('other', { app: 'other' });
    const tasks = await Promise.all(['web-a', 'web-b', 'web-c'].map((n) => waitForTask(rig.manager.tasks, ns, n, 'Ready', (t) => t.status?.ready === true, 60_000)));
    const all = await waitFor('3 ready endpoints', async () => {
      const s = await slicesOf('web');
      return tasks.every((t) => endpointOf(s, t.metadata.name!)?.endpoint.conditions?.ready === true) ? s : undefined;
    }, 30_000, 200);
    for (const t of tasks) {
      const { slice, endpoint } = endpointOf(all, t.metadata.name!)!;
      expect(endpoint.addresses).to.deep.equal([t.status!.hostIP]);
      expect(endpoint.targetRef).to.deep.include({ kind: 'Task', name: t.metadata.name, uid: t.metadata.uid });
      expect(slice.ports).to.deep.equal([{ name: 'http', port: hostPort(t), protocol: 'TCP' }]);
      expect(slice.metadata.labels).to.include({ 'endpointslice.kubernetes.io/managed-by': 'okube-endpointslice-controller' });
    }
    expect(endpointOf(all, 'other'), 'a Task the selector does not match').to.equal(undefined);

    const table = await ok(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web']);
    expect(table.split('\n')[0]).to.match(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/);
    expect(table).to.include(String(hostPort(tasks[0])));
    let last = '';
    const row = await waitFor('ENDPOINTS 3/3 in kubectl get tsvc', async () => {
      last = await ok(['get', 'tsvc', 'web', '-n', ns]);
      return /\nweb\s+None\s+<auto>\/TCP\s+3\/3\s+/.test(last) ? last : undefined;
    }, 30_000, 200).catch((err: Error) => {
      throw new Error(`${err.message}; kubectl printed:\n${last}`);
    });
    expect(row.split('\n')[0]).to.match(/^NAME\s+TYPE\s+ADDRESS\s+PORTS\s+ENDPOINTS\s+AGE$/);
    expect(row).to.match(/3\/3/);
  });

  it('a readiness flip is reflected in conditions.ready, and back', async () => {
    await services.create(service('web', { app: 'web' }));
    await createTask('flip');
    const t = await waitForTask(rig.manager.tasks, ns, 'flip', 'Ready', (x) => x.status?.ready === true, 60_000);
    await waitFor('ready endpoint', async () => endpointOf(await slicesOf('web'), 'flip')?.endpoint.conditions?.ready === true || undefined, 30_000, 200);
    await docker.exec(t.status!.containerID!, ['rm', '/srv/healthz'], 5000);
    const down = await waitFor('not ready endpoint', async () => {
      const e = endpointOf(await slicesOf('web'), 'flip')?.endpoint;
      return e?.conditions?.ready === false ? e : undefined;
    }, 30_000, 200);
    expect(down.conditions).to.deep.equal({ ready: false, serving: false, terminating: false });
    const svc = await services.get('web', ns);
    expect(svc.status).to.include({ endpoints: 1, readyEndpoints: 0, endpointsText: '0/1' });
    await docker.exec(t.status!.containerID!, ['sh', '-c', 'echo ok > /srv/healthz'], 5000);
    await waitFor('ready again', async () => endpointOf(await slicesOf('web'), 'flip')?.endpoint.conditions?.ready === true || undefined, 30_000, 200);
  });

  it('a deleted Task turns terminating in its slice, then leaves it, and its container is removed', async () => {
    await services.create(service('web', { app: 'web' }));
    await createTask('gone');
    const t = await waitForTask(rig.manager.tasks, ns, 'gone', 'Ready', (x) => x.status?.ready === true, 60_000);
    await waitFor('ready endpoint', async () => endpointOf(await slicesOf('web'), 'gone')?.endpoint.conditions?.ready === true || undefined, 30_000, 200);
    await rig.manager.tasks.delete('gone', ns);
    await waitFor('terminating endpoint', async () => endpointOf(await slicesOf('web'), 'gone')?.endpoint.conditions?.terminating === true || undefined, 30_000, 50);
    await waitFor('endpoint gone from every slice', async () => endpointOf(await slicesOf('web'), 'gone') === undefined || undefined, 60_000, 200);
    await waitFor('container removed', async () => (await docker.inspect(t.status!.containerID!)) === undefined || undefined, 60_000, 200);
  });

  it('the container gets no SIGTERM while a slice still lists the Task as ready', async () => {
    // A slice the test owns (no TaskService): only the test can mark the endpoint not ready.
    await createTask('held', { app: 'held' });
    const t = await waitForTask(rig.manager.tasks, ns, 'held', 'Running', (x) => x.status?.phase === 'Running', 60_000);
    const mine: EndpointSlice = {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'held-by-test', namespace: ns, labels: { 'kubernetes.io/service-name': 'manual' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [t.status!.hostIP!], conditions: { ready: true }, targetRef: { kind: 'Task', apiVersion: 'okube.dev/v1alpha1', namespace: ns, name: 'held', uid: t.metadata.uid } }],
      ports: [{ name: 'http', port: hostPort(t), protocol: 'TCP' }],
    };
    await slices.create(mine);
    await waitFor('the controllers see the slice', async () => rig.manager.endpointSliceInformer.byIndex('task', t.metadata.uid!).length === 1 || undefined, 10_000, 50);
    await rig.manager.tasks.delete('held', ns);
    const waiting = await waitForTask(rig.manager.tasks, ns, 'held', 'Ready False while waiting', (x) => x.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'Terminating') === true, 30_000);
    expect(waiting.status!.conditions!.find((c) => c.type === 'Ready')!.message).to.include('endpoints');
    await new Promise((r) => setTimeout(r, 2000));
    expect((await docker.inspect(t.status!.containerID!))?.running, 'still running while listed ready').to.equal(true);
    await slices.patch('held-by-test', { endpoints: [{ ...mine.endpoints[0], conditions: { ready: false, serving: true, terminating: true } }] }, ns);
    await waitFor('the Task is gone', async () => !(await rig.manager.tasks.list({ namespace: ns })).items.some((x) => x.metadata.name === 'held') || undefined, 30_000, 200);
    expect(await docker.inspect(t.status!.containerID!)).to.equal(undefined);
    await slices.delete('held-by-test', ns);
  });

  it('a selector matching nothing and a targetPort no Task publishes give clear conditions', async () => {
    await services.create(service('nobody', { app: 'nobody' }));
    await services.create(service('badport', { app: 'bp' }, 'nosuch'));
    await createTask('bp', { app: 'bp' });
    const cond = (s: TaskService) => s.status?.conditions?.find((c) => c.type === 'EndpointsReady');
    const nobody = await waitFor('NoMatchingTasks', async () => {
      const s = await services.get('nobody', ns);
      return cond(s)?.reason === 'NoMatchingTasks' ? s : undefined;
    }, 30_000, 200);
    expect(cond(nobody)).to.include({ status: 'False' });
    expect(nobody.status).to.include({ endpoints: 0, endpointsText: '0/0' });
    const bad = await waitFor('TargetPortNotPublished', async () => {
      const s = await services.get('badport', ns);
      return cond(s)?.reason === 'TargetPortNotPublished' ? s : undefined;
    }, 60_000, 200);
    expect(cond(bad)!.message).to.include('"nosuch"');
    expect(await slicesOf('badport')).to.deep.equal([]);
  });

  it('deleting the TaskService garbage-collects its EndpointSlices', async () => {
    await services.create(service('web', { app: 'web' }));
    await createTask('gc');
    await waitFor('a slice', async () => (await slicesOf('web')).length === 1 || undefined, 60_000, 200);
    await ok(['delete', 'tsvc', 'web', '-n', ns]);
    await waitFor('no slice', async () => (await slicesOf('web')).length === 0 || undefined, 30_000, 200);
  });

  it('kubectl rejects a TaskService with two unnamed ports, naming the rule', async () => {
    const svc = service('twoports', { app: 'x' });
    svc.spec.ports = [{ targetPort: 80 }, { targetPort: 81 }];
    const r = await run(['apply', '-f', '-'], JSON.stringify(svc));
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.include('name is required on every port when there are several');
  });
});
