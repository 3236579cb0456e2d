import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { loadKubeYaml } from '../util/kube-yaml.js';
import { OkubeError } from '../util/errors.js';
import type { RequestContext } from './request-context.js';
import { authorizerVerb } from './auth/attributes.js';
import { makeDirs } from '../util/make-dirs.js';

// kube-apiserver's audit log, simplified: one audit.k8s.io/v1 Event per request as a JSON line at
// stage ResponseComplete, for requests a policy gives a level other than None; a file with
// size-based rotation (--audit-log-maxsize MB, --audit-log-maxbackup files) or `-` for stdout.
// The policy is kube's audit.k8s.io/v1 Policy format: rules tried in order (level, users,
// userGroups, verbs, resources [{group, resources}], namespaces, nonResourceURLs), the first match
// sets the level; no match is None. Levels Request and RequestResponse are recorded as Metadata
// (okube does not keep request or response bodies in the log).

export type AuditLevel = 'None' | 'Metadata' | 'Request' | 'RequestResponse';

export interface AuditRule {
  level: AuditLevel;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: Array<{ group?: string; resources?: string[] }>;
  namespaces?: string[];
  nonResourceURLs?: string[];
}

export interface AuditPolicy { rules: AuditRule[] }

/** Metadata for everything but the health and readiness probes. */
export const DEFAULT_AUDIT_POLICY: AuditPolicy = {
  rules: [
    { level: 'None', nonResourceURLs: ['/healthz*', '/livez*', '/readyz*', '/version'] },
    { level: 'Metadata' },
  ],
};

const LEVELS = new Set(['None', 'Metadata', 'Request', 'RequestResponse']);

export function parseAuditPolicy(text: string, file = 'audit policy'): AuditPolicy {
  let doc: unknown;
  try {
    doc = loadKubeYaml(text);
  } catch (err) {
    throw new OkubeError('ConfigError', `${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const rules = (doc as { rules?: unknown })?.rules;
  if (!Array.isArray(rules)) throw new OkubeError('ConfigError', `${file}: expected an audit.k8s.io/v1 Policy with rules`);
  rules.forEach((r: { level?: unknown }, i) => {
    if (!LEVELS.has(String(r?.level))) throw new OkubeError('ConfigError', `${file}: rules[${i}].level must be None, Metadata, Request or RequestResponse`);
  });
  return { rules: rules as AuditRule[] };
}

const urlMatch = (patterns: string[], path: string) => patterns.some((p) => p === '*' || p === path || (p.endsWith('*') && path.startsWith(p.slice(0, -1))));

/** The level the first matching rule gives (pure). */
export function auditLevel(policy: AuditPolicy, e: { user: string; groups: string[]; verb: string; resourceRequest: boolean; group: string; resource: string; subresource: string; namespace: string; path: string }): AuditLevel {
  for (const r of policy.rules) {
    if (r.users?.length && !r.users.includes(e.user)) continue;
    if (r.userGroups?.length && !r.userGroups.some((g) => e.groups.includes(g))) continue;
    if (r.verbs?.length && !r.verbs.includes(e.verb)) continue;
    if (r.nonResourceURLs?.length && (e.resourceRequest || !urlMatch(r.nonResourceURLs, e.path))) continue;
    if (r.resources?.length || r.namespaces?.length) {
      if (!e.resourceRequest) continue;
      if (r.namespaces?.length && !r.namespaces.includes(e.namespace)) continue;
      const full = e.subresource ? `${e.resource}/${e.subresource}` : e.resource;
      if (r.resources?.length && !r.resources.some((g) => (g.group ?? '') === e.group && (!g.resources?.length || g.resources.some((x) => x === full || x === e.resource || x === '*' || (x === `*/${e.subresource}` && e.subresource))))) continue;
    }
    return r.level;
  }
  return 'None';
}

export interface AuditOptions {
  /** A file, or `-` for stdout. */
  path: string;
  policy?: AuditPolicy;
  /** Rotate when the file reaches this size (default 100 MiB). */
  maxSizeBytes?: number;
  /** Rotated files kept (path.1 … path.N; default 5). */
  maxBackups?: number;
}

// The file is written synchronously, one write per record, as kube-apiserver's blocking backend
// does: with an asynchronous stream a rotation could rename the file before the stream had even
// opened it, and the old stream then created a new file beside the new one.
export class AuditLog {
  /** The open file (undefined: stdout, or closed). */
  private fd: number | undefined;
  private size = 0;
  private readonly policy: AuditPolicy;
  private readonly maxSize: number;
  private readonly maxBackups: number;

  constructor(private readonly opts: AuditOptions) {
    this.policy = opts.policy ?? DEFAULT_AUDIT_POLICY;
    this.maxSize = opts.maxSizeBytes ?? 100 * 1024 * 1024;
    this.maxBackups = opts.maxBackups ?? 5;
    this.open();
  }

  private open(): void {
    if (this.opts.path === '-') return;
    makeDirs(dirname(this.opts.path), 0o700);
    this.fd = openSync(this.opts.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const p = this.opts.path;
    rmSync(`${p}.${this.maxBackups}`, { force: true });
    for (let i = this.maxBackups - 1; i >= 1; i--) if (existsSync(`${p}.${i}`)) renameSync(`${p}.${i}`, `${p}.${i + 1}`);
    if (this.maxBackups === 0) rmSync(p, { force: true });
    else if (existsSync(p)) renameSync(p, `${p}.1`);
    this.open();
  }

  /** Records a finished request when the policy asks for it. */
  record(ctx: RequestContext, auditId: string, code: number, received: Date): void {
    const user = ctx.impersonatedBy ?? ctx.user;
    if (!user) return;
    const info = ctx.parsed.info;
    const verb = authorizerVerb(ctx.parsed, ctx.method);
    const resourceRequest = info.resource !== '';
    const level = auditLevel(this.policy, { user: user.name, groups: user.groups, verb, resourceRequest, group: info.group, resource: info.resource, subresource: info.subresource, namespace: info.namespace ?? '', path: ctx.parsed.path });
    if (level === 'None') return;
    const event = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      auditID: auditId,
      stage: 'ResponseComplete',
      requestURI: ctx.req.url ?? '/',
      verb,
      user: { username: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}) },
      ...(ctx.impersonatedBy && ctx.user ? { impersonatedUser: { username: ctx.user.name, groups: ctx.user.groups } } : {}),
      sourceIPs: [ctx.req.socket?.remoteAddress ?? ''],
      userAgent: String(ctx.req.headers['user-agent'] ?? ''),
      ...(resourceRequest ? { objectRef: { resource: info.resource, ...(info.namespace ? { namespace: info.namespace } : {}), ...(info.name ? { name: info.name } : {}), apiGroup: info.group, apiVersion: info.version, ...(info.subresource ? { subresource: info.subresource } : {}) } } : {}),
      responseStatus: { metadata: {}, code },
      requestReceivedTimestamp: received.toISOString(),
      stageTimestamp: new Date().toISOString(),
      annotations: { 'authorization.k8s.io/decision': code === 403 ? 'forbid' : 'allow' },
    };
    const line = JSON.stringify(event) + '\n';
    if (this.opts.path !== '-' && this.size + line.length > this.maxSize && this.size > 0) this.rotate();
    this.size += Buffer.byteLength(line);
    if (this.opts.path === '-') process.stdout.write(line);
    else if (this.fd !== undefined) writeSync(this.fd, line);
  }

  close(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return Promise.resolve();
  }
}

export function readAuditPolicy(file: string): AuditPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new OkubeError('ConfigError', `--audit-policy-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseAuditPolicy(text, file);
}
