import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Node } from '../../api/types.js';
import { apiError } from '../../client/errors.js';
import { OkubeError } from '../../util/errors.js';
import type { DockerTls } from '../../runtime/docker-runtime.js';

// TLS material for a tcp:// engine from a Secret (spec.tls.secretName) instead of files on the
// controller's host — what the in-cluster controllers need. Docker's own file names (ca.pem,
// cert.pem, key.pem) and a kubernetes.io/tls Secret's (ca.crt, tls.crt, tls.key) both work.

export interface TlsMaterial {
  tls: DockerTls;
  /** Changes when the Secret does, so the Node's connection is rebuilt. */
  version: string;
}

const KEYS = { ca: ['ca.pem', 'ca.crt'], cert: ['cert.pem', 'tls.crt'], key: ['key.pem', 'tls.key'] } as const;

/** The Secret's data (base64, as the API returns it) as dockerode's TLS options. */
export function tlsFromSecretData(data: Record<string, string> | undefined, what: string): DockerTls {
  const pick = (names: readonly string[]) => {
    const k = names.find((n) => data?.[n]);
    return k ? Buffer.from(data![k], 'base64') : undefined;
  };
  const tls: DockerTls = { ca: pick(KEYS.ca), cert: pick(KEYS.cert), key: pick(KEYS.key) };
  if (!tls.cert || !tls.key) throw new OkubeError('ConfigError', `${what} has no client certificate and key (cert.pem and key.pem, or tls.crt and tls.key)`);
  return tls;
}

export class SecretTls {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** The material for a Node that names a Secret; undefined when it uses files (or no TLS). */
  async resolve(node: Node): Promise<TlsMaterial | undefined> {
    const ref = node.spec.tls;
    if (!ref?.secretName) return undefined;
    const namespace = ref.secretNamespace ?? 'default';
    const what = `Secret ${namespace}/${ref.secretName} of node ${node.metadata.name}`;
    try {
      const secret = await this.core.readNamespacedSecret({ name: ref.secretName, namespace });
      return { tls: tlsFromSecretData(secret.data, what), version: `${namespace}/${ref.secretName}@${secret.metadata?.resourceVersion ?? ''}` };
    } catch (err) {
      throw err instanceof OkubeError ? err : new OkubeError('ConfigError', apiError(err, `read ${what}`).message);
    }
  }
}
