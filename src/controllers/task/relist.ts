import { LABELS } from '../../api/types.js';
import type { ContainerInfo } from '../../runtime/runtime.js';

// What a Node's container relist says changed, pure (the kubelet's PLEG idea): one list of a
// Node's okube containers per period, compared with the list before it. A container that
// appeared, went, or changed state names its Task, and only those Tasks are reconciled — the
// safety net for what the Docker events stream can lose (an engine restart forgets its event
// history), at one engine call per Node instead of two per Task.

/** A Node's okube containers as last listed: id → its Task's key and state. */
export type ContainerSnapshot = Map<string, { key: string; state: string }>;

/** The Task key (namespace/name) an okube container's labels name, if they name one. */
export function taskKeyOfLabels(labels: Record<string, string>): string | undefined {
  const ns = labels[LABELS.namespace];
  const name = labels[LABELS.name];
  return ns && name && labels[LABELS.managed] === 'true' ? `${ns}/${name}` : undefined;
}

export function snapshotOf(containers: readonly Pick<ContainerInfo, 'id' | 'labels' | 'status'>[]): ContainerSnapshot {
  const out = new Map<string, { key: string; state: string }>();
  for (const c of containers) {
    const key = taskKeyOfLabels(c.labels);
    if (key) out.set(c.id, { key, state: c.status });
  }
  return out;
}

/** The Tasks whose containers differ between two snapshots; no previous one: none (a first look has nothing to compare). */
export function changedTasks(previous: ContainerSnapshot | undefined, next: ContainerSnapshot): string[] {
  if (!previous) return [];
  const keys = new Set<string>();
  for (const [id, c] of next) if (previous.get(id)?.state !== c.state) keys.add(c.key);
  for (const [id, c] of previous) if (!next.has(id)) keys.add(c.key);
  return [...keys];
}

/** The state a Docker container event leaves its container in (undefined: removed). */
const STATE_AFTER: Record<string, string | undefined> = { create: 'created', start: 'running', die: 'exited', destroy: undefined };

/**
 * A container event the Task controller already reconciles for, written into the snapshot so the
 * next relist does not report it again (only what the events stream missed is a difference).
 */
export function applyEvent(snapshot: ContainerSnapshot, ev: { action: string; containerId: string; labels: Record<string, string> }): void {
  if (!(ev.action in STATE_AFTER)) return;
  const state = STATE_AFTER[ev.action];
  if (state === undefined) return void snapshot.delete(ev.containerId);
  const key = taskKeyOfLabels(ev.labels);
  if (key) snapshot.set(ev.containerId, { key, state });
}
