import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';
import { writeFileAtomic } from '../util/atomic-write.js';
import { OkubeError } from '../util/errors.js';

// TLS material and the bearer token: generated at first start, kept in the data dir and reused
// on every later start (so kubeconfigs stay valid across restarts). okube's CA (its key kept
// 0600 next to it) also signs client certificates: CN = user, O = groups, as kube-apiserver's
// x509 authenticator reads them (okube kubeconfig user, etcd's client certificate).

export interface ServingCerts { caPem: string; certPem: string; keyPem: string; caKeyPem?: string }

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
  return { caPem: forge.pki.certificateToPem(caCert), certPem: forge.pki.certificateToPem(cert), keyPem: srv.pem, caKeyPem: ca.pem };
}

export interface IssuedCert { certPem: string; keyPem: string }

/**
 * A certificate signed by the CA: a client certificate (CN = user, O = groups) by default, or a
 * server certificate for `hosts` (etcd's serving certificate), valid for `days`.
 */
export function issueCert(ca: { caPem: string; caKeyPem: string }, opts: { commonName: string; organizations?: string[]; hosts?: string[]; server?: boolean; client?: boolean; days?: number }): IssuedCert {
  const caCert = forge.pki.certificateFromPem(ca.caPem);
  const caKey = forge.pki.privateKeyFromPem(ca.caKeyPem);
  const k = newKey();
  const cert = forge.pki.createCertificate();
  const now = new Date(Date.now() - 60_000);
  cert.publicKey = k.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = now;
  cert.validity.notAfter = new Date(now.getTime() + (opts.days ?? 365) * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: opts.commonName }, ...(opts.organizations ?? []).map((o) => ({ name: 'organizationName', value: o }))]);
  cert.setIssuer(caCert.subject.attributes);
  const ext: object[] = [
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', clientAuth: opts.client ?? !opts.server, serverAuth: opts.server ?? false },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (opts.hosts?.length) ext.push({ name: 'subjectAltName', altNames: opts.hosts.map((h) => (/^[\d.]+$/.test(h) || h.includes(':') ? { type: 7, ip: h } : { type: 2, value: h })) });
  cert.setExtensions(ext);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: k.pem };
}

/** okube's CA from `<dataDir>/pki` (ca.crt, ca.key), for issuing certificates. */
export function loadCa(dataDir: string): { caPem: string; caKeyPem: string } {
  const dir = join(dataDir, 'pki');
  try {
    return { caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), caKeyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  } catch (err) {
    throw new OkubeError('ConfigError', `okube's CA is not in ${dir} (ca.crt and ca.key; okube up or okube apiserver creates them): ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/**
 * Loads `<dataDir>/pki/{ca.crt,ca.key,apiserver.crt,apiserver.key}` or creates them (also when
 * ca.key is missing: a data dir from before client certificates, whose CA cannot sign).
 */
export function loadOrCreateCerts(dataDir: string | undefined): ServingCerts {
  if (!dataDir) return generateServingCerts();
  const dir = join(dataDir, 'pki');
  const files = { caPem: join(dir, 'ca.crt'), caKeyPem: join(dir, 'ca.key'), certPem: join(dir, 'apiserver.crt'), keyPem: join(dir, 'apiserver.key') };
  if (Object.values(files).every((f) => existsSync(f))) {
    return { caPem: readFileSync(files.caPem, 'utf8'), caKeyPem: readFileSync(files.caKeyPem, 'utf8'), certPem: readFileSync(files.certPem, 'utf8'), keyPem: readFileSync(files.keyPem, 'utf8') };
  }
  const c = generateServingCerts();
  writeFileAtomic(files.caKeyPem, c.caKeyPem!, 0o600);
  writeFileAtomic(files.keyPem, c.keyPem, 0o600);
  writeFileAtomic(files.certPem, c.certPem, 0o644);
  writeFileAtomic(files.caPem, c.caPem, 0o644);
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
  const t = newToken();
  writeFileAtomic(file, t + '\n', 0o600);
  return t;
}
