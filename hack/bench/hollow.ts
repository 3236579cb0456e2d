// Hollow Nodes in the benchmarks: a Node whose dockerHost is tcp://<name>.hollow:2375 (the CRD
// admits only unix:// and tcp://; .hollow resolves nowhere) gets an in-process HollowRuntime.
import type { Node } from '../../src/api/types.js';
import { dockerRuntimeFor, type RuntimeFactory } from '../../src/controllers/node/node-registry.js';
import type { HollowEngines } from '../../src/runtime/hollow-runtime.js';
import type { ContainerSpec } from '../../src/runtime/runtime.js';

export const HOLLOW_HOST = /^tcp:\/\/[^/:]+\.hollow(:\d+)?$/;

export const hollowDockerHost = (name: string) => `tcp://${name}.hollow:2375`;

/** Hollow engines for hollow hosts, real Docker for the rest. */
export function runtimeForHollow(engines: HollowEngines): RuntimeFactory {
  return (node: Node) => (HOLLOW_HOST.test(node.spec.dockerHost) ? engines.get(node.spec.dockerHost) : dockerRuntimeFor(node));
}

/** A simulated process for `sh -c 'sleep S; exit N'`: exits with N after S seconds. */
export function shellLifetime(spec: ContainerSpec): { afterMs: number; exitCode: number } | undefined {
  const script = [...(spec.command ?? []), ...(spec.args ?? [])].join(' ');
  const m = /sleep ([\d.]+); exit (\d+)/.exec(script);
  return m ? { afterMs: Number(m[1]) * 1000, exitCode: Number(m[2]) } : undefined;
}
