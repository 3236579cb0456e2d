import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import { join } from 'node:path';
import { LABELS, type Task } from '../../../src/api/types.js';
import { loadKubeConfig } from '../../../src/client/kubeconfig.js';
import { NODES, ResourceClient, TASKS } from '../../../src/client/resource-client.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { newNamespace } from '../../support/controllers.js';
import { socketPath, testEnv, uniqueName } from '../../support/env.js';
import { nodeObject, taskObject, waitFor, waitForTask } from '../../support/tasks.js';
import { freePort } from '../../../src/util/free-port.js';

// The image hack/build-image.sh builds, run the way the chart runs it (non-root, read-only root
// filesystem, /tmp writable): `okube controllers` inside it against okube's API server on this
// machine (--network host), once with a kubeconfig and once with in-cluster config (service
// account token and ca.crt mounted where a Pod has them); then the chart's standalone mode: its
// API server and controllers with the arguments and Secret `helm template` renders. The Node is
// the test engine, whose socket is mounted into the containers.

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

  /** Starts the image the way the chart's Deployments do (non-root, read-only, /tmp writable), with the test engine's socket. */
  const runImage = (name: string, dockerArgs: string[], okubeArgs: string[]) => {
    const sock = socketPath(env.dockerHost);
    const r = dockerCli('run', '-d', '--name', name, '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--user', '10001:10001',
      '--group-add', String(statSync(sock).gid), '-v', `${sock}:/var/run/docker.sock`, ...dockerArgs, tag, ...okubeArgs);
    expect(r.status, r.stderr).to.equal(0);
    containers.push(name);
  };
  const runControllers = (name: string, dockerArgs: string[], okubeArgs: string[]) => runImage(name, dockerArgs, ['controllers', '--log-level=info', ...okubeArgs]);
  const logs = (name: string) => {
    const r = dockerCli('logs', '--tail', '40', name);
    return r.stdout + r.stderr;
  };
  const runsATask = async (container: string, ns: string, kc = cluster.kc) => {
    const tasks = new ResourceClient<Task>(kc, TASKS);
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

  it('holds compiled JavaScript and production dependencies only: no src/, tsx or typescript', () => {
    const probe = "const {existsSync:e}=require('fs');console.log(JSON.stringify({dist:e('/app/dist/cli/main.js'),crds:e('/app/crds'),src:e('/app/src'),tsx:e('/app/node_modules/tsx'),typescript:e('/app/node_modules/typescript')}))";
    const r = dockerCli('run', '--rm', '--entrypoint', 'node', tag, '-e', probe);
    expect(r.status, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal({ dist: true, crds: true, src: false, tsx: false, typescript: false });
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
    dockerCli('rm', '-f', name);
  });

  it("runs the standalone mode's API server and controllers with the chart's own arguments and generated Secret", async () => {
    const [apiPort, healthPort] = [await freePort(), await freePort()];
    const rendered = spawnSync('node_modules/.bin/helm', ['template', 'okube', 'charts/okube', '--namespace', 'okube-system', '--set', 'mode=standalone',
      '--set', `standalone.apiserver.port=${apiPort}`, '--set', `metrics.port=${healthPort}`], { encoding: 'utf8' });
    expect(rendered.status, rendered.stderr).to.equal(0);
    type Doc = { kind: string; metadata: { name: string }; data?: Record<string, string>; spec?: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    const docs = (yaml.loadAll(rendered.stdout) as Array<Doc | null>).filter((d): d is Doc => !!d);
    const secret = docs.find((d) => d.kind === 'Secret' && d.metadata.name === 'okube-apiserver')!;
    const args = (name: string) => docs.find((d) => d.kind === 'Deployment' && d.metadata.name === name)!.spec!.template.spec.containers[0].args;

    // The Secret as the Deployments mount it at /etc/okube/apiserver.
    const secretDir = join(shared, 'apiserver-secret');
    mkdirSync(secretDir, { mode: 0o755 });
    for (const [k, v] of Object.entries(secret.data!)) writeFileSync(join(secretDir, k), Buffer.from(v, 'base64'), { mode: 0o644 });
    const mount = ['-v', `${secretDir}:/etc/okube/apiserver:ro`];
    // The one thing that differs from a cluster: etcd is this test's (plain), not the StatefulSet's
    // Pods (TLS with the chart's etcd client certificate).
    const apiArgs = args('okube-apiserver')
      .filter((a) => !/^--etcd-(cafile|certfile|keyfile)=/.test(a))
      .map((a) => (a.startsWith('--etcd-endpoints=') ? `--etcd-endpoints=${cluster.etcd.endpoints.join(',')}` : a));
    const api = uniqueName('okube-apiserver');
    runImage(api, mount, apiArgs);
    // The controllers reach it by its Service name, which the serving certificate is valid for.
    const ctl = uniqueName('okube-standalone');
    runImage(ctl, [...mount, '--add-host', 'okube-apiserver.okube-system.svc:127.0.0.1', '-e', `POD_NAME=${ctl}`], args('okube-controllers'));

    const kc = loadKubeConfig({ server: `https://127.0.0.1:${apiPort}`, token: Buffer.from(secret.data!.token, 'base64').toString(), caPem: Buffer.from(secret.data!['ca.crt'], 'base64').toString() });
    await waitFor('the standalone API server answers', async () => (await fetchWithCa(kc, `/readyz`)) === 200, 60_000, 500).catch((err) => {
      console.log(logs(api));
      throw err;
    });
    expect(await fetchWithCa(kc, '/livez'), '/livez').to.equal(200);
    const ns = uniqueName('ns');
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: ns } } });
    await runsATask(ctl, ns, kc);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`);
    expect(ready.status, 'controllers /readyz').to.equal(200);
  });
});

/** The status of an HTTPS GET to the API server, verifying it with the kubeconfig's CA. */
async function fetchWithCa(kc: KubeConfig, path: string): Promise<number | undefined> {
  const opts: RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve) => {
    const req = httpsRequest(`${kc.getCurrentCluster()!.server}${path}`, { ...opts, method: 'GET', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(undefined));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
