import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { Connection } from '../../../src/cli/kube/connection.js';
import { staticTarget } from '../../../src/cli/kube/kubeconfig-static.js';
import { serverCertPinFile, type PinningAgent } from '../../../src/cli/kube/server-cert-pins.js';
import { generateServingCerts, issueCert, type ServingCerts } from '../../../src/util/pki.js';
import { startCluster, type TestCluster } from '../../support/cluster.js';
import { okube } from '../../support/okube-cli.js';

// A command trusts a server certificate it recorded earlier without building Node's root store
// (src/cli/kube/server-cert-pins.ts). Real TLS servers on loopback: the record is written only
// for what OpenSSL verified, a server that presents anything else gets full verification, and a
// server the kubeconfig's CA did not sign is refused before it sees a single request.

interface Counted { server: Server; port: number; requests: number }

async function serve(certs: { certPem: string; keyPem: string }, port = 0, clientCa?: string): Promise<Counted> {
  const c: Counted = { server: undefined as unknown as Server, port: 0, requests: 0 };
  c.server = createServer({ cert: certs.certPem, key: certs.keyPem, ...(clientCa ? { ca: clientCa, requestCert: true, rejectUnauthorized: true } : {}) }, (req, res) => {
    c.requests++;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ kind: 'Status', status: 'Success', user: req.socket && 'getPeerCertificate' in req.socket ? (req.socket as unknown as { getPeerCertificate(): { subject?: { CN?: string } } }).getPeerCertificate().subject?.CN ?? '' : '' }));
  });
  await new Promise<void>((resolve, reject) => {
    c.server.once('error', reject);
    c.server.listen(port, '127.0.0.1', () => resolve());
  });
  c.port = (c.server.address() as AddressInfo).port;
  return c;
}

async function close(c: Counted | undefined): Promise<void> {
  if (!c) return;
  c.server.closeAllConnections();
  await new Promise<void>((resolve) => c.server.close(() => resolve()));
}

describe('okube CLI: server certificates recorded between commands', function () {
  this.timeout(60_000);
  let dir: string;
  let servers: Counted[];
  const env = () => ({ ...process.env, KUBECACHEDIR: join(dir, 'cache'), KUBECONFIG: join(dir, 'kubeconfig') });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'okube-pins-it-'));
    servers = [];
  });
  afterEach(async () => {
    for (const s of servers) await close(s);
    rmSync(dir, { recursive: true, force: true });
  });

  function kubeconfig(port: number, caPem: string, user: Record<string, string> = { token: 't' }): string {
    const file = join(dir, 'kubeconfig');
    const userYaml = Object.entries(user).map(([k, v]) => `    ${k}: ${v}`).join('\n');
    writeFileSync(file, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: https://127.0.0.1:${port}
    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}
users:
- name: u
  user:
${userYaml}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`);
    return file;
  }

  /** One command's worth: a fresh target (its own agent, as a new process has), one request. */
  async function command(file: string): Promise<{ body: unknown; agent: PinningAgent }> {
    const target = staticTarget({ kubeconfig: file }, env())!;
    const probe: RequestOptions = {};
    await target.apply(probe);
    const body = await new Connection(target).get('/version');
    return { body, agent: probe.agent as PinningAgent };
  }

  async function started(certs: { certPem: string; keyPem: string }, port = 0, clientCa?: string): Promise<Counted> {
    const s = await serve(certs, port, clientCa);
    servers.push(s);
    return s;
  }

  /** A server of a new CA, one command against it (recording its certificate), then `next` at the same port. */
  async function recordedThenReplaced(next: (certs: ServingCerts) => Promise<{ certPem: string; keyPem: string }>): Promise<{ file: string; port: number; replacement: Counted }> {
    const certs = await generateServingCerts(['127.0.0.1']);
    const s = await started(certs);
    const file = kubeconfig(s.port, certs.caPem);
    await command(file);
    const port = s.port;
    await close(s);
    servers = [];
    return { file, port, replacement: await started(await next(certs), port) };
  }

  async function failure(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      return String((e as Error)?.message);
    }
    return '(no error)';
  }

  it('the first command verifies with OpenSSL and records the certificate; the next accepts it without OpenSSL', async () => {
    const certs = await generateServingCerts(['127.0.0.1']);
    const s = await started(certs);
    const file = kubeconfig(s.port, certs.caPem);
    expect((await command(file)).agent.connections).to.deep.equal({ recorded: 0, verified: 1 });
    const second = await command(file);
    expect(second.agent.connections).to.deep.equal({ recorded: 1, verified: 0 });
    expect(second.body).to.deep.include({ kind: 'Status' });
    expect(s.requests).to.equal(2);
  });

  it('a server at the same address with a certificate from another CA is refused before it receives a request', async () => {
    const { file, replacement: rogue } = await recordedThenReplaced(() => generateServingCerts(['127.0.0.1']));
    expect(await failure(command(file))).to.match(/certificate/i);
    expect(rogue.requests).to.equal(0);
  });

  it('a rotated certificate from the same CA goes through full verification and is recorded beside the old one', async () => {
    const rotate = (certs: ServingCerts) => issueCert({ caPem: certs.caPem, caKeyPem: certs.caKeyPem! }, { commonName: 'okube-apiserver', hosts: ['127.0.0.1'], server: true });
    const { file, port } = await recordedThenReplaced(rotate);
    expect((await command(file)).agent.connections).to.deep.equal({ recorded: 0, verified: 1 });
    expect((await command(file)).agent.connections).to.deep.equal({ recorded: 1, verified: 0 });
    const record = JSON.parse(readFileSync(serverCertPinFile(`https://127.0.0.1:${port}`, env()), 'utf8')) as { certs: string[] };
    expect(record.certs).to.have.length(2);
  });

  it('a certificate the CA signed for another host is not recorded and not accepted', async () => {
    const certs = await generateServingCerts(['127.0.0.2']);
    const s = await started(certs);
    const file = kubeconfig(s.port, certs.caPem);
    expect(await failure(command(file))).to.match(/IP: 127\.0\.0\.1 is not in the cert's list|altnames/i);
    expect(s.requests).to.equal(0);
  });

  it('a client certificate is presented on the recorded-certificate path too', async () => {
    const certs = await generateServingCerts(['127.0.0.1']);
    const ca = { caPem: certs.caPem, caKeyPem: certs.caKeyPem! };
    const client = await issueCert(ca, { commonName: 'alice', client: true });
    writeFileSync(join(dir, 'client.crt'), client.certPem);
    writeFileSync(join(dir, 'client.key'), client.keyPem);
    const s = await started(certs, 0, certs.caPem);
    const file = kubeconfig(s.port, certs.caPem, { 'client-certificate': join(dir, 'client.crt'), 'client-key': join(dir, 'client.key') });
    await command(file);
    const second = await command(file);
    expect(second.agent.connections).to.deep.equal({ recorded: 1, verified: 0 });
    expect(second.body).to.deep.include({ user: 'alice' });
  });
});

describe('okube CLI binary: recorded server certificates against a real API server', function () {
  this.timeout(120_000);
  let cluster: TestCluster;
  let cacheRoot: string;

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });
  beforeEach(() => {
    cacheRoot = mkdtempSync(join(tmpdir(), 'okube-pins-cli-'));
  });
  afterEach(() => rmSync(cacheRoot, { recursive: true, force: true }));

  it('okube get records the server certificate, and a corrupt record is ignored and rewritten', async () => {
    const run = (args: string[]) => okube(args, { kubeconfig: cluster.kubeconfigPath, env: { KUBECACHEDIR: cacheRoot } });
    const first = await run(['get', 'tasks', '-A']);
    expect(first.code, first.stderr).to.equal(0);
    const file = serverCertPinFile(cluster.api.url, { KUBECACHEDIR: cacheRoot });
    const recorded = JSON.parse(readFileSync(file, 'utf8')) as { certs: string[] };
    expect(recorded.certs).to.have.length(1);
    expect((await run(['get', 'tasks', '-A'])).code).to.equal(0);
    writeFileSync(file, '{"format":1,"certs":[');
    const again = await run(['get', 'tasks', '-A']);
    expect(again.code, again.stderr).to.equal(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal(recorded);
  });
});
