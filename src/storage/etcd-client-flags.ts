import { readFileSync } from 'node:fs';
import { OkubeError } from '../util/errors.js';

// --etcd-cafile / --etcd-certfile / --etcd-keyfile (kube-apiserver's flags) for an external etcd:
// read once at start; the cert and key go together, and any of them makes the store use TLS.

export interface EtcdFileFlags { etcdCafile?: string; etcdCertfile?: string; etcdKeyfile?: string }

function read(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new OkubeError('ConfigError', `${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

export function etcdClientTlsFromFlags(f: EtcdFileFlags): { caPem: string; certPem?: string; keyPem?: string } | undefined {
  if (!f.etcdCafile && !f.etcdCertfile && !f.etcdKeyfile) return undefined;
  if (Boolean(f.etcdCertfile) !== Boolean(f.etcdKeyfile)) throw new OkubeError('ConfigError', '--etcd-certfile and --etcd-keyfile go together');
  if (!f.etcdCafile) throw new OkubeError('ConfigError', '--etcd-cafile is needed with --etcd-certfile (the CA that signed etcd\'s serving certificate)');
  return {
    caPem: read(f.etcdCafile, '--etcd-cafile'),
    ...(f.etcdCertfile ? { certPem: read(f.etcdCertfile, '--etcd-certfile'), keyPem: read(f.etcdKeyfile!, '--etcd-keyfile') } : {}),
  };
}
