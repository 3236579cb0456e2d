import { KubeConfig } from '@kubernetes/client-node';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { OkubeError } from '../util/errors.js';
import { reuseConnections } from './connection-pool.js';

// Where controllers find the API: explicit server/token/CA, a kubeconfig file ($KUBECONFIG or
// ~/.kube/config), or in-cluster (a Pod's service account). client-node's own fallback chain ends
// in http://localhost:8080 when nothing is found; a controller must fail loudly instead.

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeConfigSource {
  kubeconfig?: string;
  server?: string;
  token?: string;
  tokenFile?: string;
  certificateAuthority?: string;
  caPem?: string;
  /** Defaults to process.env (tests pass their own). */
  env?: NodeJS.ProcessEnv;
  /** Where a Pod's token and ca.crt are mounted; tests point it elsewhere. */
  serviceAccountDir?: string;
}

/** The in-cluster API address from the variables Kubernetes sets in every Pod, or undefined. */
export function inClusterServer(env: NodeJS.ProcessEnv): string | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return undefined;
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The API connection for okube's clients: every call through it reuses keep-alive connections. */
export function loadKubeConfig(src: KubeConfigSource = {}): KubeConfig {
  return reuseConnections(load(src));
}

/** Who a client is, as the API server sees it. */
export interface ClientIdentity {
  /** First in the User-Agent: the API server's field manager for requests that name none. */
  program: string;
  /** The part of the program that calls (the User-Agent's comment), e.g. "scheduler". */
  component?: string;
  /** Sent as ?fieldManager= on every write that does not set one. */
  fieldManager?: string;
}

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** kube-style: `okube-controllers/0.1.0 (linux/x64) scheduler`. */
export function userAgent(id: ClientIdentity): string {
  return `${id.program}/${VERSION} (${process.platform}/${process.arch})${id.component ? ` ${id.component}` : ''}`;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

interface RequestContextLike {
  getHttpMethod(): string;
  getUrl(): string;
  setQueryParam(name: string, value: string): void;
}

/**
 * `kc` for one client identity: every request made through it (API clients from makeApiClient,
 * watches) carries the User-Agent, and every write the field manager, so the API server's
 * managedFields say which controller set what. The connection and credentials stay `kc`'s.
 */
export function withIdentity(kc: KubeConfig, id: ClientIdentity): KubeConfig {
  const ua = userAgent(id);
  const out = Object.create(kc) as KubeConfig;
  // applyOptions (private in the typings) is where client-node sets headers for every request kind.
  const hooks = out as unknown as { applyOptions(opts: { headers?: Record<string, unknown> }): Promise<void> };
  const applyOptions = hooks.applyOptions.bind(out);
  const applySecurity = kc.applySecurityAuthentication.bind(out);
  hooks.applyOptions = async (opts) => {
    await applyOptions(opts);
    opts.headers = { ...opts.headers, 'User-Agent': ua };
  };
  out.applySecurityAuthentication = async (context) => {
    await applySecurity(context);
    const c = context as unknown as RequestContextLike;
    if (id.fieldManager && WRITES.has(String(c.getHttpMethod()).toUpperCase()) && !new URL(c.getUrl()).searchParams.has('fieldManager')) {
      c.setQueryParam('fieldManager', id.fieldManager);
    }
  };
  return out;
}

function load(src: KubeConfigSource): KubeConfig {
  const kc = new KubeConfig();
  if (src.server) {
    const token = src.token ?? (src.tokenFile ? readFileSync(src.tokenFile, 'utf8').trim() : undefined);
    const ca = src.caPem ?? (src.certificateAuthority ? readFileSync(src.certificateAuthority, 'utf8') : undefined);
    kc.loadFromOptions({
      clusters: [{ name: 'okube', server: src.server, caData: ca ? Buffer.from(ca).toString('base64') : undefined, skipTLSVerify: false }],
      users: [{ name: 'okube', token }],
      contexts: [{ name: 'okube', cluster: 'okube', user: 'okube' }],
      currentContext: 'okube',
    });
    return kc;
  }
  const env = src.env ?? process.env;
  const home = join(homedir(), '.kube', 'config');
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  const files = src.kubeconfig ? [src.kubeconfig] : fromEnv.length ? fromEnv : existsSync(home) ? [home] : [];
  if (!files.length) return inClusterConfig(env, src.serviceAccountDir ?? SERVICE_ACCOUNT_DIR);
  try {
    kc.loadFromFile(files[0]);
    // Several $KUBECONFIG files merge like kubectl's: the first one's current context wins.
    for (const f of files.slice(1)) {
      const more = new KubeConfig();
      more.loadFromFile(f);
      kc.mergeConfig(more, true);
    }
  } catch (err) {
    throw new OkubeError('ConfigError', `cannot read kubeconfig ${files.join(delimiter)}: ${(err as Error).message}`);
  }
  if (!kc.getCurrentCluster()) throw new OkubeError('ConfigError', `kubeconfig ${files.join(delimiter)} has no current cluster`);
  return kc;
}

function inClusterConfig(env: NodeJS.ProcessEnv, dir: string): KubeConfig {
  const server = inClusterServer(env);
  const tokenFile = join(dir, 'token');
  const caFile = join(dir, 'ca.crt');
  if (!server) throw new OkubeError('ConfigError', 'no kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config) and not in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)');
  for (const f of [tokenFile, caFile]) {
    if (!existsSync(f)) throw new OkubeError('ConfigError', `in-cluster config: ${f} is missing (is a service account token mounted?)`);
  }
  const kc = new KubeConfig();
  // The token is read through client-node's tokenFile provider, which re-reads the file, so the
  // kubelet's rotation of projected service-account tokens is picked up.
  kc.loadFromClusterAndUser(
    { name: 'in-cluster', server, caFile, skipTLSVerify: false },
    { name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } },
  );
  return kc;
}
