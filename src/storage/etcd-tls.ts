import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { issueCert } from '../util/pki.js';
import { writeFileAtomic } from '../util/atomic-write.js';

// The embedded etcd's TLS material, issued by okube's CA and kept in `<etcd dir>/pki` (0700,
// files 0600): a serving certificate for the loopback address, a peer certificate, and the one
// client certificate okube's API server presents (CN okube-apiserver). Issued once, reused on
// later starts; a missing file has all of them issued again.

export interface EtcdClientTls {
  caPem: string;
  certPem: string;
  keyPem: string;
  /**
   * A DNS name in the server certificate to verify and send as SNI instead of the endpoint's IP
   * address (Node deprecates an IP as TLS server name, and gRPC would send one).
   */
  serverName?: string;
}

export interface EtcdTlsFiles {
  client: EtcdClientTls;
  paths: { ca: string; serverCert: string; serverKey: string; peerCert: string; peerKey: string; clientCert: string; clientKey: string };
}

function etcdTlsPaths(etcdDir: string): EtcdTlsFiles['paths'] {
  const dir = join(etcdDir, 'pki');
  return {
    ca: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    peerCert: join(dir, 'peer.crt'),
    peerKey: join(dir, 'peer.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };
}

/** Whether etcdTlsFiles finds every file (it issues them again when one is missing or the CA changed). */
export function hasEtcdTlsFiles(etcdDir: string): boolean {
  return Object.values(etcdTlsPaths(etcdDir)).every((p) => existsSync(p));
}

export async function etcdTlsFiles(etcdDir: string, ca: { caPem: string; caKeyPem: string }, host: string): Promise<EtcdTlsFiles> {
  const paths = etcdTlsPaths(etcdDir);
  const current = hasEtcdTlsFiles(etcdDir) && readFileSync(paths.ca, 'utf8') === ca.caPem;
  if (!current) {
    const hosts = [...new Set([host, '127.0.0.1', 'localhost'])];
    const [server, peer, client] = await Promise.all([
      issueCert(ca, { commonName: 'okube-etcd', hosts, server: true, client: false, days: 3650 }),
      issueCert(ca, { commonName: 'okube-etcd-peer', hosts, server: true, client: true, days: 3650 }),
      issueCert(ca, { commonName: 'okube-apiserver', organizations: ['system:masters'], client: true, days: 3650 }),
    ]);
    writeFileAtomic(paths.ca, ca.caPem, 0o600);
    writeFileAtomic(paths.serverCert, server.certPem, 0o600);
    writeFileAtomic(paths.serverKey, server.keyPem, 0o600);
    writeFileAtomic(paths.peerCert, peer.certPem, 0o600);
    writeFileAtomic(paths.peerKey, peer.keyPem, 0o600);
    writeFileAtomic(paths.clientCert, client.certPem, 0o600);
    writeFileAtomic(paths.clientKey, client.keyPem, 0o600);
  }
  return { paths, client: { caPem: ca.caPem, certPem: readFileSync(paths.clientCert, 'utf8'), keyPem: readFileSync(paths.clientKey, 'utf8'), serverName: 'localhost' } };
}
