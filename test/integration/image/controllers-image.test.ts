import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { LABELS, type Task } from '../../../src/api/types.js';
import { NODES, ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace } from '../../support/controllers.js';
import { socketPath, testEnv, uniqueName } from '../../support/env.js';
import { nodeObject, taskObject, waitForTask } from '../../support/tasks.js';

// The image hack/build-image.sh builds, run the way the chart runs it (non-root, read-only root
// filesystem, /tmp writable): `okube controllers` inside it against okube's API server on this
// machine (--network host), once with a kubeconfig and once with in-cluster config (service
// account token and ca.crt mounted where a Pod has them). The Node is the test engine, whose
// socket is mounted into the container.

describe('the okube image', function () {
  this.timeout(300_000);
  const env = testEnv();
  const dockerEnv = { ...process.env, DOCKER_HOST: env.dockerHost };
  const docker = new DockerRuntime({ dockerHost: env.dockerHost });
  const tag = `okube:${uniqueName('test')}`;
  const containers: string[] = [];
  let cluster: TestCluster;
  let nodeName = '';
  let shared: string;

  const dockerCli = (...args: string[]) => spawnSync('docker', args, { env: dockerEnv, encoding: 'utf8' });
  const freePort = () =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });

  /** Starts the image like the chart's Deployment does, plus whatever the test adds. */
  const runControllers = (name: string, dockerArgs: string[], okubeArgs: string[]) => {
    const sock = socketPath(env.dockerHost);
    const r = dockerCli('run', '-d', '--name', name, '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--user', '10001:10001',
      '--group-add', String(statSync(sock).gid), '-v', `${sock}:/var/run/docker.sock`, ...dockerArgs, tag, 'controllers', '--log-level=info', ...okubeArgs);
    expect(r.status, r.stderr).to.equal(0);
    containers.push(name);
  };
  const logs = (name: string) => {
    const r = dockerCli('logs', '--tail', '40', name);
    return r.stdout + r.stderr;
  };
  const runsATask = async (container: string, ns: string) => {
    const tasks = new ResourceClient<Task>(cluster.kc, TASKS);
    await tasks.create(taskObject(ns, 'web', { image: env.image, command: ['sleep', '3600'], terminationGracePeriodSeconds: 1 }));
    try {
      const t = await waitForTask(tasks, ns, 'web', 'the Task Running', (x) => x.status?.phase === 'Running', 120_000);
      expect(t.spec.nodeName).to.equal(nodeName);
      expect(await docker.list({ [LABELS.namespace]: ns })).to.have.length(1);
    } catch (err) {
      console.log(logs(container));
      throw err;
    }
  };

  before(async function () {
    const t0 = Date.now();
    const built = spawnSync('bash', ['hack/build-image.sh', tag], { env: dockerEnv, encoding: 'utf8' });
    expect(built.status, built.stderr).to.equal(0);
    console.log(`      ${built.stdout.trim().split('\n').pop()} in ${Math.round((Date.now() - t0) / 1000)} s`);
    cluster = await startCluster();
    // Files the container's user (10001) can read.
    shared = join(cluster.dir, 'for-container');
    mkdirSync(shared, { mode: 0o755 });
    // The Node as the controllers in the container see the engine: through the mounted socket.
    nodeName = uniqueName('node');
    await new ResourceClient(cluster.kc, NODES).create(nodeObject(nodeName, 'unix:///var/run/docker.sock'));
  });

  after(async () => {
    for (const c of containers) dockerCli('rm', '-f', c);
    if (nodeName) for (const c of await docker.list({ [LABELS.node]: nodeName })) await docker.remove(c.id);
    dockerCli('rmi', tag);
    await cluster?.stop();
  });

  it('is small and runs as a non-root user', () => {
    const r = dockerCli('image', 'inspect', '-f', '{{.Size}} {{.Config.User}}', tag);
    const [size, user] = r.stdout.trim().split(' ');
    console.log(`      image size ${Math.round(Number(size) / 1e6)} MB`);
    expect(user).to.equal('10001:10001');
  });

  it('runs the controllers against an API server given by a kubeconfig', async () => {
    const kubeconfig = join(shared, 'kubeconfig');
    copyFileSync(cluster.kubeconfigPath, kubeconfig);
    chmodSync(kubeconfig, 0o644);
    const name = uniqueName('okube-kubeconfig');
    runControllers(name, ['-v', `${kubeconfig}:/etc/okube/kubeconfig:ro`], ['--kubeconfig', '/etc/okube/kubeconfig']);
    await runsATask(name, await newNamespace(cluster));
    dockerCli('rm', '-f', name);
  });

  it('runs leader-elected with in-cluster config and serves /healthz and /readyz', async () => {
    const sa = join(shared, 'serviceaccount');
    mkdirSync(sa, { mode: 0o755 });
    writeFileSync(join(sa, 'token'), cluster.api.token, { mode: 0o644 });
    writeFileSync(join(sa, 'ca.crt'), cluster.api.caPem, { mode: 0o644 });
    const healthPort = await freePort();
    const name = uniqueName('okube-incluster');
    runControllers(name, ['-e', 'KUBERNETES_SERVICE_HOST=127.0.0.1', '-e', `KUBERNETES_SERVICE_PORT=${cluster.api.port}`, '-e', `POD_NAME=${name}`,
      '-v', `${sa}:/var/run/secrets/kubernetes.io/serviceaccount:ro`],
      ['--leader-elect=true', '--leader-elect-namespace=kube-system', `--leader-elect-name=${uniqueName('lease')}`, `--metrics-port=${healthPort}`, '--health-address=127.0.0.1']);
    await runsATask(name, await newNamespace(cluster));
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`http://127.0.0.1:${healthPort}${path}`);
      expect(res.status, path).to.equal(200);
    }
    expect(logs(name)).to.contain('became leader');
  });
});
