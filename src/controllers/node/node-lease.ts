import { CoordinationV1Api, CoreV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { apiError } from '../../client/errors.js';
import { isOkubeError } from '../../util/errors.js';

// Node heartbeats as coordination.k8s.io/v1 Leases in okube-node-lease, one per Node, as the
// kubelet does: renewing a small Lease every period is cheap, so the Node's status is written
// only when something in it changes. The renew time also tells a restarted (or newly elected)
// controller when the engine last answered.

export const NODE_LEASE_NAMESPACE = 'okube-node-lease';

export interface NodeLeases {
  renew(node: string, now: Date, durationSeconds: number): Promise<void>;
  /** When the Node's Lease was last renewed (ms), if there is one. */
  lastRenewed(node: string): Promise<number | undefined>;
  /** The Node is gone: its Lease goes too (best effort). */
  forget(node: string): Promise<void>;
}

export class LeaseHeartbeats implements NodeLeases {
  private readonly api: CoordinationV1Api;
  private readonly core: CoreV1Api;
  private readonly leases = new Map<string, V1Lease>();
  private namespaceReady = false;

  constructor(kc: KubeConfig, private readonly namespace = NODE_LEASE_NAMESPACE) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.core = kc.makeApiClient(CoreV1Api);
  }

  private async ensureNamespace(): Promise<void> {
    if (this.namespaceReady) return;
    try {
      await this.core.createNamespace({ body: { metadata: { name: this.namespace } } });
    } catch (err) {
      const e = apiError(err, `create namespace ${this.namespace}`);
      if (!isOkubeError(e, 'AlreadyExists') && !isOkubeError(e, 'Conflict')) throw e;
    }
    this.namespaceReady = true;
  }

  async renew(node: string, now: Date, durationSeconds: number): Promise<void> {
    const { namespace } = this;
    const spec = { holderIdentity: node, leaseDurationSeconds: Math.ceil(durationSeconds), renewTime: new V1MicroTime(now.getTime()) };
    let lease = this.leases.get(node);
    try {
      if (!lease) lease = await this.read(node);
      if (!lease) {
        await this.ensureNamespace();
        this.leases.set(node, await this.api.createNamespacedLease({ namespace, body: { metadata: { name: node, namespace }, spec } }));
        return;
      }
      this.leases.set(node, await this.api.replaceNamespacedLease({ name: node, namespace, body: { ...lease, spec: { ...lease.spec, ...spec } } }));
    } catch (err) {
      // Conflict or gone: read afresh next time.
      this.leases.delete(node);
      throw apiError(err, `renew lease ${namespace}/${node}`);
    }
  }

  async lastRenewed(node: string): Promise<number | undefined> {
    const lease = this.leases.get(node) ?? (await this.read(node));
    const t = lease?.spec?.renewTime;
    return t ? new Date(t as unknown as string).getTime() : undefined;
  }

  async forget(node: string): Promise<void> {
    this.leases.delete(node);
    try {
      await this.api.deleteNamespacedLease({ name: node, namespace: this.namespace });
    } catch (err) {
      const e = apiError(err, `delete lease ${this.namespace}/${node}`);
      if (!isOkubeError(e, 'NotFound')) throw e;
    }
  }

  private async read(node: string): Promise<V1Lease | undefined> {
    try {
      return await this.api.readNamespacedLease({ name: node, namespace: this.namespace });
    } catch (err) {
      const e = apiError(err, `read lease ${this.namespace}/${node}`);
      if (isOkubeError(e, 'NotFound')) return undefined;
      throw e;
    }
  }
}
