import yaml from 'js-yaml';
import { writeFileAtomic } from '../util/atomic-write.js';

// A kubeconfig for the okube API server: one cluster, one user (a bearer token or a client
// certificate signed by okube's CA), one context. Always written 0600 through a temporary file
// and a rename, also over an existing file with looser permissions.

export interface KubeconfigOptions {
  server: string;
  caPem?: string;
  token?: string;
  /** A client certificate and its key (PEM), instead of or besides the token. */
  clientCertPem?: string;
  clientKeyPem?: string;
  namespace?: string;
  name?: string;
  /** The user entry's name (default: the cluster's name). */
  userName?: string;
}

export function kubeconfigYaml(opts: KubeconfigOptions): string {
  const name = opts.name ?? 'okube';
  const userName = opts.userName ?? name;
  const cluster: Record<string, unknown> = { server: opts.server };
  if (opts.caPem) cluster['certificate-authority-data'] = Buffer.from(opts.caPem).toString('base64');
  const user: Record<string, unknown> = {};
  if (opts.token) user.token = opts.token;
  if (opts.clientCertPem && opts.clientKeyPem) {
    user['client-certificate-data'] = Buffer.from(opts.clientCertPem).toString('base64');
    user['client-key-data'] = Buffer.from(opts.clientKeyPem).toString('base64');
  }
  const contextName = userName === name ? name : `${userName}@${name}`;
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    users: [{ name: userName, user }],
    contexts: [{ name: contextName, context: { cluster: name, user: userName, ...(opts.namespace ? { namespace: opts.namespace } : {}) } }],
    'current-context': contextName,
    preferences: {},
  });
}

export function writeKubeconfig(path: string, opts: KubeconfigOptions): void {
  writeFileAtomic(path, kubeconfigYaml(opts), 0o600);
}
