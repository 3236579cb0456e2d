import { KubeConfig } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { OkubeError } from '../util/errors.js';

// Where controllers find the API: a kubeconfig file, explicit server/token/CA, or in-cluster.

export interface KubeConfigSource {
  kubeconfig?: string;
  server?: string;
  token?: string;
  tokenFile?: string;
  certificateAuthority?: string;
  caPem?: string;
}

export function loadKubeConfig(src: KubeConfigSource = {}): KubeConfig {
  const kc = new KubeConfig();
  if (src.server) {
    const token = src.token ?? (src.tokenFile ? readFileSync(src.tokenFile, 'utf8').trim() : undefined);
    const ca = src.caPem ?? (src.certificateAuthority ? readFileSync(src.certificateAuthority, 'utf8') : undefined);
    kc.loadFromOptions({
      clusters: [{ name: 'okube', server: src.server, caData: ca ? Buffer.from(ca).toString('base64') : undefined, skipTLSVerify: false }],
      users: [{ name: 'okube', token }],
      contexts: [{ name: 'okube', cluster: 'okube', user: 'okube' }],
      currentContext: 'okube',
    });
    return kc;
  }
  try {
    if (src.kubeconfig) kc.loadFromFile(src.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    throw new OkubeError('ConfigError', `cannot read kubeconfig ${src.kubeconfig ?? '(default)'}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new OkubeError('ConfigError', `kubeconfig ${src.kubeconfig ?? '(default)'} has no current cluster`);
  return kc;
}
