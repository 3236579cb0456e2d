import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareKeys } from '../util/pki.js';

// On a fresh data dir `okube up` issues five certificates before etcd can start (okube's CA and
// the API server's serving certificate, then etcd's serving, peer and client certificates), and
// their RSA keys are most of the first start's extra time. Started before the rest of okube is
// loaded, they are made on libuv's worker threads while the main thread loads modules; the
// certificates then take them (util/pki.ts). A data dir that has its certificates makes none.

/** The files whose absence means new keys: those certs.ts and etcd-tls.ts check. */
export function freshKeyCount(dataDir: string, embeddedEtcd: boolean): number {
  const apiserver = existsSync(join(dataDir, 'pki', 'ca.key')) ? 0 : 2;
  const etcd = embeddedEtcd && (apiserver > 0 || !existsSync(join(dataDir, 'etcd', 'pki', 'client.key'))) ? 3 : 0;
  return apiserver + etcd;
}

export function prepareFreshKeys(dataDir: string, embeddedEtcd: boolean): void {
  prepareKeys(freshKeyCount(dataDir, embeddedEtcd));
}
