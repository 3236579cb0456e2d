import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

// A throwaway CA with one server and one client certificate, for tests of mutual TLS (a Docker
// engine reached over tcp:// with client certificates, as Docker's --tlsverify does).

export interface MutualTls {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

function keyPair() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { pem: privateKey, forgeKey, publicKey: forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e) };
}

function certificate(subject: string, publicKey: forge.pki.PublicKey, issuerKey: forge.pki.rsa.PrivateKey, issuer: string, extensions: object[]): forge.pki.Certificate {
  const c = forge.pki.createCertificate();
  c.publicKey = publicKey;
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  c.serialNumber = serial.toString('hex');
  c.validity.notBefore = new Date(Date.now() - 60_000);
  c.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  c.setSubject([{ name: 'commonName', value: subject }]);
  c.setIssuer([{ name: 'commonName', value: issuer }]);
  c.setExtensions(extensions);
  c.sign(issuerKey, forge.md.sha256.create());
  return c;
}

export function mutualTls(serverIps: string[]): MutualTls {
  const ca = keyPair();
  const caCert = certificate('okube-test-ca', ca.publicKey, ca.forgeKey, 'okube-test-ca', [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }]);
  const server = keyPair();
  const serverCert = certificate('docker', server.publicKey, ca.forgeKey, 'okube-test-ca', [
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: serverIps.map((ip) => ({ type: 7, ip })) },
  ]);
  const client = keyPair();
  const clientCert = certificate('okube-controllers', client.publicKey, ca.forgeKey, 'okube-test-ca', [{ name: 'extKeyUsage', clientAuth: true }]);
  const pem = forge.pki.certificateToPem;
  return { caPem: pem(caCert), serverCertPem: pem(serverCert), serverKeyPem: server.pem, clientCertPem: pem(clientCert), clientKeyPem: client.pem };
}
