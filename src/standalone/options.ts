import { fileURLToPath } from 'node:url';

// What `okube up`'s system is started with, shared by its light half (standalone.ts: data dir,
// checks, embedded etcd) and its heavy half (control-plane.ts, loaded while etcd starts).

export interface StandaloneOptions {
  dataDir: string;
  listen: { host: string; port: number };
  etcdEndpoints?: string[];
  /** TLS for the external etcd (--etcd-cafile/--etcd-certfile/--etcd-keyfile). */
  etcdTls?: { caPem: string; certPem?: string; keyPem?: string };
  dockerHost: string;
  kubeconfigPath: string;
  /** How long the readiness summary waits for the local Node to be Ready (default 15 s). */
  nodeReadyTimeoutMs?: number;
  /** Name of the Node the local engine is registered as (default "local"). */
  nodeName?: string;
  /**
   * The HAProxy data plane for TaskServices (default on): where frontends listen and the range
   * their ports are allocated from; false: none (`--no-proxy`).
   */
  proxy?: false | { bindAddress: string; portRange: { start: number; end: number }; onAnswer?: (line: string) => void };
  /** Aborted (Ctrl-C during start-up): start-up stops at the next step and undoes what it did. */
  signal?: AbortSignal;
}

export const CRD_DIR = fileURLToPath(new URL('../../crds', import.meta.url));

/** Frontend ports of TaskServices that ask for none (apart from the Node's host-port range 30000-32767). */
export const DEFAULT_PROXY_PORT_RANGE = { start: 18000, end: 18999 };
