import { posix } from 'node:path';
import { VOLUME_CLAIM_LABEL, VOLUME_TASK_LABEL, type Task, type Volume } from '../../api/types.js';
import { memoryToBytes } from '../../api/quantity.js';
import { claimVolumeName, uid12 } from '../../api/volume-names.js';
import type { Mount } from '../../runtime/runtime.js';
import { placementLabels } from '../cluster-scope.js';

// A Task's volumes as Docker mounts. emptyDir and the secret/configMap volumes are Docker
// volumes named after the Task's uid (so a restarted container finds the same data, and they are
// removed with the Task by label); Memory emptyDirs are tmpfs mounts; hostPath is a bind of the
// Node's path (admission and the scheduler have checked spec.allowedHostPaths); a
// persistentVolumeClaim is a Docker named volume named after the claim's uid, which outlives the
// Task. Secret and configMap volumes are always read-only in the Task's container; their files
// are written through a holder container that mounts them writable (volume-files.ts).

/** Where the holder container mounts config volume `name`. */
export const HOLDER_ROOT = '/okube-volumes';

/** The Docker volume of an emptyDir, secret or configMap volume of the Task. */
export function taskVolumeName(task: Task, volume: string): string {
  return `okube-${uid12(task.metadata.uid)}-${volume}`;
}

export interface ClaimView {
  uid: string;
}

/** Labels of the Task's own Docker volumes (and its holder): removed by them with the Task. */
export function taskVolumeLabels(task: Task, nodeName: string, cluster?: string): Record<string, string> {
  return { [VOLUME_TASK_LABEL]: task.metadata.uid ?? '', ...placementLabels(nodeName, cluster) };
}

/** The Task's mounts on `nodeName`. `claims` maps claimName to the claim (checked to exist by the caller). */
export function mountsOf(task: Task, claims: Map<string, ClaimView>, nodeName: string, cluster?: string): Mount[] {
  const volumes = new Map<string, Volume>((task.spec.volumes ?? []).map((v) => [v.name, v]));
  const taskLabels = taskVolumeLabels(task, nodeName, cluster);
  const out: Mount[] = [];
  for (const m of task.spec.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) continue;
    const readOnly = Boolean(m.readOnly);
    if (v.emptyDir?.medium === 'Memory') {
      out.push({ type: 'tmpfs', target: m.mountPath, readOnly, tmpfsSizeBytes: memoryToBytes(v.emptyDir.sizeLimit) });
    } else if (v.emptyDir) {
      out.push({ type: 'volume', source: taskVolumeName(task, v.name), target: m.mountPath, readOnly, volumeLabels: taskLabels });
    } else if (v.secret || v.configMap) {
      out.push({ type: 'volume', source: taskVolumeName(task, v.name), target: m.mountPath, readOnly: true, volumeLabels: taskLabels });
    } else if (v.hostPath) {
      const source = m.subPath ? posix.join(v.hostPath.path, m.subPath) : v.hostPath.path;
      out.push({ type: 'bind', source, target: m.mountPath, readOnly, createHostPath: v.hostPath.type === 'DirectoryOrCreate' });
    } else if (v.persistentVolumeClaim) {
      const claim = claims.get(v.persistentVolumeClaim.claimName);
      if (!claim) continue;
      const ns = task.metadata.namespace ?? 'default';
      out.push({
        type: 'volume',
        source: claimVolumeName(ns, v.persistentVolumeClaim.claimName, claim.uid),
        target: m.mountPath,
        readOnly: readOnly || Boolean(v.persistentVolumeClaim.readOnly),
        volumeLabels: { [VOLUME_CLAIM_LABEL]: claim.uid, ...placementLabels(nodeName, cluster) },
      });
    }
  }
  return out;
}

/** The holder container's mounts: every config volume, writable, under HOLDER_ROOT. */
export function holderMounts(task: Task, nodeName: string, cluster?: string): Mount[] {
  const taskLabels = taskVolumeLabels(task, nodeName, cluster);
  return (task.spec.volumes ?? [])
    .filter((v) => v.secret || v.configMap)
    .map((v) => ({ type: 'volume' as const, source: taskVolumeName(task, v.name), target: `${HOLDER_ROOT}/${v.name}`, readOnly: false, volumeLabels: taskLabels }));
}

/** Claim names the Task uses. */
export function claimNames(task: Task): string[] {
  return [...new Set((task.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : [])))];
}
