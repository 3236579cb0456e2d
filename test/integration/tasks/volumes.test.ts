import { expect } from 'chai';
import { CoreV1Api } from '@kubernetes/client-node';
import Docker from 'dockerode';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, SELECTED_NODE_ANNOTATION, VOLUME_CLAIM_LABEL, VOLUME_TASK_LABEL, type Task } from '../../../src/api/types.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { socketPath, testEnv, uniqueName } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { nodeObject, taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// Issue 22's volumes on real Docker, etcd, API server and kubectl: an emptyDir that outlives a
// crashed container and goes with its Task, a configMap volume whose file follows kubectl apply,
// hostPath under a Node's allowedHostPaths only (422 at admission, Unschedulable in the
// scheduler), and a PersistentVolumeClaim whose data outlives its Task and pins later Tasks to
// its Node.

describe('Task volumes on real Docker', function () {
  this.timeout(180_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const ORPHAN_GRACE_MS = 3000;
  let rig: ControllerRig;
  let ns: string;
  let kubecache: string;
  let hostDir: string;
  const run = (args: string[], input?: string) => kubectl(args, { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: kubecache }, input);
  const sleeper = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'];
  const running = (name: string) => waitForTask(rig.manager.tasks, ns, name, 'Running', (t) => t.status?.phase === 'Running' && Boolean(t.status.containerID), 60_000);
  const sh = async (t: Task, script: string, rt = docker) => rt.exec(t.status!.containerID!, ['sh', '-c', script], 10_000);
  const gone = async (name: string) =>
    waitFor(`Task ${name} gone`, async () => {
      try {
        await rig.manager.tasks.get(name, ns);
        return false;
      } catch (err) {
        return isOkubeError(err, 'NotFound');
      }
    }, 60_000);

  before(async () => {
    kubecache = mkdtempSync(join(tmpdir(), 'kcache-spec-vol-'));
    hostDir = mkdtempSync(join(tmpdir(), 'okube-spec-hostpath-'));
    // Short, so the test of leftover volumes waits little; still longer than a Node period.
    rig = await startControllers({ orphanGraceMs: ORPHAN_GRACE_MS });
  });
  after(async () => {
    await stopControllers(rig);
    // Volumes of Tasks the tests left (stopControllers removes their containers, holders included).
    if (rig) await docker.removeVolumes({ [LABELS.node]: rig.nodeName });
    rmSync(kubecache, { recursive: true, force: true });
    rmSync(hostDir, { recursive: true, force: true });
  });
  beforeEach(async () => (ns = await newNamespace(rig.cluster)));

  it('an emptyDir keeps what a crashed container wrote for the next container, and is removed with the Task', async () => {
    const script = 'if [ -f /data/mark ]; then trap "exit 0" TERM; while true; do sleep 0.2; done; else echo first-life > /data/mark; exit 1; fi';
    await rig.manager.tasks.create(taskObject(ns, 'scratch', {
      image: env.image,
      command: ['sh', '-c', script],
      backoff: { initialDelaySeconds: 0.5 },
      volumes: [{ name: 'data', emptyDir: {} }],
      volumeMounts: [{ name: 'data', mountPath: '/data' }],
    }));
    const t = await waitForTask(rig.manager.tasks, ns, 'scratch', 'Running after a crash', (x) => x.status?.phase === 'Running' && (x.status.restartCount ?? 0) >= 1 && x.status.state?.running !== undefined, 60_000);
    expect((await sh(t, 'cat /data/mark')).output.trim()).to.equal('first-life');
    const engine = new Docker({ socketPath: socketPath(env.dockerHost) });
    const volumes = async () => (await engine.listVolumes({ filters: { label: [`${VOLUME_TASK_LABEL}=${t.metadata.uid}`] } })).Volumes ?? [];
    expect(await volumes()).to.have.length(1);
    await rig.manager.tasks.delete('scratch', ns);
    await gone('scratch');
    expect(await volumes()).to.have.length(0);
  });

  it("the volumes and config-volume holder of a Task that is gone from the Node are removed after the orphan grace period", async () => {
    // What a Task deleted while its Node was lost (or moved away) leaves behind.
    const engine = new Docker({ socketPath: socketPath(env.dockerHost) });
    const uid = `gone-${uniqueName('uid')}`;
    const labels = { [VOLUME_TASK_LABEL]: uid, [LABELS.node]: rig.nodeName };
    const name = `okube-test-${uid}`;
    await engine.createVolume({ Name: name, Labels: labels });
    await engine.createContainer({ name: `${name}-holder`, Image: env.image, Cmd: ['true'], Labels: { ...labels, [LABELS.managed]: 'true' }, HostConfig: { Mounts: [{ Type: 'volume', Source: name, Target: '/v' }] } });
    const left = async () => ((await engine.listVolumes({ filters: { label: [`${VOLUME_TASK_LABEL}=${uid}`] } })).Volumes ?? []).length + (await docker.list({ [VOLUME_TASK_LABEL]: uid })).length;
    expect(await left()).to.equal(2);
    await waitFor('the leftovers removed', async () => (await left()) === 0, 60_000, 250);
  });

  it("a configMap volume's file changes inside the running container after kubectl apply of a new ConfigMap", async () => {
    const yaml = (greeting: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app-config\n  namespace: ${ns}\ndata:\n  greeting: ${greeting}\n`;
    const first = await run(['apply', '-f', '-'], yaml('hello'));
    expect(first.code, first.stderr).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'reader', {
      image: env.image,
      command: sleeper,
      volumes: [{ name: 'config', configMap: { name: 'app-config' } }],
      volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
    }));
    const t = await running('reader');
    expect((await sh(t, 'cat /etc/app/greeting')).output).to.equal('hello');
    const ro = await sh(t, 'echo x > /etc/app/greeting');
    expect(ro.exitCode, 'the config volume is read-only').to.not.equal(0);
    const second = await run(['apply', '-f', '-'], yaml('bonjour'));
    expect(second.code, second.stderr).to.equal(0);
    await waitFor('the new value in the container', async () => (await sh(t, 'cat /etc/app/greeting')).output === 'bonjour', 60_000, 200);
    const after = await rig.manager.tasks.get('reader', ns);
    expect(after.status!.containerID, 'the same container').to.equal(t.status!.containerID);
  });

  it('kubectl delete pvc of a claim a Task uses leaves it Terminating: the Task keeps its data across a restart, and the claim goes with the Task', async () => {
    const core = rig.cluster.kc.makeApiClient(CoreV1Api);
    const applied = await run(['apply', '-f', '-'], `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: kept\n  namespace: ${ns}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`);
    expect(applied.code, applied.stderr).to.equal(0);
    const claim = () => core.readNamespacedPersistentVolumeClaim({ name: 'kept', namespace: ns });
    await rig.manager.tasks.create(taskObject(ns, 'holder', { image: env.image, command: sleeper, volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'kept' } }], volumeMounts: [{ name: 'd', mountPath: '/d' }] }));
    const first = await running('holder');
    await waitFor('the protection finalizer', async () => (await claim()).metadata?.finalizers?.includes('okube.dev/pvc-protection'), 30_000, 100);
    await sh(first, 'echo row > /d/data');
    const del = await run(['delete', 'pvc', 'kept', '-n', ns, '--wait=false']);
    expect(del.code, del.stderr).to.equal(0);
    expect((await claim()).metadata?.deletionTimestamp, 'marked for deletion').to.not.equal(undefined);
    const listed = await run(['get', 'pvc', 'kept', '-n', ns, '--no-headers']);
    expect(listed.stdout, listed.stderr).to.match(new RegExp(`^kept\\s+Terminating\\s+okube-pvc-${ns}-kept-[0-9a-f]{12}\\s+1Gi\\s+RWO\\s+${rig.nodeName}\\s`));
    // The container dies; its replacement mounts the same claim, with the data.
    await docker.remove(first.status!.containerID!);
    const again = await waitForTask(rig.manager.tasks, ns, 'holder', 'running again', (t) => t.status?.phase === 'Running' && !!t.status.containerID && t.status.containerID !== first.status!.containerID, 60_000);
    expect((await sh(again, 'cat /d/data')).output.trim()).to.equal('row');
    expect((await claim()).metadata?.deletionTimestamp, 'still held by the Task').to.not.equal(undefined);
    await rig.manager.tasks.delete('holder', ns);
    await gone('holder');
    await waitFor('the claim gone with its last Task', async () => claim().then(() => false, (err: unknown) => (err as { code?: number }).code === 404), 30_000, 200);
  });

  it('a claim carries the protection finalizer only while a Task uses it: it comes off when the last Task goes', async () => {
    const core = rig.cluster.kc.makeApiClient(CoreV1Api);
    const applied = await run(['apply', '-f', '-'], `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: lent\n  namespace: ${ns}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`);
    expect(applied.code, applied.stderr).to.equal(0);
    const finalizers = async () => (await core.readNamespacedPersistentVolumeClaim({ name: 'lent', namespace: ns })).metadata?.finalizers ?? [];
    await rig.manager.tasks.create(taskObject(ns, 'borrower', { image: env.image, command: sleeper, volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'lent' } }], volumeMounts: [{ name: 'd', mountPath: '/d' }] }));
    await running('borrower');
    await waitFor('the protection finalizer while the Task runs', async () => (await finalizers()).includes('okube.dev/pvc-protection'), 30_000, 100);
    await rig.manager.tasks.delete('borrower', ns);
    await gone('borrower');
    await waitFor('the finalizer off the live claim', async () => !(await finalizers()).includes('okube.dev/pvc-protection'), 30_000, 100);
  });

  it('a secret volume has the keys as files', async () => {
    const created = await run(['create', 'secret', 'generic', 'tls', '-n', ns, '--from-literal=key.pem=private-bits']);
    expect(created.code, created.stderr).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'secret-reader', {
      image: env.image,
      command: sleeper,
      volumes: [{ name: 'tls', secret: { secretName: 'tls', defaultMode: 0o400 } }],
      volumeMounts: [{ name: 'tls', mountPath: '/run/tls' }],
    }));
    const t = await running('secret-reader');
    expect((await sh(t, 'cat /run/tls/key.pem; echo; stat -c %a /run/tls/key.pem')).output.trim().split('\n')).to.deep.equal(['private-bits', '400']);
  });

  it("a hostPath outside the Node's allowedHostPaths is refused with a one-line 422 naming the field", async () => {
    const manifest = `apiVersion: okube.dev/v1alpha1\nkind: Task\nmetadata:\n  name: snoop\n  namespace: ${ns}\nspec:\n  image: ${env.image}\n  nodeName: ${rig.nodeName}\n  volumes:\n  - name: etc\n    hostPath: { path: /etc }\n  volumeMounts:\n  - { name: etc, mountPath: /host-etc }\n`;
    const r = await run(['apply', '-f', '-'], manifest);
    expect(r.code).to.not.equal(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).to.have.length(1);
    expect(lines[0]).to.include('spec.volumes[0].hostPath.path').and.include('allowedHostPaths');
  });

  it('a hostPath under allowedHostPaths mounts, and an unbound Task outside it is Unschedulable', async () => {
    const allowed = join(hostDir, 'shared');
    mkdirSync(allowed);
    writeFileSync(join(allowed, 'from-host'), 'host-data');
    await rig.manager.nodes.patch(rig.nodeName, { spec: { allowedHostPaths: [{ pathPrefix: hostDir }] } });
    await waitFor('the node informer sees allowedHostPaths', async () => Boolean(rig.manager.nodeInformer.get(rig.nodeName)?.spec.allowedHostPaths?.length));
    await rig.manager.tasks.create(taskObject(ns, 'mounter', {
      image: env.image,
      command: sleeper,
      volumes: [{ name: 'shared', hostPath: { path: allowed } }],
      volumeMounts: [{ name: 'shared', mountPath: '/shared', readOnly: true }],
    }));
    const t = await running('mounter');
    expect((await sh(t, 'cat /shared/from-host')).output).to.equal('host-data');
    await rig.manager.tasks.create(taskObject(ns, 'outside', { image: env.image, command: sleeper, volumes: [{ name: 'etc', hostPath: { path: '/etc' } }], volumeMounts: [{ name: 'etc', mountPath: '/host-etc' }] }));
    // The Task controller may say 'waiting for a Node' first; the scheduler's verdict names the reason.
    const waiting = await waitForTask(rig.manager.tasks, ns, 'outside', 'Unschedulable for hostPath', (x) => x.status?.conditions?.some((c) => c.type === 'Scheduled' && c.reason === 'Unschedulable' && c.message.includes('hostPath')) ?? false);
    expect(waiting.spec.nodeName).to.equal(undefined);
    expect(waiting.status!.conditions!.find((c) => c.type === 'Scheduled')!.message).to.include('hostPath');
  });

  describe('with a second Node', () => {
    const other = new DockerRuntime({ dockerHost: env.extraDockerHosts[0] });
    let second: string;
    const claimUids: string[] = [];

    before(async () => {
      second = uniqueName('node');
      await rig.manager.nodes.create(nodeObject(second, env.extraDockerHosts[0], env.extraAddresses[0]));
      await waitFor('second node Ready', async () => rig.manager.registry.get(second)?.ready, 60_000);
    });
    after(async () => {
      await rig.manager.nodes.delete(second).catch(() => undefined);
      // A Task reconcile already under way when the Node went may still start a container on it
      // (the Node controller sweeps twice for that reason): sweep until the volumes come off too.
      await waitFor('second Node swept', async () => {
        try {
          for (const c of await other.list({ [LABELS.node]: second })) await other.remove(c.id);
          for (const uid of claimUids) for (const rt of [docker, other]) await rt.removeVolumes({ [VOLUME_CLAIM_LABEL]: uid });
          await other.removeVolumes({ [LABELS.node]: second });
          return true;
        } catch {
          return false;
        }
      }, 30_000, 500);
    });

    it('a PersistentVolumeClaim keeps data across Task delete and re-create, and the scheduler places the new Task on its Node', async () => {
      const pvc = await run(['apply', '-f', '-'], `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: db-data\n  namespace: ${ns}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 1Gi\n`);
      expect(pvc.code, pvc.stderr).to.equal(0);
      const pending = await run(['get', 'pvc', 'db-data', '-n', ns, '-o', 'jsonpath={.status.phase}']);
      expect(pending.stdout, pending.stderr).to.equal('Pending');
      const core = rig.cluster.kc.makeApiClient(CoreV1Api);
      claimUids.push((await core.readNamespacedPersistentVolumeClaim({ name: 'db-data', namespace: ns })).metadata!.uid!);
      const spec = (extra: object) => ({
        image: env.image,
        command: sleeper,
        volumes: [{ name: 'db', persistentVolumeClaim: { claimName: 'db-data' } }],
        volumeMounts: [{ name: 'db', mountPath: '/var/lib/db' }],
        ...extra,
      });
      // The first Task runs on the second Node (named), so the claim's volume lives there.
      await rig.manager.tasks.create(taskObject(ns, 'db-1', spec({ nodeName: second })));
      const first = await running('db-1');
      const rt = (t: Task) => (t.spec.nodeName === second ? other : docker);
      expect((await sh(first, 'echo kept > /var/lib/db/row && cat /var/lib/db/row', rt(first))).output.trim()).to.equal('kept');
      const claim = await core.readNamespacedPersistentVolumeClaim({ name: 'db-data', namespace: ns });
      expect(claim.metadata!.annotations?.[SELECTED_NODE_ANNOTATION]).to.equal(second);
      const shown = await run(['get', 'pvc', 'db-data', '-n', ns, '--no-headers']);
      expect(shown.stdout.split(/\s+/), shown.stderr).to.include(second).and.include('Bound').and.include('1Gi').and.include('RWO');
      // The status itself says so, for kubectl wait and scripts, not only the table.
      const waited = await run(['wait', '--for=jsonpath={.status.phase}=Bound', 'pvc/db-data', '-n', ns, '--timeout=10s']);
      expect(waited.stdout, waited.stderr).to.include('condition met');
      expect(claim.status).to.deep.include({ phase: 'Bound', accessModes: ['ReadWriteOnce'] });
      await rig.manager.tasks.delete('db-1', ns);
      await gone('db-1');
      // Make the claim's Node the worse choice by capacity: without volume affinity the scheduler would pick the rig's Node.
      await rig.manager.tasks.create(taskObject(ns, 'ballast', { image: env.image, command: sleeper, nodeName: second, resources: { requests: { cpu: '500m', memory: '256Mi' } } }));
      await running('ballast');
      await rig.manager.tasks.create(taskObject(ns, 'db-2', spec({})));
      const again = await running('db-2');
      expect(again.spec.nodeName).to.equal(second);
      expect((await sh(again, 'cat /var/lib/db/row', rt(again))).output.trim()).to.equal('kept');
    });

    it('a Task whose claim does not exist is Unschedulable naming the claim', async () => {
      await rig.manager.tasks.create(taskObject(ns, 'orphan-claim', { image: env.image, command: sleeper, volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'nope' } }], volumeMounts: [{ name: 'v', mountPath: '/v' }] }));
      const t = await waitForTask(rig.manager.tasks, ns, 'orphan-claim', 'Unschedulable', (x) => x.status?.conditions?.some((c) => c.type === 'Scheduled' && c.reason === 'Unschedulable') ?? false);
      expect(t.status!.conditions!.find((c) => c.type === 'Scheduled')!.message).to.equal('persistentvolumeclaim "nope" not found');
    });
  });
});
