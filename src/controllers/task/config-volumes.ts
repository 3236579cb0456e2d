import { createHash } from 'node:crypto';
import type { Task, Volume } from '../../api/types.js';
import { notFound, type ConfigSource } from './config-source.js';

// The files of a Task's secret and configMap volumes, as the kubelet lays them out: every key at
// its own name (or only `items`, each at its path), with defaultMode (0644) or the item's mode.
// Pure: the controller writes them into the volume (volume-files.ts) before the container starts
// and again whenever the object changes. A missing required object or key blocks the container
// with CreateContainerConfigError and a message naming it; an optional one gives an empty volume.

export interface VolumeFile {
  /** Relative path inside the volume. */
  path: string;
  content: Buffer;
  mode: number;
}

export type ConfigVolumes = { files: Map<string, VolumeFile[]>; hash: string } | { error: string };

/** A secret or configMap volume. */
export function isConfigVolume(v: Volume): boolean {
  return Boolean(v.secret || v.configMap);
}

const DEFAULT_MODE = 0o644;

function safePath(p: string): boolean {
  return p.length > 0 && !p.startsWith('/') && !p.split('/').includes('..');
}

export function resolveConfigVolumes(task: Task, source: ConfigSource): ConfigVolumes {
  const ns = task.metadata.namespace ?? 'default';
  const files = new Map<string, VolumeFile[]>();
  for (const v of task.spec.volumes ?? []) {
    const src = v.secret ?? v.configMap;
    if (!src) continue;
    const kind = v.secret ? 'Secret' : 'ConfigMap';
    const name = (v.secret ? v.secret.secretName : v.configMap!.name) ?? '';
    const mode = src.defaultMode ?? DEFAULT_MODE;
    const data = source.get(kind, ns, name);
    if (!data) {
      if (src.optional) {
        files.set(v.name, []);
        continue;
      }
      return { error: `${notFound(kind, name)} (volume ${v.name})` };
    }
    const out: VolumeFile[] = [];
    const items = src.items ?? [...data.keys()].sort().map((key) => ({ key, path: key, mode: undefined as number | undefined }));
    for (const item of items) {
      const content = data.get(item.key);
      if (content === undefined) {
        if (src.optional) continue;
        return { error: `couldn't find key ${item.key} in ${kind} ${ns}/${name} (volume ${v.name})` };
      }
      if (!safePath(item.path)) return { error: `volume ${v.name}: path ${JSON.stringify(item.path)} of key ${item.key} must be relative and may not contain '..'` };
      out.push({ path: item.path, content, mode: item.mode ?? mode });
    }
    files.set(v.name, out);
  }
  const h = createHash('sha256');
  for (const [name, list] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    h.update(name).update('\0');
    for (const f of list) h.update(f.path).update('\0').update(String(f.mode)).update('\0').update(f.content).update('\0');
  }
  return { files, hash: h.digest('hex').slice(0, 16) };
}
