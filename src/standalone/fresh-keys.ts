import { join } from 'node:path';
import { hasServingCerts } from '../apiserver/certs.js';
import { hasEtcdTlsFiles } from '../storage/etcd-tls.js';
import { prepareKeys } from '../util/pki.js';

// On a fresh data dir `okube up` issues five certificates before etcd can start (okube's CA and
// the API server's serving certificate, then etcd's serving, peer and client certificates), and
// their RSA keys are most of the first start's extra time. Started before the rest of okube is
// loaded, they are made on libuv's worker threads while the main thread loads modules; the
// certificates then take them (util/pki.ts). A data dir that has its certificates makes none.

/** How many keys the certificates about to be made need, by the checks certs.ts and etcd-tls.ts make (a new CA means etcd's again). */
export function freshKeyCount(dataDir: string, embeddedEtcd: boolean): number {
  const apiserver = hasServingCerts(dataDir) ? 0 : 2;
  const etcd = embeddedEtcd && (apiserver > 0 || !hasEtcdTlsFiles(join(dataDir, 'etcd'))) ? 3 : 0;
  return apiserver + etcd;
}

export function prepareFreshKeys(dataDir: string, embeddedEtcd: boolean): void {
  prepareKeys(freshKeyCount(dataDir, embeddedEtcd));
}
