import { hostPathReason, hostPathViolations } from '../../api/host-paths.js';
import { SELECTED_NODE_ANNOTATION, type NodeSpec, type Task } from '../../api/types.js';
import type { Mount } from '../../runtime/runtime.js';
import type { ConfigSource } from './config-source.js';
import { resolveConfigVolumes, type VolumeFile } from './config-volumes.js';
import { resolveEnv } from './env-from.js';
import { needsImageUser, runAsNonRootError } from './security-context.js';
import { claimNames, mountsOf, type ClaimView } from './volumes.js';

// Everything a Task's next container needs from outside its own spec, resolved in one pure step
// before the plan: the environment (Secrets, ConfigMaps), the config volume files, the claims'
// Docker volumes and the runAsNonRoot check. Any of them failing is one message, which plan()
// turns into state.waiting.reason CreateContainerConfigError (as the kubelet does) instead of a
// container; the Task is planned again when a referenced object changes (the informer index).

export interface ClaimInfo extends ClaimView {
  /** The Node its Docker volume lives on (annotation volume.kubernetes.io/selected-node). */
  node?: string;
  /** Being deleted (held by okube's protection finalizer): no new Task is placed on it. */
  deleting?: boolean;
}

export interface ClaimSource {
  get(namespace: string, name: string): ClaimInfo | undefined;
}

export interface PreparedConfig {
  env: Record<string, string>;
  mounts: Mount[];
  /** Files of the secret/configMap volumes, by volume name, and their hash. */
  files: Map<string, VolumeFile[]>;
  filesHash: string;
  /** Claims the Task uses that are bound to no Node yet: the controller binds them to this one. */
  unboundClaims: string[];
}

export type ConfigResult = { config: PreparedConfig } | { error: string };

/** imageUser: the image's Config.User; undefined when not known (the non-root check then waits). */
export function prepareConfig(task: Task, input: { source: ConfigSource; claims: ClaimSource; nodeName: string; cluster?: string; node?: Pick<NodeSpec, 'allowedHostPaths'>; imageUser?: string }): ConfigResult {
  // Admission and the scheduler keep these out; a Node whose allowedHostPaths shrank after binding does not.
  const refused = hostPathViolations(task.spec, input.node, input.nodeName);
  if (refused.length) return { error: hostPathReason(refused) };
  const env = resolveEnv(task, input.source);
  if ('error' in env) return env;
  const volumes = resolveConfigVolumes(task, input.source);
  if ('error' in volumes) return volumes;
  const ns = task.metadata.namespace ?? 'default';
  const claims = new Map<string, ClaimView>();
  const unboundClaims: string[] = [];
  for (const name of claimNames(task)) {
    const c = input.claims.get(ns, name);
    if (!c) return { error: `persistentvolumeclaim "${name}" not found` };
    if (c.node && c.node !== input.nodeName) return { error: `persistentvolumeclaim "${name}" has its volume on node ${c.node}, not ${input.nodeName}` };
    if (!c.node) unboundClaims.push(name);
    claims.set(name, c);
  }
  // Without the image's user (image not there yet) the check waits for the pass that has it.
  const nonRoot = input.imageUser === undefined && needsImageUser(task) ? undefined : runAsNonRootError(task, input.imageUser);
  if (nonRoot) return { error: nonRoot };
  return { config: { env: env.env, mounts: mountsOf(task, claims, input.nodeName, input.cluster), files: volumes.files, filesHash: volumes.hash, unboundClaims } };
}

/** The claim's view from the object (uid, and the Node in its selected-node annotation). */
export function claimInfo(obj: { metadata: { uid?: string; annotations?: Record<string, string>; deletionTimestamp?: string } }): ClaimInfo {
  return { uid: obj.metadata.uid ?? '', node: obj.metadata.annotations?.[SELECTED_NODE_ANNOTATION] || undefined, ...(obj.metadata.deletionTimestamp ? { deleting: true } : {}) };
}
