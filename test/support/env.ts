import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

// The real test environment that hack/dev-env.sh brings up, as the tests see it.

export interface TestEnv {
  stateDir: string;
  dockerHost: string;
  etcdEndpoints: string[];
  image: string;
  extraDockerHosts: string[];
  extraAddresses: string[];
  /** Engines in their own network namespaces (`dev-env.sh netns-hosts N`), over TCP+TLS. */
  netns: NetnsEngine[];
}

export interface NetnsEngine {
  dockerHost: string;
  address: string;
  /** The network namespace (okns<i>) and the root-side end of its veth (okvh<i>). */
  netns: string;
  link: string;
  /** Where its dockerd writes its pid. */
  pidFile: string;
  tls: { caFile: string; certFile: string; keyFile: string };
}

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function testEnv(): TestEnv {
  const stateDir = process.env.OKUBE_TEST_STATE ?? '/tmp/okube-test';
  const vars: Record<string, string> = {};
  try {
    for (const line of readFileSync(`${stateDir}/env`, 'utf8').split('\n')) {
      const eq = line.indexOf('=');
      if (eq > 0) vars[line.slice(0, eq)] = line.slice(eq + 1);
    }
  } catch {
    // Fall through: process env may carry everything.
  }
  const get = (k: string) => process.env[k] ?? vars[k];
  const dockerHost = get('OKUBE_TEST_DOCKER_HOST');
  if (!dockerHost) {
    throw new Error(`no test environment in ${stateDir}/env: run 'bash hack/dev-env.sh up' (as root) first`);
  }
  return {
    stateDir,
    dockerHost,
    etcdEndpoints: list(get('OKUBE_TEST_ETCD_ENDPOINTS')),
    image: get('OKUBE_TEST_IMAGE') ?? 'okube-test/busybox:latest',
    extraDockerHosts: list(get('OKUBE_TEST_EXTRA_DOCKER_HOSTS')),
    extraAddresses: list(get('OKUBE_TEST_EXTRA_ADDRESSES')),
    netns: netnsEngines(stateDir, get),
  };
}

function netnsEngines(stateDir: string, get: (k: string) => string | undefined): NetnsEngine[] {
  const hosts = list(get('OKUBE_TEST_NETNS_DOCKER_HOSTS'));
  const addrs = list(get('OKUBE_TEST_NETNS_ADDRESSES'));
  const names = list(get('OKUBE_TEST_NETNS_NAMES'));
  const links = list(get('OKUBE_TEST_NETNS_LINKS'));
  const tls = { caFile: get('OKUBE_TEST_NETNS_TLS_CA') ?? '', certFile: get('OKUBE_TEST_NETNS_TLS_CERT') ?? '', keyFile: get('OKUBE_TEST_NETNS_TLS_KEY') ?? '' };
  return hosts.map((dockerHost, i) => ({
    dockerHost,
    address: addrs[i],
    netns: names[i],
    link: links[i],
    pidFile: `${stateDir}/nsdocker-${names[i].replace(/^okns/, '')}/pid`,
    tls,
  }));
}

/** A DNS-1123 name unique to one test, so tests never depend on each other's objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/** The socket path of a unix:// Docker host (dockerode wants a path). */
export function socketPath(dockerHost: string): string {
  return dockerHost.replace(/^unix:\/\//, '');
}
