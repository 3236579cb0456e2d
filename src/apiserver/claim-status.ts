import { SELECTED_NODE_ANNOTATION } from '../api/types.js';
import type { Obj } from './objects.js';
import type { Resource } from './registry.js';

// okube has no PersistentVolumes and no PV controller to write a claim's status, so its API
// server keeps the status true on every create and main-endpoint write: Bound once a Node holds
// the claim's volume (the selected-node annotation the scheduler writes), as a
// WaitForFirstConsumer claim is once its first Pod is placed, with the size and access modes it
// asked for; Pending before. `kubectl wait --for=jsonpath='{.status.phase}'=Bound pvc/x` works.

const isClaim = (r: Resource) => r.def.group === '' && r.def.kind === 'PersistentVolumeClaim';

type Claim = { metadata: { annotations?: Record<string, string> }; spec?: { accessModes?: string[]; resources?: { requests?: { storage?: string | number } } } };

export function deriveClaimStatus(r: Resource, obj: Obj): void {
  if (!isClaim(r)) return;
  const c = obj as unknown as Claim;
  if (!c.metadata.annotations?.[SELECTED_NODE_ANNOTATION]) {
    obj.status = { phase: 'Pending' };
    return;
  }
  const storage = c.spec?.resources?.requests?.storage;
  obj.status = {
    phase: 'Bound',
    accessModes: c.spec?.accessModes?.length ? [...c.spec.accessModes] : ['ReadWriteOnce'],
    ...(storage !== undefined ? { capacity: { storage: String(storage) } } : {}),
  };
}
