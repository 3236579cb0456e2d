import { existsSync, readFileSync } from 'node:fs';
import { Agent, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { PinningAgent, ServerCertPins } from './server-cert-pins.js';

// The API server a client command talks to, read from a kubeconfig without
// @kubernetes/client-node: loading client-node costs about a second of CPU, most of a client
// command's run. Only the common case is read here — one kubeconfig file whose context names a
// cluster and user with static credentials (server, CA, bearer token, client certificate) —
// and it must mean exactly what client-node makes of it. Anything else (several $KUBECONFIG files,
// exec or auth-provider plugins, basic auth, proxies, a missing entry, a parse error, in-cluster
// config) returns undefined and the caller goes through client-node (kubeconfig-full.ts), whose
// behaviour and error messages stay the reference.

/** Where requests go and how they authenticate. */
export interface ApiTarget {
  server: string;
  /** The context's namespace, when it sets one. */
  namespace?: string;
  /**
   * What tells this server from another that later answers at the same URL (a cluster recreated
   * on the same port): its CA, when the kubeconfig names one. Keys the discovery cache.
   */
  identity?: string;
  /** Adds TLS settings, an agent and credentials to a request's options. */
  apply(opts: RequestOptions): Promise<void>;
}

export interface KubeconfigChoice {
  kubeconfig?: string;
  context?: string;
}

const CLUSTER_KEYS = new Set(['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name']);
const USER_KEYS = new Set(['token', 'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data']);
const CONTEXT_KEYS = new Set(['cluster', 'user', 'namespace']);

type Entry = Record<string, unknown>;

/** The one kubeconfig file kubectl would read, or undefined when it would read several or none. */
function singleFile(choice: KubeconfigChoice, env: NodeJS.ProcessEnv, home: string): string | undefined {
  if (choice.kubeconfig) return choice.kubeconfig;
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  if (fromEnv.length) return fromEnv.length === 1 ? fromEnv[0] : undefined;
  const file = join(home, '.kube', 'config');
  return existsSync(file) ? file : undefined;
}

/** `list`'s entry named `name`, holding only `allowed` keys under `field` (a plain object), else undefined. */
function entry(list: unknown, name: unknown, field: string, allowed: Set<string>): Entry | undefined {
  if (!Array.isArray(list) || typeof name !== 'string' || !name) return undefined;
  const found = (list as Entry[]).filter((e) => e && typeof e === 'object' && e.name === name);
  if (found.length !== 1) return undefined;
  const body = found[0][field] ?? {};
  if (typeof body !== 'object' || Array.isArray(body) || body === null) return undefined;
  if (!Object.keys(body).every((k) => allowed.has(k))) return undefined;
  if (!Object.values(body).every((v) => typeof v === 'string' || typeof v === 'boolean')) return undefined;
  return body as Entry;
}

/** Inline base64 data, else the file (relative to the kubeconfig's folder), else undefined. */
function material(base: string, file: unknown, data: unknown): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) return readFileSync(resolve(base, file));
  return undefined;
}

/** The target of a kubeconfig with static credentials, or undefined when client-node must read it. */
export function staticTarget(choice: KubeconfigChoice, env: NodeJS.ProcessEnv = process.env, home = homedir()): ApiTarget | undefined {
  const file = singleFile(choice, env, home);
  if (!file) return undefined;
  let doc: Entry;
  try {
    doc = yaml.load(readFileSync(file, 'utf8')) as Entry;
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  const context = entry(doc.contexts, choice.context || doc['current-context'], 'context', CONTEXT_KEYS);
  if (!context) return undefined;
  const cluster = entry(doc.clusters, context.cluster, 'cluster', CLUSTER_KEYS);
  const user = entry(doc.users, context.user, 'user', USER_KEYS);
  if (!cluster || !user || typeof cluster.server !== 'string' || !cluster.server.startsWith('https://')) return undefined;

  const base = dirname(resolve(file));
  let tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  try {
    tls = {
      ca: material(base, cluster['certificate-authority'], cluster['certificate-authority-data']),
      cert: material(base, user['client-certificate'], user['client-certificate-data']),
      key: material(base, user['client-key'], user['client-key-data']),
    };
  } catch {
    return undefined; // an unreadable file: client-node's error message says which
  }
  const skipVerify = cluster['insecure-skip-tls-verify'] === true;
  const servername = typeof cluster['tls-server-name'] === 'string' ? cluster['tls-server-name'] : undefined;
  const token = typeof user.token === 'string' && user.token ? user.token : undefined;
  const agentOpts = { keepAlive: true, ...tls, servername, ...(skipVerify ? { rejectUnauthorized: false } : {}) };
  // With a CA to verify against, the certificate it verified is recorded and trusted next time
  // without building Node's root store (server-cert-pins.ts).
  const checkName = servername ?? new URL(cluster.server).hostname.replace(/^\[|\]$/g, '');
  const agent =
    tls.ca && !skipVerify ? new PinningAgent({ ...agentOpts, ca: tls.ca, checkName, pins: ServerCertPins.forTarget(cluster.server, servername ?? '', tls.ca, env) }) : new Agent(agentOpts);
  return {
    server: cluster.server,
    namespace: typeof context.namespace === 'string' && context.namespace ? context.namespace : undefined,
    identity: tls.ca?.toString('base64'),
    async apply(opts) {
      Object.assign(opts, tls, { agent });
      if (servername) opts.servername = servername;
      if (skipVerify) opts.rejectUnauthorized = false;
      if (token) opts.headers = { ...(opts.headers as Record<string, string>), Authorization: `Bearer ${token}` };
    },
  };
}
