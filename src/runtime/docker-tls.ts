import type { Node } from '../api/types.js';
import { OkubeError } from '../util/errors.js';
import type { DockerTls } from './docker-runtime.js';

// A Docker engine's TLS client material from a Secret's data (spec.tls.secretName on a Node):
// Docker's own file names (ca.pem, cert.pem, key.pem) and a kubernetes.io/tls Secret's (ca.crt,
// tls.crt, tls.key) both work. The controllers and `okube logs` read the same Secret this way.

const KEYS = { ca: ['ca.pem', 'ca.crt'], cert: ['cert.pem', 'tls.crt'], key: ['key.pem', 'tls.key'] } as const;

/** The Secret's data (base64, as the API returns it) as dockerode's TLS options. */
export function tlsFromSecretData(data: Record<string, string> | undefined, what: string): DockerTls {
  const pick = (names: readonly string[]) => {
    const k = names.find((n) => data?.[n]);
    return k ? Buffer.from(data![k], 'base64') : undefined;
  };
  const tls: DockerTls = { ca: pick(KEYS.ca), cert: pick(KEYS.cert), key: pick(KEYS.key) };
  if (!tls.cert || !tls.key) throw new OkubeError('ConfigError', `${what} has no client certificate and key (cert.pem and key.pem, or tls.crt and tls.key)`);
  return tls;
}

/** How a caller reads a Secret's data; `what` names it for the caller's error. */
export type SecretDataReader = (namespace: string, name: string, what: string) => Promise<Record<string, string> | undefined>;

/** A Node's Docker TLS client material: its files, or the Secret it names (read through `readSecret`). */
export async function nodeTls(node: Node, readSecret: SecretDataReader): Promise<DockerTls | undefined> {
  const t = node.spec.tls;
  if (!t) return undefined;
  if (!t.secretName) return { caFile: t.caFile, certFile: t.certFile, keyFile: t.keyFile };
  const namespace = t.secretNamespace ?? 'default';
  const what = `Secret ${namespace}/${t.secretName} of node ${node.metadata.name}`;
  return tlsFromSecretData(await readSecret(namespace, t.secretName, what), what);
}
