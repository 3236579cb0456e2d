import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Node } from '../../src/api/types.js';
import { DockerRuntime } from '../../src/runtime/docker-runtime.js';
import type { NetnsEngine } from './env.js';

// The Docker engines of `hack/dev-env.sh netns-hosts N` as tests use them: each in its own network
// namespace, reached only over TCP+TLS at its address. A test may cut an engine's link (the
// root-side veth) or kill its dockerd; restoreNetnsEngines() puts both back the way CI brings them up.

const run = promisify(execFile);
const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A Runtime on the engine, through its TLS client certificate (as the controllers connect). */
export function netnsRuntime(e: NetnsEngine): DockerRuntime {
  return new DockerRuntime({ dockerHost: e.dockerHost, tls: e.tls, timeoutMs: 10_000 });
}

/** A Node object for the engine, with TLS files, its address, a port range and labels. */
export function netnsNode(name: string, e: NetnsEngine, portRange: { start: number; end: number }, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'okube.dev/v1alpha1',
    kind: 'Node',
    metadata: { name, labels },
    spec: { dockerHost: e.dockerHost, address: e.address, tls: { ...e.tls }, portRange },
  };
}

/** Runs a command inside the engine's network namespace (not the controllers' one). */
export async function inNetns(e: NetnsEngine, argv: string[]): Promise<string> {
  const { stdout } = await run('nsenter', [`--net=/run/netns/${e.netns}`, ...argv]);
  return stdout;
}

/** Cuts the engine off: its veth goes (both ends), the engine and its containers keep running. */
export async function cutLink(e: NetnsEngine): Promise<void> {
  await run('ip', ['link', 'del', e.link]);
}

/** Links and engines back as `hack/dev-env.sh netns-hosts N` makes them (only what is missing). */
export async function restoreNetnsEngines(n: number): Promise<void> {
  await run('bash', [`${REPO_ROOT}/hack/dev-env.sh`, 'netns-hosts', String(n)], { timeout: 120_000 });
}
