import { posix } from 'node:path';
import type { NodeSpec, TaskSpec } from './types.js';

// Which hostPath volumes a Node lets a Task mount: only paths equal to or under one of the Node's
// spec.allowedHostPaths (none by default), read-only where the entry says so. One pure rule for
// the two places that enforce it: the API server's admission of a Task that names its Node, and
// the scheduler, which never binds a Task to a Node that would refuse it.

export interface HostPathCause {
  field: string;
  message: string;
}

function under(path: string, prefix: string): boolean {
  const p = posix.normalize(path);
  const pre = posix.normalize(prefix).replace(/\/+$/, '') || '/';
  return p === pre || pre === '/' || p.startsWith(`${pre}/`);
}

/** Every hostPath volume of the spec the Node does not allow, with the field to name in a 422. */
export function hostPathViolations(spec: TaskSpec, node: Pick<NodeSpec, 'allowedHostPaths'> | undefined, nodeName: string): HostPathCause[] {
  const allowed = node?.allowedHostPaths ?? [];
  const out: HostPathCause[] = [];
  (spec.volumes ?? []).forEach((v, i) => {
    if (!v.hostPath) return;
    const field = `spec.volumes[${i}].hostPath.path`;
    const path = v.hostPath.path;
    const list = allowed.map((a) => a.pathPrefix).join(', ') || 'none';
    if (path.split('/').includes('..')) {
      out.push({ field, message: `Invalid value: ${JSON.stringify(path)}: may not contain '..'` });
      return;
    }
    const matches = allowed.filter((a) => under(path, a.pathPrefix));
    if (!matches.length) {
      out.push({ field, message: `Forbidden: ${path} is not under node ${nodeName}'s spec.allowedHostPaths (${list})` });
      return;
    }
    const writable = matches.some((a) => !a.readOnly);
    const mounts = (spec.volumeMounts ?? []).filter((m) => m.name === v.name);
    if (!writable && mounts.some((m) => !m.readOnly)) out.push({ field, message: `Forbidden: ${path} is allowed read-only on node ${nodeName}: its volumeMounts must set readOnly: true` });
  });
  return out;
}

/** The scheduler's one-line reason for a Node that refuses the Task's hostPaths. */
export function hostPathReason(causes: HostPathCause[]): string {
  return causes.map((c) => `${c.field}: ${c.message}`).join('; ');
}
