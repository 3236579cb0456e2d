import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Node } from '../../api/types.js';
import { apiError } from '../../client/errors.js';
import { OkubeError } from '../../util/errors.js';
import type { DockerTls } from '../../runtime/docker-runtime.js';
import { tlsFromSecretData } from '../../runtime/docker-tls.js';

// TLS material for a tcp:// engine from a Secret (spec.tls.secretName) instead of files on the
// controller's host — what the in-cluster controllers need.

export interface TlsMaterial {
  tls: DockerTls;
  /** Changes when the Secret does, so the Node's connection is rebuilt. */
  version: string;
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
