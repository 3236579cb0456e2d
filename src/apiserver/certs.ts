import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

// TLS material and the bearer token: generated at first start, kept in the data dir and reused
// on every later start (so kubeconfigs stay valid across restarts).

export interface ServingCerts { caPem: string; certPem: string; keyPem: string }

function newKey(): { pem: string; forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const forgeKey = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  const publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { pem: privateKey, forgeKey, publicKey };
}

function serial(): string {
  // Positive, 16 bytes.
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export function generateServingCerts(hosts: string[] = ['127.0.0.1', '::1', 'localhost']): ServingCerts {
  const now = new Date(Date.now() - 60_000);
  const ca = newKey();
  const caCert = forge.pki.createCertificate();
  caCert.publicKey = ca.publicKey;
  caCert.serialNumber = serial();
  caCert.validity.notBefore = now;
  caCert.validity.notAfter = new Date(now.getTime() + 10 * 365 * 24 * 3600 * 1000);
  const caAttrs = [{ name: 'commonName', value: 'okube-ca' }];
  caCert.setSubject(caAttrs);
  caCert.setIssuer(caAttrs);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  caCert.sign(ca.forgeKey, forge.md.sha256.create());

  const srv = newKey();
  const cert = forge.pki.createCertificate();
  cert.publicKey = srv.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + 5 * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: 'okube-apiserver' }]);
  cert.setIssuer(caAttrs);
  const altNames = hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? { type: 7, ip: h } : { type: 2, value: h }));
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.forgeKey, forge.md.sha256.create());
  return { caPem: forge.pki.certificateToPem(caCert), certPem: forge.pki.certificateToPem(cert), keyPem: srv.pem };
}

/** Loads `<dataDir>/pki/{ca.crt,apiserver.crt,apiserver.key}` or creates them. */
export function loadOrCreateCerts(dataDir: string | undefined): ServingCerts {
  if (!dataDir) return generateServingCerts();
  const dir = join(dataDir, 'pki');
  const files = { caPem: join(dir, 'ca.crt'), certPem: join(dir, 'apiserver.crt'), keyPem: join(dir, 'apiserver.key') };
  if (existsSync(files.caPem) && existsSync(files.certPem) && existsSync(files.keyPem)) {
    return { caPem: readFileSync(files.caPem, 'utf8'), certPem: readFileSync(files.certPem, 'utf8'), keyPem: readFileSync(files.keyPem, 'utf8') };
  }
  const c = generateServingCerts();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(files.caPem, c.caPem, { mode: 0o644 });
  writeFileSync(files.certPem, c.certPem, { mode: 0o644 });
  writeFileSync(files.keyPem, c.keyPem, { mode: 0o600 });
  return c;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Loads `<dataDir>/token` or creates it. */
export function loadOrCreateToken(dataDir: string | undefined): string {
  if (!dataDir) return newToken();
  const file = join(dataDir, 'token');
  if (existsSync(file)) {
    const t = readFileSync(file, 'utf8').trim();
    if (t) return t;
  }
  mkdirSync(dataDir, { recursive: true });
  const t = newToken();
  writeFileSync(file, t + '\n', { mode: 0o600 });
  return t;
}
