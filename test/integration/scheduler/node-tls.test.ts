import { expect } from 'chai';
import { connect } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { CoreV1Api } from '@kubernetes/client-node';
import { LABELS } from '../../../src/api/types.js';
import { DockerRuntime } from '../../../src/runtime/docker-runtime.js';
import { newNamespace, startControllers, stopControllers, type ControllerRig } from '../../support/controllers.js';
import { socketPath, testEnv, uniqueName } from '../../support/env.js';
import { taskObject, waitFor } from '../../support/tasks.js';
import { mutualTls } from '../../support/tls.js';
import { okube } from '../../support/okube-cli.js';
import { requireEnv } from '../../support/require-env.js';

// A Node reached over tcp:// with client certificates taken from a Secret (spec.tls.secretName),
// as the in-cluster controllers reach remote engines. The engine side is docker-1 behind a
// TLS terminator that demands a client certificate from the test CA, like dockerd --tlsverify.

describe('Node over tcp:// with TLS material from a Secret', function () {
  this.timeout(120_000);
  const env = testEnv();
  const address = env.extraAddresses[0];
  const engine = new DockerRuntime({ dockerHost: env.extraDockerHosts[0] });
  let rig: ControllerRig;
  let proxy: Server;
  let authorized = 0;
  let rejected = 0;
  const nodeName = uniqueName('tls-node');

  before(async function () {
    requireEnv(this, address, 'no extra loopback address for a TLS engine (OKUBE_TEST_EXTRA_ADDRESSES; run hack/dev-env.sh hosts 3)');
    const certs = mutualTls([address]);
    // Half-open both ways, as dockerd's Go TLS is: an exec's end of input (CloseWrite) must not end its output.
    proxy = createServer({ key: certs.serverKeyPem, cert: certs.serverCertPem, ca: certs.caPem, requestCert: true, rejectUnauthorized: true, allowHalfOpen: true }, (sock) => {
      authorized++;
      const upstream = connect({ path: socketPath(env.extraDockerHosts[0]), allowHalfOpen: true });
      sock.pipe(upstream).pipe(sock);
      sock.on('error', () => upstream.destroy());
      upstream.on('error', () => sock.destroy());
    });
    proxy.on('tlsClientError', () => rejected++);
    await new Promise<void>((r) => proxy.listen(0, address, r));
    const port = (proxy.address() as { port: number }).port;
    rig = await startControllers({ orphanGraceMs: 1000 });
    const core = rig.cluster.kc.makeApiClient(CoreV1Api);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await core.createNamespace({ body: { metadata: { name: 'okube-system' } } });
    await core.createNamespacedSecret({ namespace: 'okube-system', body: { metadata: { name: 'docker-1-tls' }, data: { 'ca.pem': b64(certs.caPem), 'cert.pem': b64(certs.clientCertPem), 'key.pem': b64(certs.clientKeyPem) } } });
    await rig.manager.nodes.create({
      apiVersion: 'okube.dev/v1alpha1',
      kind: 'Node',
      metadata: { name: nodeName },
      spec: { dockerHost: `tcp://${address}:${port}`, address, tls: { secretName: 'docker-1-tls', secretNamespace: 'okube-system' }, portRange: { start: 31000, end: 31999 } },
    });
  });

  after(async () => {
    // Controllers first: while they run, they replace a removed container of a Task that should run.
    if (rig) await stopControllers(rig);
    for (const c of await engine.list({ [LABELS.node]: nodeName }).catch(() => [])) await engine.remove(c.id).catch(() => undefined);
    await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  });

  it('connects with the client certificate from the Secret, reports the Node Ready and runs a Task there', async () => {
    const node = await waitFor('TLS Node Ready', async () => {
      const n = await rig.manager.nodes.get(nodeName);
      return n.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True') ? n : undefined;
    }, 60_000, 200);
    expect(node.status!.nodeInfo!.dockerVersion).to.be.a('string');
    const ns = await newNamespace(rig.cluster);
    await rig.manager.tasks.create(taskObject(ns, 'remote', { image: env.image, command: ['sleep', '3600'], nodeName }));
    const t = await waitFor('Task Running on the TLS Node', async () => {
      const x = await rig.manager.tasks.get('remote', ns);
      return x.status?.phase === 'Running' ? x : undefined;
    }, 60_000, 200);
    const containers = await engine.list({ [LABELS.taskUid]: t.metadata.uid! });
    expect(containers.map((c) => c.running)).to.deep.equal([true]);
    expect(authorized).to.be.greaterThan(0);
    expect(rejected).to.equal(0);
    console.log(`      ${authorized} TLS connections with the client certificate from the Secret`);
  });

  it('okube logs reads a Task on that Node with the client certificate from the same Secret', async () => {
    await waitFor('TLS Node Ready', async () => (await rig.manager.nodes.get(nodeName)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 60_000, 200);
    const ns = await newNamespace(rig.cluster);
    await rig.manager.tasks.create(taskObject(ns, 'talker', { image: env.image, command: ['sh', '-c', 'echo hello over tls; exec sleep 3600'], nodeName }));
    await waitFor('Task Running on the TLS Node', async () => (await rig.manager.tasks.get('talker', ns)).status?.phase === 'Running', 60_000, 200);
    const before = authorized;
    const logs = await waitFor('the line in the logs', async () => {
      const r = await okube(['logs', 'talker', '-n', ns], { kubeconfig: rig.cluster.kubeconfigPath });
      return r.code === 0 && r.stdout.includes('hello over tls') ? r : undefined;
    }, 30_000, 500);
    expect(logs.stdout).to.equal('hello over tls\n');
    expect(authorized, 'the CLI connected through the TLS terminator').to.be.greaterThan(before);
    expect(rejected).to.equal(0);
  });

  it('okube exec runs a command in a Task on that Node through the API server, with the client certificate from the same Secret', async () => {
    await waitFor('TLS Node Ready', async () => (await rig.manager.nodes.get(nodeName)).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'), 60_000, 200);
    const ns = await newNamespace(rig.cluster);
    await rig.manager.tasks.create(taskObject(ns, 'shell', { image: env.image, command: ['sh', '-c', 'exec sleep 3600'], nodeName }));
    await waitFor('Task Running on the TLS Node', async () => (await rig.manager.tasks.get('shell', ns)).status?.phase === 'Running', 60_000, 200);
    const before = authorized;
    const r = await okube(['exec', '-n', ns, '-i', 'shell', '--', 'sh', '-c', 'cat; exit 2'], { kubeconfig: rig.cluster.kubeconfigPath, input: 'over tls\n' });
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([2, 'over tls\n', 'command terminated with exit code 2\n']);
    expect(authorized, 'the exec went through the TLS terminator').to.be.greaterThan(before);
    expect(rejected).to.equal(0);
  });
});
