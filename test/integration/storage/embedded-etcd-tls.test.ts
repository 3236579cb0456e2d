import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateServingCerts } from '../../../src/apiserver/certs.js';
import { EmbeddedEtcd, ETCD_ELECTION_TIMEOUT_MS } from '../../../src/storage/embedded-etcd.js';
import { EtcdStore } from '../../../src/storage/etcd-store.js';

// okube's embedded etcd (as okube up runs it) speaks only TLS and takes only clients with a
// certificate from okube's CA: etcdctl without one cannot read okube's keys, with it it can; its
// key material is private.

function etcdctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('etcdctl', ['--dial-timeout=2s', '--command-timeout=3s', ...args], { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

describe('embedded etcd behind client-certificate TLS', function () {
  this.timeout(120_000);
  let dir: string;
  let etcd: EmbeddedEtcd;
  let store: EtcdStore;
  let endpoint: string;
  const pki = () => join(dir, 'etcd', 'pki');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'okube-etcd-tls-'));
    const ca = await generateServingCerts();
    etcd = new EmbeddedEtcd({ dataDir: join(dir, 'etcd'), supervise: false, tls: { caPem: ca.caPem, caKeyPem: ca.caKeyPem! } });
    const started = await etcd.start();
    endpoint = started.endpoints[0];
    store = new EtcdStore({ endpoints: started.endpoints, tls: started.tls });
    await store.create('/registry/core/secrets/default/tls-test', '{"data":{"k":"djE="}}');
  });
  after(async () => {
    await store?.close();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs with the short election timeout, so a restarted member elects itself sooner', () => {
    // etcd logs its configuration at start; 1000ms would be its default.
    expect(readFileSync(join(dir, 'etcd', 'etcd.log'), 'utf8')).to.include(`election = ${ETCD_ELECTION_TIMEOUT_MS}ms`);
  });

  it('serves https only', () => {
    expect(endpoint).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses etcdctl without a client certificate', async () => {
    const r = await etcdctl(['--endpoints', endpoint, '--cacert', join(pki(), 'ca.crt'), 'get', '/registry/core/secrets/default/tls-test']);
    expect(r.code).to.not.equal(0);
    expect(r.stdout).to.not.include('djE=');
  });

  it('refuses plain http', async () => {
    const r = await etcdctl(['--endpoints', endpoint.replace('https', 'http'), 'get', '/registry/core/secrets/default/tls-test']);
    expect(r.code).to.not.equal(0);
    expect(r.stdout).to.not.include('djE=');
  });

  it("answers etcdctl with okube's client certificate", async () => {
    const r = await etcdctl(['--endpoints', endpoint, '--cacert', join(pki(), 'ca.crt'), '--cert', join(pki(), 'client.crt'), '--key', join(pki(), 'client.key'), 'get', '/registry/core/secrets/default/tls-test', '--print-value-only']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal('{"data":{"k":"djE="}}');
  });

  it('keeps its files 0600 in 0700 directories', () => {
    expect(statSync(join(dir, 'etcd')).mode & 0o777).to.equal(0o700);
    expect(statSync(pki()).mode & 0o777).to.equal(0o700);
    for (const f of readdirSync(pki())) expect(statSync(join(pki(), f)).mode & 0o777, f).to.equal(0o600);
  });
});
