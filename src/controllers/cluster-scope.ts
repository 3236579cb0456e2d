import { LABELS } from '../api/types.js';

// Several okube clusters may share one Docker engine: two `okube up` on one machine, or a Docker
// host registered as a Node in two clusters. Both name it after their own Node (`local` by
// default), so the Node label alone does not say whose a container is, and each cluster's orphan
// sweep would remove the other's containers as Tasks it does not know. Everything okube makes on
// an engine therefore also carries the cluster's identity — the uid of its kube-system namespace,
// the identity Kubernetes tools use for a cluster — and the sweeps and clean-ups touch only what
// carries this cluster's. What carries none was made before the label existed and stays this
// cluster's, as it was.

/** The namespace whose uid identifies the cluster. */
export const CLUSTER_NAMESPACE = 'kube-system';

/** Labels of everything okube makes on a Node: the Node's name and, when known, the cluster's identity. */
export function placementLabels(nodeName: string, cluster: string | undefined): Record<string, string> {
  return cluster ? { [LABELS.node]: nodeName, [LABELS.cluster]: cluster } : { [LABELS.node]: nodeName };
}

/** Whether a container or volume is this cluster's to sweep: its label names this cluster, or it has none. */
export function ofThisCluster(labels: Record<string, string> | undefined, cluster: string | undefined): boolean {
  const owner = labels?.[LABELS.cluster];
  return cluster === undefined || owner === undefined || owner === cluster;
}
