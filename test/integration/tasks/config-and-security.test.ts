import { expect } from 'chai';
import Docker from 'dockerode';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LABELS, type Task } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { DEFAULT_PIDS_LIMIT, LOG_MAX_FILE, LOG_MAX_SIZE } from '../../../src/controllers/task/security-context.js';
import { RESTART_ANNOTATION } from '../../../src/controllers/task/requests.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { socketPath, testEnv } from '../../support/env.js';
import { kubectl } from '../../support/kubectl.js';
import { taskObject, waitFor, waitForTask } from '../../support/tasks.js';

// Issue 22 on real Docker, etcd, API server and kubectl: configuration from Secrets and
// ConfigMaps (env valueFrom, envFrom, CreateContainerConfigError until the object appears), the
// securityContext (user, read-only root) and the safe defaults every container gets
// (no-new-privileges, a PIDs limit that stops a fork bomb, log rotation, the Task's labels).

describe('Task configuration and security on real Docker', function () {
  this.timeout(120_000);
  const env = testEnv();
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const engine = new Docker({ socketPath: socketPath(env.dockerHost) });
  let rig: ControllerRig;
  let ns: string;
  let kubecache: string;
  const run = (args: string[], input?: string) => kubectl(args, { ...process.env, KUBECONFIG: rig.cluster.kubeconfigPath, KUBECACHEDIR: kubecache }, input);

  before(async () => {
    kubecache = mkdtempSync(join(tmpdir(), 'kcache-spec-'));
    rig = await startControllers();
  });
  after(async () => {
    await stopControllers(rig);
    if (rig) await docker.removeVolumes({ [LABELS.node]: rig.nodeName });
    rmSync(kubecache, { recursive: true, force: true });
  });
  beforeEach(async () => (ns = await newNamespace(rig.cluster)));

  const running = (name: string) => waitForTask(rig.manager.tasks, ns, name, 'Running', (t) => t.status?.phase === 'Running' && Boolean(t.status.containerID), 60_000);
  const sh = async (t: Task, script: string) => docker.exec(t.status!.containerID!, ['sh', '-c', script], 10_000);
  const inspect = async (t: Task) => engine.getContainer(t.status!.containerID!).inspect();
  const sleeper = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'];

  it('a secretKeyRef value created with kubectl create secret generic is in the container environment', async () => {
    const created = await run(['create', 'secret', 'generic', 'db', '-n', ns, '--from-literal=password=s3cr3t-value']);
    expect(created.code, created.stderr).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'app', { image: env.image, command: sleeper, env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }));
    const t = await running('app');
    expect((await sh(t, 'echo "$DB_PASSWORD"')).output.trim()).to.equal('s3cr3t-value');
  });

  it('a Task whose Secret is missing waits in CreateContainerConfigError and starts once kubectl create makes it', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'waits', { image: env.image, command: sleeper, env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }] }));
    const waiting = await waitForTask(rig.manager.tasks, ns, 'waits', 'CreateContainerConfigError', (t) => t.status?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(waiting.status!.state!.waiting!.message).to.equal('secret "api" not found (env TOKEN)');
    expect(await docker.list({ [LABELS.taskUid]: waiting.metadata.uid! })).to.have.length(0);
    const created = await run(['create', 'secret', 'generic', 'api', '-n', ns, '--from-literal=token=t0ken']);
    expect(created.code, created.stderr).to.equal(0);
    const t = await running('waits');
    expect((await sh(t, 'echo "$TOKEN"')).output.trim()).to.equal('t0ken');
  });

  it('a restart after its Secret was deleted waits in CreateContainerConfigError, and the restart happens once the Secret is back', async () => {
    expect((await run(['create', 'secret', 'generic', 'gone', '-n', ns, '--from-literal=pw=one'])).code).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'restarted', { image: env.image, command: sleeper, terminationGracePeriodSeconds: 1, env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'gone', key: 'pw' } } }] }));
    const first = await running('restarted');
    expect((await run(['delete', 'secret', 'gone', '-n', ns])).code).to.equal(0);
    expect((await run(['annotate', 'task', 'restarted', '-n', ns, `${RESTART_ANNOTATION}=${new Date().toISOString()}`])).code).to.equal(0);
    const waiting = await waitForTask(rig.manager.tasks, ns, 'restarted', 'CreateContainerConfigError', (t) => t.status?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(waiting.status!.state!.waiting!.message).to.equal('secret "gone" not found (env PW)');
    expect(waiting.status!.restartCount).to.equal(0);
    expect((await run(['create', 'secret', 'generic', 'gone', '-n', ns, '--from-literal=pw=two'])).code).to.equal(0);
    const again = await waitForTask(rig.manager.tasks, ns, 'restarted', 'Running in a new container', (t) => t.status?.phase === 'Running' && !!t.status.containerID && t.status.containerID !== first.status!.containerID, 60_000);
    expect(again.status!.restartCount).to.equal(1);
    expect((await sh(again, 'echo "$PW"')).output.trim()).to.equal('two');
  });

  it('a Task referring to a missing key waits with a message naming the key, and starts once the key is added', async () => {
    const wrongKey = await run(['create', 'secret', 'generic', 'api', '-n', ns, '--from-literal=other=x']);
    expect(wrongKey.code, wrongKey.stderr).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'key', { image: env.image, command: sleeper, env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'api', key: 'token' } } }] }));
    const waiting = await waitForTask(rig.manager.tasks, ns, 'key', 'CreateContainerConfigError', (t) => t.status?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(waiting.status!.state!.waiting!.message).to.equal(`couldn't find key token in Secret ${ns}/api (env TOKEN)`);
    const fixed = await run(['create', 'secret', 'generic', 'api', '-n', ns, '--from-literal=token=t0ken', '--dry-run=client', '-o', 'yaml']);
    const applied = await run(['apply', '-f', '-'], fixed.stdout);
    expect(applied.code, applied.stderr).to.equal(0);
    const t = await running('key');
    expect((await sh(t, 'echo "$TOKEN"')).output.trim()).to.equal('t0ken');
  });

  it('envFrom takes every key of a ConfigMap with its prefix, and env overrides it', async () => {
    const cm = await run(['create', 'configmap', 'settings', '-n', ns, '--from-literal=MODE=fast', '--from-literal=LEVEL=3']);
    expect(cm.code, cm.stderr).to.equal(0);
    const listed = await run(['get', 'configmaps', '-n', ns]);
    expect(listed.stdout, listed.stderr).to.match(/^NAME\s+DATA\s+AGE\n(?:.*\n)*settings\s+2\s+/m);
    await rig.manager.tasks.create(taskObject(ns, 'envfrom', { image: env.image, command: sleeper, envFrom: [{ prefix: 'APP_', configMapRef: { name: 'settings' } }], env: [{ name: 'APP_LEVEL', value: '9' }] }));
    const t = await running('envfrom');
    expect((await sh(t, 'echo "$APP_MODE $APP_LEVEL"')).output.trim()).to.equal('fast 9');
  });

  it('a Secret applied with stringData, then re-applied with a new value, feeds envFrom', async () => {
    const secret = (v: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: plain\n  namespace: ${ns}\nstringData:\n  API_KEY: ${v}\n`;
    const csa = await run(['apply', '-f', '-'], secret('one'));
    expect(csa.code, csa.stderr).to.equal(0);
    const again = await run(['apply', '-f', '-'], secret('two'));
    expect(again.code, again.stderr).to.equal(0);
    await rig.manager.tasks.create(taskObject(ns, 'plain', { image: env.image, command: sleeper, envFrom: [{ secretRef: { name: 'plain' } }] }));
    const t = await running('plain');
    expect((await sh(t, 'echo "$API_KEY"')).output.trim()).to.equal('two');
  });

  it('runAsUser 1000 runs the process as uid 1000', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'user', { image: env.image, command: sleeper, securityContext: { runAsUser: 1000, runAsGroup: 2000 } }));
    const t = await running('user');
    expect((await sh(t, 'id -u; id -g')).output.trim().split('\n')).to.deep.equal(['1000', '2000']);
  });

  it('runAsNonRoot on an image that runs as root waits in CreateContainerConfigError', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'nonroot', { image: env.image, command: sleeper, securityContext: { runAsNonRoot: true } }));
    const t = await waitForTask(rig.manager.tasks, ns, 'nonroot', 'CreateContainerConfigError', (x) => x.status?.state?.waiting?.reason === 'CreateContainerConfigError');
    expect(t.status!.state!.waiting!.message).to.equal('container has runAsNonRoot and image will run as root');
  });

  it('readOnlyRootFilesystem makes a write to / fail', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'ro', { image: env.image, command: sleeper, securityContext: { readOnlyRootFilesystem: true } }));
    const t = await running('ro');
    const r = await sh(t, 'echo x > /probe-file && echo wrote');
    expect(r.exitCode).to.not.equal(0);
    expect(r.output).to.match(/Read-only file system/);
  });

  it('workingDir is the process working directory', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'wd', { image: env.image, command: sleeper, workingDir: '/tmp' }));
    const t = await running('wd');
    expect((await sh(t, 'pwd')).output.trim()).to.equal('/tmp');
  });

  it('a default Task has no-new-privileges, the PIDs limit, json-file rotation and the Task labels in docker inspect', async () => {
    await rig.manager.tasks.create({ ...taskObject(ns, 'defaults', { image: env.image, command: sleeper }), metadata: { name: 'defaults', namespace: ns, labels: { app: 'web', tier: 'front' } } });
    const t = await running('defaults');
    const c = await inspect(t);
    expect(c.HostConfig.SecurityOpt).to.deep.equal(['no-new-privileges']);
    expect(c.HostConfig.PidsLimit).to.equal(DEFAULT_PIDS_LIMIT);
    expect(c.HostConfig.LogConfig).to.deep.equal({ Type: 'json-file', Config: { 'max-size': LOG_MAX_SIZE, 'max-file': LOG_MAX_FILE } });
    expect(c.HostConfig.Privileged).to.equal(false);
    expect(c.Config.Labels).to.include({ app: 'web', tier: 'front', [LABELS.name]: 'defaults' });
  });

  it('allowPrivilegeEscalation: true leaves no-new-privileges off', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'escalate', { image: env.image, command: sleeper, securityContext: { allowPrivilegeEscalation: true } }));
    const c = await inspect(await running('escalate'));
    expect(c.HostConfig.SecurityOpt ?? []).to.not.include('no-new-privileges');
  });

  it('a fork bomb is stopped by the PIDs limit and another Task on the same engine keeps answering', async () => {
    await rig.manager.tasks.create(taskObject(ns, 'neighbour', { image: env.image, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], ports: [{ containerPort: 8080 }] }));
    const neighbour = await waitForTask(rig.manager.tasks, ns, 'neighbour', 'Running with a port', (t) => t.status?.phase === 'Running' && Boolean(t.status.ports?.length));
    const port = neighbour.status!.ports![0].hostPort;
    // Each process forks two copies of itself in the background; the shell at the top starts a
    // new generation whenever one dies out, until a fork of its own is refused, which ends it.
    await rig.manager.tasks.create(taskObject(ns, 'bomb', { image: env.image, command: ['sh', '-c', 'b() { b & b & wait; }; while :; do b; done'], restartPolicy: 'Never' }));
    const bomb = await running('bomb');
    const pids = await waitFor('the bomb reaches the PIDs limit', async () => {
      const stats = (await engine.getContainer(bomb.status!.containerID!).stats({ stream: false })) as { pids_stats?: { current?: number; limit?: number } };
      return (stats.pids_stats?.current ?? 0) >= DEFAULT_PIDS_LIMIT - 10 ? stats.pids_stats : undefined;
    }, 60_000, 250);
    expect(pids.limit, 'the engine enforces the limit on the container').to.equal(DEFAULT_PIDS_LIMIT);
    // While it forks the count stays at the limit, never above it. Docker answers an empty sample
    // once the container has exited: then the limit has ended the bomb, its top shell refused a fork.
    for (let i = 0; i < 3; i++) {
      const again = (await engine.getContainer(bomb.status!.containerID!).stats({ stream: false })) as { pids_stats?: { current?: number } };
      if (again.pids_stats?.current === undefined) {
        const ended = await engine.getContainer(bomb.status!.containerID!).inspect();
        expect(ended.State.Running, 'a running container has a PIDs count').to.equal(false);
        expect(ended.State.ExitCode).to.equal(2);
        const logs = (await engine.getContainer(bomb.status!.containerID!).logs({ stdout: true, stderr: true, tail: 20 })).toString();
        expect(logs).to.include("can't fork: Resource temporarily unavailable");
        break;
      }
      expect(again.pids_stats.current).to.be.at.most(DEFAULT_PIDS_LIMIT);
    }
    for (let i = 0; i < 5; i++) {
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(body.trim()).to.equal('ok');
    }
    await rig.manager.tasks.delete('bomb', ns);
  });
});
