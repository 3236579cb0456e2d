import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { PersistentVolumeClaim, Task } from '../../api/types.js';
import { apiError } from '../../client/errors.js';
import type { Informer } from '../../client/informer.js';
import { splitKey } from '../../client/resource-client.js';
import { isOkubeError } from '../../util/errors.js';
import { loggerFor } from '../../util/logger.js';
import type { ReconcileResult } from '../controller.js';

// Kubernetes' pvc-protection, for Tasks: a claim a Task still uses is not removed when deleted —
// it stays Terminating, held by a finalizer, until no unfinished Task names it — so that a
// `kubectl delete pvc` in a hurry, followed by a claim of the same name, does not silently give
// the running Task a new, empty volume. okube's own finalizer, not kube's
// kubernetes.io/pvc-protection: in a Kubernetes cluster kube's controller removes that one as soon
// as no Pod uses the claim, and Tasks are not Pods. Only a claim in use carries it, and it comes
// off again once nothing uses the claim: a claim okube never used (every claim of a cluster okube
// is installed in) must not be left Terminating while okube's controllers are down. Decisions pure;
// the write is a merge patch of the finalizer list under the read resourceVersion.

export const CLAIM_PROTECTION_FINALIZER = 'okube.dev/pvc-protection';

const log = loggerFor('controller.claim-protection');
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * A Task holds its claims once placed on a Node (its volume may exist there) and until it has
 * finished; a Task being deleted still runs its container until it stops. One not placed yet holds
 * nothing: the scheduler will not place it on a claim being deleted.
 */
export function holdsClaims(task: Task): boolean {
  return !!task.spec.nodeName && task.status?.phase !== 'Succeeded' && task.status?.phase !== 'Failed';
}

/**
 * What to do with the claim's finalizer: add it to a live claim in use, remove it from a claim
 * nothing holds (live or deleted). A claim already being deleted gets no new finalizer (the API
 * refuses one), as kube's controller does.
 */
export function protectionAction(claim: PersistentVolumeClaim, inUse: boolean): 'add' | 'remove' | undefined {
  const has = claim.metadata.finalizers?.includes(CLAIM_PROTECTION_FINALIZER) ?? false;
  if (!inUse) return has ? 'remove' : undefined;
  return !has && !claim.metadata.deletionTimestamp ? 'add' : undefined;
}

export class ClaimProtection {
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    private readonly claims: Informer<PersistentVolumeClaim>,
    /** The unfinished Tasks that name a claim (namespace/name). */
    private readonly usersOf: (claimKey: string) => Task[],
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const claim = this.claims.get(key);
    if (!claim) return {};
    const users = this.usersOf(key).filter(holdsClaims);
    const action = protectionAction(claim, users.length > 0);
    if (!action) {
      if (claim.metadata.deletionTimestamp && users.length) log.debug({ key, tasks: users.map((t) => t.metadata.name) }, 'claim being deleted is still in use; kept');
      return {};
    }
    const current = claim.metadata.finalizers ?? [];
    const finalizers = action === 'add' ? [...current, CLAIM_PROTECTION_FINALIZER] : current.filter((f) => f !== CLAIM_PROTECTION_FINALIZER);
    const { namespace, name } = splitKey(key);
    try {
      await this.core.patchNamespacedPersistentVolumeClaim({ name: name!, namespace: namespace!, body: { metadata: { resourceVersion: claim.metadata.resourceVersion, finalizers } } }, MERGE);
      log.info({ key }, action === 'add' ? 'claim protected while Tasks use it' : (claim.metadata.deletionTimestamp ? 'claim no longer in use: released for deletion' : 'claim no longer in use: protection removed'));
    } catch (err) {
      const e = apiError(err, `${action} the ${CLAIM_PROTECTION_FINALIZER} finalizer of persistentvolumeclaim ${key}`);
      // Gone already, or changed since the cache read: the claim's next event brings it back.
      if (isOkubeError(e, 'NotFound') || isOkubeError(e, 'Conflict')) return {};
      throw e;
    }
    return {};
  }
}
