import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caCertificates, serverCertPinFile, ServerCertPins, stillValid } from '../../../src/cli/kube/server-cert-pins.js';
import { generateServingCerts, issueCert, type ServingCerts } from '../../../src/util/pki.js';

describe('server certificate pins: what a recorded certificate must still pass', () => {
  let serving: ServingCerts;
  let ca: { caPem: string; caKeyPem: string };
  let cas: X509Certificate[];
  let cert: X509Certificate;
  before(async () => {
    serving = await generateServingCerts(['127.0.0.1', 'localhost']);
    ca = { caPem: serving.caPem, caKeyPem: serving.caKeyPem! };
    cas = caCertificates(Buffer.from(serving.caPem));
    cert = new X509Certificate(serving.certPem);
  });

  it('a server certificate the CA signed, for the host, now: accepted', () => {
    expect(stillValid(cert, cas, '127.0.0.1')).to.equal(true);
    expect(stillValid(cert, cas, 'localhost')).to.equal(true);
  });

  it('a host that is not in its subjectAltName: refused', () => {
    expect(stillValid(cert, cas, '127.0.0.2')).to.equal(false);
    expect(stillValid(cert, cas, 'example.com')).to.equal(false);
  });

  it('the subject CN is never taken for the host', async () => {
    const cn = new X509Certificate((await issueCert(ca, { commonName: 'api.test', server: true })).certPem);
    expect(stillValid(cn, cas, 'api.test')).to.equal(false);
  });

  it('after it expired: refused', () => {
    expect(stillValid(cert, cas, '127.0.0.1', Date.parse(cert.validTo) + 1000)).to.equal(false);
  });

  it('before it is valid: refused', () => {
    expect(stillValid(cert, cas, '127.0.0.1', Date.parse(cert.validFrom) - 1000)).to.equal(false);
  });

  it('a client certificate (extended key usage without serverAuth): refused', async () => {
    const client = new X509Certificate((await issueCert(ca, { commonName: 'u', hosts: ['127.0.0.1'], client: true })).certPem);
    expect(stillValid(client, cas, '127.0.0.1')).to.equal(false);
  });

  it('signed by another CA than the kubeconfig names: refused', async () => {
    const other = caCertificates(Buffer.from((await generateServingCerts(['127.0.0.1'])).caPem));
    expect(stillValid(cert, other, '127.0.0.1')).to.equal(false);
  });

  it('a CA bundle: accepted when one of its certificates signed it', async () => {
    const bundle = caCertificates(Buffer.from((await generateServingCerts(['127.0.0.1'])).caPem + serving.caPem));
    expect(bundle).to.have.length(2);
    expect(stillValid(cert, bundle, '127.0.0.1')).to.equal(true);
  });

  it('a leaf used as the CA (not a CA certificate): refused', () => {
    expect(stillValid(cert, [cert], '127.0.0.1')).to.equal(false);
  });
});

describe('server certificate pins: the record on disk', () => {
  let dir: string;
  const env = () => ({ KUBECACHEDIR: dir });
  const server = 'https://127.0.0.1:6443';
  const ca = Buffer.from('ca-pem');
  const der = (n: number) => Buffer.from(`cert-${n}`);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'okube-pins-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a recorded certificate is read back by the next command, from a 0600 file beside kubectl\'s cache', () => {
    ServerCertPins.forTarget(server, '', ca, env()).record(der(1));
    expect(ServerCertPins.forTarget(server, '', ca, env()).recorded()).to.deep.equal([der(1)]);
    const file = serverCertPinFile(server, env());
    expect(file).to.equal(join(dir, 'okube-tls', '127.0.0.1_6443', 'server-certs.json'));
    expect(statSync(file).mode & 0o777).to.equal(0o600);
  });

  it('another server URL, TLS server name or CA does not see the record', () => {
    ServerCertPins.forTarget(server, '', ca, env()).record(der(1));
    expect(ServerCertPins.forTarget(server, 'api.test', ca, env()).recorded()).to.deep.equal([]);
    expect(ServerCertPins.forTarget(server, '', Buffer.from('other-ca'), env()).recorded()).to.deep.equal([]);
    expect(ServerCertPins.forTarget('https://127.0.0.1:6444', '', ca, env()).recorded()).to.deep.equal([]);
  });

  it('keeps the 8 most recent certificates, newest first, without duplicates', () => {
    const pins = ServerCertPins.forTarget(server, '', ca, env());
    for (let i = 0; i < 10; i++) pins.record(der(i));
    pins.record(der(5));
    const back = ServerCertPins.forTarget(server, '', ca, env()).recorded();
    expect(back.map((b) => b.toString())).to.deep.equal([5, 9, 8, 7, 6, 4, 3, 2].map((i) => `cert-${i}`));
  });

  it('a truncated, non-JSON or wrongly shaped record is ignored as if absent', () => {
    const pins = ServerCertPins.forTarget(server, '', ca, env());
    pins.record(der(1));
    const file = serverCertPinFile(server, env());
    for (const body of ['{"format":1,"ser', 'not json', '{"format":1,"server":"x","certs":"y"}', '[]']) {
      writeFileSync(file, body);
      expect(ServerCertPins.forTarget(server, '', ca, env()).recorded()).to.deep.equal([]);
    }
    expect(readFileSync(file, 'utf8')).to.equal('[]');
  });

  it('an unwritable cache folder costs only the record', () => {
    writeFileSync(join(dir, 'okube-tls'), 'a file where the folder should be');
    const pins = ServerCertPins.forTarget(server, '', ca, env());
    expect(() => pins.record(der(1))).not.to.throw();
    expect(ServerCertPins.forTarget(server, '', ca, env()).recorded()).to.deep.equal([]);
  });
});
