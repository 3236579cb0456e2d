// Parsing of HAProxy Runtime API answers, pure: `show servers state` (what servers a backend has
// and in which administrative state) and whether a command's answer means success.

export type ServerAdminState = 'ready' | 'drain' | 'maint';

export interface CurrentServer {
  backend: string;
  name: string;
  address: string;
  port: number;
  state: ServerAdminState;
}

// srv_admin_state bits (HAProxy include/haproxy/server-t.h).
// CMAINT (0x04, `disabled` in the config) stays set after `state ready`; FMAINT (0x01) goes with it.
const MAINT = 0x01 | 0x02 | 0x20 | 0x40;
const DRAIN = 0x08 | 0x10;

/** The backend names of `show backend` (a `# name` header, then one per line). */
export function parseBackendNames(text: string): Set<string> {
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')));
}

/** Parses `show servers state [backend]` (format version 1) into servers. */
export function parseServersState(text: string): CurrentServer[] {
  const lines = text.split('\n').map((l) => l.trim());
  const header = lines.find((l) => l.startsWith('# be_id'));
  if (!header) return [];
  const cols = header.slice(2).split(/\s+/);
  const at = (name: string) => cols.indexOf(name);
  const out: CurrentServer[] = [];
  for (const line of lines) {
    if (!line || line.startsWith('#') || /^\d+$/.test(line)) continue;
    const f = line.split(/\s+/);
    if (f.length < cols.length - 2) continue;
    const admin = Number(f[at('srv_admin_state')]);
    const weight = Number(f[at('srv_uweight')]);
    const state: ServerAdminState = admin & MAINT ? 'maint' : admin & DRAIN || weight === 0 ? 'drain' : 'ready';
    out.push({ backend: f[at('be_name')]!, name: f[at('srv_name')]!, address: f[at('srv_addr')]!, port: Number(f[at('srv_port')]), state });
  }
  return out;
}

/**
 * Whether a command's answer means it worked. HAProxy answers set/enable/disable with nothing on
 * success; add/del/addr with a fixed sentence; anything else is an error message.
 */
export function answerOk(command: string, answer: string): boolean {
  const a = answer.trim();
  if (command.startsWith('add server')) return /New server registered/i.test(a);
  if (command.startsWith('del server')) return /Server deleted/i.test(a);
  if (/^set server \S+ addr /.test(command)) return a === '' || /changed from|no need to change/i.test(a);
  return a === '';
}

/** Sessions (current + queued) per server name from `show stat <backend> 4 -1` (CSV, header `# pxname,svname,qcur,qmax,scur,…`). */
export function parseServerSessions(text: string): Map<string, number> {
  const lines = text.split('\n').map((l) => l.trim());
  const header = lines.find((l) => l.startsWith('# pxname'));
  const out = new Map<string, number>();
  if (!header) return out;
  const cols = header.slice(2).split(',');
  const name = cols.indexOf('svname');
  const scur = cols.indexOf('scur');
  const qcur = cols.indexOf('qcur');
  for (const line of lines) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(',');
    const sv = f[name];
    if (!sv || sv === 'BACKEND' || sv === 'FRONTEND') continue;
    out.set(sv, (Number(f[scur]) || 0) + (Number(f[qcur]) || 0));
  }
  return out;
}
