import type { Task } from '../../api/types.js';
import type { ContainerSecurity } from '../../runtime/runtime.js';

// A Task's securityContext and okube's safe defaults as Docker settings. Every container gets
// no-new-privileges (unless allowPrivilegeEscalation: true), a PIDs limit (so a fork bomb stays
// inside its container) and json-file log rotation (so a chatty Task cannot fill the host's
// disk); privileged mode, host namespaces and devices are never set (the CRD refuses them).
// runAsNonRoot is checked against the user the container would run as (runAsUser, else the
// image's), with the kubelet's messages, before any container is created.

/** Processes (threads included) one container may have: Docker's --pids-limit. */
export const DEFAULT_PIDS_LIMIT = 1024;
/** json-file rotation, as the kubelet's containerLogMaxSize (10Mi) and containerLogMaxFiles (5). */
export const LOG_MAX_SIZE = '10m';
export const LOG_MAX_FILE = '5';

export function securityOf(task: Task): ContainerSecurity {
  const sc = task.spec.securityContext ?? {};
  const out: ContainerSecurity = {
    securityOpt: sc.allowPrivilegeEscalation === true ? [] : ['no-new-privileges'],
    pidsLimit: DEFAULT_PIDS_LIMIT,
    log: { type: 'json-file', config: { 'max-size': LOG_MAX_SIZE, 'max-file': LOG_MAX_FILE } },
  };
  if (sc.runAsUser !== undefined) out.user = sc.runAsGroup !== undefined ? `${sc.runAsUser}:${sc.runAsGroup}` : String(sc.runAsUser);
  if (sc.readOnlyRootFilesystem) out.readOnlyRootfs = true;
  if (sc.capabilities?.add?.length) out.capAdd = [...sc.capabilities.add];
  if (sc.capabilities?.drop?.length) out.capDrop = [...sc.capabilities.drop];
  return out;
}

/** Whether the check needs the image's configured user (runAsNonRoot without runAsUser). */
export function needsImageUser(task: Task): boolean {
  const sc = task.spec.securityContext;
  return Boolean(sc?.runAsNonRoot) && sc?.runAsUser === undefined;
}

/**
 * The CreateContainerConfigError message when runAsNonRoot cannot hold, else undefined.
 * imageUser is the image's Config.User ("" = root; "name", "uid", "uid:gid", "name:group").
 */
export function runAsNonRootError(task: Task, imageUser: string | undefined): string | undefined {
  const sc = task.spec.securityContext;
  if (!sc?.runAsNonRoot) return undefined;
  if (sc.runAsUser !== undefined) return sc.runAsUser === 0 ? 'container has runAsNonRoot and runAsUser is 0 (root)' : undefined;
  const user = (imageUser ?? '').split(':')[0];
  if (user === '' || user === 'root') return 'container has runAsNonRoot and image will run as root';
  if (!/^\d+$/.test(user)) return `container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root`;
  return Number(user) === 0 ? 'container has runAsNonRoot and image will run as root' : undefined;
}
