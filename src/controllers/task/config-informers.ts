import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { SELECTED_NODE_ANNOTATION, type ConfigMap, type KubeList, type PersistentVolumeClaim, type Secret } from '../../api/types.js';
import { apiError } from '../../client/errors.js';
import { Informer } from '../../client/informer.js';
import { configMapData, secretData, type ConfigSource } from './config-source.js';
import { claimInfo, type ClaimSource } from './task-config.js';

// The Task controller's view of Secrets, ConfigMaps and PersistentVolumeClaims: one informer
// each (list + watch over all namespaces, what the chart's RBAC grants), their caches as the
// ConfigSource and ClaimSource the pure resolution reads; ClaimBinder is the one write to a claim
// (recording its Node), made by the scheduler and the Task controller. The manager wires each informer's events through the Task informer's
// `configRef` index to the Tasks that name the object.

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class ConfigInformers {
  readonly secrets: Informer<Secret>;
  readonly configMaps: Informer<ConfigMap>;
  readonly claims: Informer<PersistentVolumeClaim>;
  constructor(kc: KubeConfig, resyncMs: number) {
    const core = kc.makeApiClient(CoreV1Api);
    this.secrets = new Informer<Secret>({ kc, name: 'secrets', path: '/api/v1/secrets', resyncMs, list: async (o) => (await core.listSecretForAllNamespaces({ limit: o.limit, _continue: o.continue })) as unknown as KubeList<Secret> });
    this.configMaps = new Informer<ConfigMap>({ kc, name: 'configmaps', path: '/api/v1/configmaps', resyncMs, list: async (o) => (await core.listConfigMapForAllNamespaces({ limit: o.limit, _continue: o.continue })) as unknown as KubeList<ConfigMap> });
    this.claims = new Informer<PersistentVolumeClaim>({
      kc,
      name: 'persistentvolumeclaims',
      path: '/api/v1/persistentvolumeclaims',
      resyncMs,
      list: async (o) => (await core.listPersistentVolumeClaimForAllNamespaces({ limit: o.limit, _continue: o.continue })) as unknown as KubeList<PersistentVolumeClaim>,
    });
  }

  readonly source: ConfigSource = {
    get: (kind, namespace, name) => {
      if (kind === 'Secret') {
        const s = this.secrets.get(`${namespace}/${name}`);
        return s ? secretData(s) : undefined;
      }
      const c = this.configMaps.get(`${namespace}/${name}`);
      return c ? configMapData(c) : undefined;
    },
  };

  readonly claimSource: ClaimSource = {
    get: (namespace, name) => {
      const c = this.claims.get(`${namespace}/${name}`);
      return c ? claimInfo(c) : undefined;
    },
  };

  start(): void {
    this.secrets.start();
    this.configMaps.start();
    this.claims.start();
  }

  async waitForSync(): Promise<void> {
    await Promise.all([this.secrets.waitForSync(), this.configMaps.waitForSync(), this.claims.waitForSync()]);
  }

  stop(): void {
    this.secrets.stop();
    this.configMaps.stop();
    this.claims.stop();
  }
}

/** The one write to a claim: recording its Node, under the writer's own identity. */
export class ClaimBinder {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /**
   * Records the claim's Node unless it already has one (compare-and-swap on resourceVersion), and
   * answers the Node the claim is on afterwards.
   */
  async bind(namespace: string, name: string, node: string): Promise<string> {
    try {
      const c = await this.core.readNamespacedPersistentVolumeClaim({ name, namespace });
      const current = c.metadata?.annotations?.[SELECTED_NODE_ANNOTATION];
      if (current) return current;
      await this.core.patchNamespacedPersistentVolumeClaim(
        { name, namespace, body: { metadata: { resourceVersion: c.metadata?.resourceVersion, annotations: { [SELECTED_NODE_ANNOTATION]: node } } } },
        MERGE,
      );
      return node;
    } catch (err) {
      throw apiError(err, `bind persistentvolumeclaim ${namespace}/${name} to node ${node}`);
    }
  }

}
