import { generateKeyPair, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type Forge from 'node-forge';

// okube's PKI primitives: a self-signed CA with a serving certificate for the API server, and
// certificates that CA signs (client certificates with CN = user and O = groups, as
// kube-apiserver's x509 authenticator reads them; serving and peer certificates for etcd). Pure
// apart from key generation; where the files live is the caller's business (apiserver/certs.ts,
// storage/etcd-tls.ts).
//
// An RSA key takes 0.1–0.5 s of CPU here, and a fresh `okube up` needs five: they are made on
// libuv's worker threads (in parallel, off the event loop), and prepareKeys() starts them before
// they are asked for, so that they are made while okube does other start-up work.
//
// node-forge (a large CommonJS package) is loaded on the first certificate made or read, not when
// this module is: an `okube up` on a data dir whose certificates exist never loads it.

let forgeModule: typeof Forge | undefined;
function forge(): typeof Forge {
  return (forgeModule ??= createRequire(import.meta.url)('node-forge') as typeof Forge);
}

export interface ServingCerts { caPem: string; certPem: string; keyPem: string; caKeyPem?: string }

function generateKeyPem(): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }, (err, _publicKey, privateKey) =>
      err ? reject(err) : resolve(privateKey),
    ),
  );
}

/** Keys started ahead (prepareKeys), taken first by newKey. */
const prepared: Promise<string>[] = [];

/** Starts making `n` keys in the background for certificates about to be issued. */
export function prepareKeys(n: number): void {
  for (let i = 0; i < n; i++) {
    const key = generateKeyPem();
    // A failure is the taker's to see; none is left unhandled meanwhile.
    key.catch(() => undefined);
    prepared.push(key);
  }
}

async function newKey(): Promise<{ pem: string; forgeKey: Forge.pki.rsa.PrivateKey; publicKey: Forge.pki.rsa.PublicKey }> {
  const privateKey = await (prepared.shift() ?? generateKeyPem());
  const forgeKey = forge().pki.privateKeyFromPem(privateKey) as Forge.pki.rsa.PrivateKey;
  const publicKey = forge().pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  return { pem: privateKey, forgeKey, publicKey };
}

function serial(): string {
  // Positive, 16 bytes.
  const b = randomBytes(16);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export async function generateServingCerts(hosts: string[] = ['127.0.0.1', '::1', 'localhost']): Promise<ServingCerts> {
  const now = new Date(Date.now() - 60_000);
  const [ca, srv] = await Promise.all([newKey(), newKey()]);
  const caCert = forge().pki.createCertificate();
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
  caCert.sign(ca.forgeKey, forge().md.sha256.create());

  const cert = forge().pki.createCertificate();
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
  cert.sign(ca.forgeKey, forge().md.sha256.create());
  return { caPem: forge().pki.certificateToPem(caCert), certPem: forge().pki.certificateToPem(cert), keyPem: srv.pem, caKeyPem: ca.pem };
}

export interface IssuedCert { certPem: string; keyPem: string }

/**
 * A certificate signed by the CA: a client certificate (CN = user, O = groups) by default, or a
 * server certificate for `hosts` (etcd's serving certificate), valid for `days`.
 */
export async function issueCert(ca: { caPem: string; caKeyPem: string }, opts: { commonName: string; organizations?: string[]; hosts?: string[]; server?: boolean; client?: boolean; days?: number }): Promise<IssuedCert> {
  const k = await newKey();
  const caCert = forge().pki.certificateFromPem(ca.caPem);
  const caKey = forge().pki.privateKeyFromPem(ca.caKeyPem);
  const cert = forge().pki.createCertificate();
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
  cert.sign(caKey, forge().md.sha256.create());
  return { certPem: forge().pki.certificateToPem(cert), keyPem: k.pem };
}

