import type { DesiredServer } from './plan.js';
import type { CurrentServer } from './runtime-state.js';

// Current servers of one backend vs its desired endpoints → Runtime API commands, pure. Order
// matters per server: a new server is added (HAProxy adds it in maintenance) and enabled only
// if ready; a ready one that turns unready is drained (no new connections, established ones
// finish); one that leaves the slice goes to maintenance, then is deleted (HAProxy refuses while
// connections remain; the next sync retries).

export function diffBackend(backend: string, current: CurrentServer[], desired: DesiredServer[]): string[] {
  const cmds: string[] = [];
  const have = new Map(current.map((s) => [s.name, s]));
  const want = new Map(desired.map((s) => [s.name, s]));
  for (const s of current) {
    if (want.has(s.name)) continue;
    const ref = `${backend}/${s.name}`;
    if (s.state !== 'maint') cmds.push(`set server ${ref} state maint`);
    cmds.push(`del server ${ref}`);
  }
  for (const d of desired) {
    const ref = `${backend}/${d.name}`;
    const c = have.get(d.name);
    if (!c) {
      cmds.push(`add server ${ref} ${d.address}:${d.port}`);
      if (d.ready) cmds.push(`enable server ${ref}`);
      continue;
    }
    if (c.address !== d.address || c.port !== d.port) cmds.push(`set server ${ref} addr ${d.address} port ${d.port}`);
    if (d.ready && c.state !== 'ready') cmds.push(`set server ${ref} state ready`);
    else if (!d.ready && c.state === 'ready') cmds.push(`set server ${ref} state drain`);
  }
  return cmds;
}
