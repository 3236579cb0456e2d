import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/atomic-write.js';
import { OkubeError } from '../util/errors.js';
import { generateServingCerts, type ServingCerts } from '../util/pki.js';

export { generateServingCerts, issueCert, type IssuedCert, type ServingCerts } from '../util/pki.js';

// TLS material and the bearer token: generated at first start, kept in the data dir and reused
// on every later start (so kubeconfigs stay valid across restarts). okube's CA (its key kept
// 0600 next to it) also signs client certificates: CN = user, O = groups, as kube-apiserver's
// x509 authenticator reads them (okube kubeconfig user, etcd's client certificate).

/** okube's CA from `<dataDir>/pki` (ca.crt, ca.key), for issuing certificates. */
export function loadCa(dataDir: string): { caPem: string; caKeyPem: string } {
  const dir = join(dataDir, 'pki');
  try {
    return { caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'), caKeyPem: readFileSync(join(dir, 'ca.key'), 'utf8') };
  } catch (err) {
    throw new OkubeError('ConfigError', `okube's CA is not in ${dir} (ca.crt and ca.key; okube up or okube apiserver creates them): ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function servingCertFiles(dataDir: string) {
  const dir = join(dataDir, 'pki');
  return { caPem: join(dir, 'ca.crt'), caKeyPem: join(dir, 'ca.key'), certPem: join(dir, 'apiserver.crt'), keyPem: join(dir, 'apiserver.key') };
}

/** Whether loadOrCreateCerts finds the data dir's certificates (else it makes new ones). */
export function hasServingCerts(dataDir: string): boolean {
  return Object.values(servingCertFiles(dataDir)).every((f) => existsSync(f));
}

/**
 * Loads `<dataDir>/pki/{ca.crt,ca.key,apiserver.crt,apiserver.key}` or creates them (also when
 * ca.key is missing: a data dir from before client certificates, whose CA cannot sign).
 */
export async function loadOrCreateCerts(dataDir: string | undefined): Promise<ServingCerts> {
  if (!dataDir) return generateServingCerts();
  const files = servingCertFiles(dataDir);
  if (hasServingCerts(dataDir)) {
    return { caPem: readFileSync(files.caPem, 'utf8'), caKeyPem: readFileSync(files.caKeyPem, 'utf8'), certPem: readFileSync(files.certPem, 'utf8'), keyPem: readFileSync(files.keyPem, 'utf8') };
  }
  const c = await generateServingCerts();
  writeFileAtomic(files.caKeyPem, c.caKeyPem!, 0o600);
  writeFileAtomic(files.keyPem, c.keyPem, 0o600);
  writeFileAtomic(files.certPem, c.certPem, 0o644);
  writeFileAtomic(files.caPem, c.caPem, 0o644);
  return c;
}

/** The ServiceAccount token signing key (EC P-256, PKCS#8 PEM): `<dataDir>/pki/sa.key`, created when missing. */
export function loadOrCreateServiceAccountKey(dataDir: string | undefined): string {
  const fresh = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  if (!dataDir) return fresh();
  const file = join(dataDir, 'pki', 'sa.key');
  if (existsSync(file)) return readFileSync(file, 'utf8');
  const pem = fresh();
  writeFileAtomic(file, pem, 0o600);
  return pem;
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
