import type { Subscription } from 'rxjs';
import type { Node, NodeSpec } from '../../api/types.js';
import { portRangeOf } from '../../api/host-port-policy.js';
import { DockerRuntime, type DockerTls } from '../../runtime/docker-runtime.js';
import { PortAllocator } from '../../runtime/port-allocator.js';
import type { ContainerInfo, Runtime, RuntimeEvent } from '../../runtime/runtime.js';
import type { TlsMaterial } from './tls-secret.js';
import { nodeAddress } from './node-status.js';

// One Runtime (and port allocator) per Node, shared by every controller in the process, and the
// Docker events of all of them as one callback.

export interface NodeEntry {
  name: string;
  address: string;
  runtime: Runtime;
  ports: PortAllocator;
  /** The Node's host port rule (api/host-port-policy.ts). */
  hostPorts: Pick<NodeSpec, 'portRange' | 'allowHostPortsOutsideRange'>;
  ready: boolean;
  /** The identity of the cluster this process works for (cluster-scope.ts), when known. */
  readonly cluster?: string;
  /**
   * The last successful list of the engine's okube containers (summaries; the Task controller's
   * relist makes it): proof the engine answered at `at`, so the heartbeat needs no ping of its
   * own then, and the orphan sweep's input.
   */
  listed?: { at: number; containers: ContainerInfo[] };
}

/** `tls` is the material from the Node's Secret, when spec.tls names one. */
export type RuntimeFactory = (node: Node, tls?: DockerTls) => Runtime;

export const dockerRuntimeFor: RuntimeFactory = (node, tls) =>
  new DockerRuntime({ dockerHost: node.spec.dockerHost, tls: tls ?? (node.spec.tls ? { caFile: node.spec.tls.caFile, certFile: node.spec.tls.certFile, keyFile: node.spec.tls.keyFile } : undefined) });

export class NodeRegistry {
  /**
   * The cluster's identity, set once at start before any Node is reconciled: every container and
   * volume made through an entry carries it, and the sweeps leave other clusters' alone.
   */
  cluster?: string;
  private readonly entries = new Map<string, NodeEntry & { key: string; events?: Subscription }>();

  constructor(
    private readonly makeRuntime: RuntimeFactory = dockerRuntimeFor,
    private readonly onEvent: (node: string, ev: RuntimeEvent) => void = () => undefined,
  ) {}

  get(name: string): NodeEntry | undefined {
    return this.entries.get(name);
  }

  all(): NodeEntry[] {
    return [...this.entries.values()];
  }

  /** The entry for a Node, (re)connected when its Docker host or TLS changed. */
  ensure(node: Node, secret?: TlsMaterial): NodeEntry {
    const name = node.metadata.name!;
    const key = JSON.stringify([node.spec.dockerHost, node.spec.tls ?? null, secret?.version ?? null, node.spec.portRange ?? null, node.spec.allowHostPortsOutsideRange ?? false, nodeAddress(node)]);
    const existing = this.entries.get(name);
    if (existing && existing.key === key) return existing;
    if (existing) this.remove(name);
    const runtime = this.makeRuntime(node, secret?.tls);
    const range = portRangeOf(node.spec);
    const address = nodeAddress(node);
    // Read through, not copied: an entry made before the identity was known labels with it once it is.
    const registry = this; // eslint-disable-line @typescript-eslint/no-this-alias
    const entry: NodeEntry & { key: string; events?: Subscription } = { name, address, runtime, ports: new PortAllocator(range, `node ${name} (${address})`), hostPorts: { portRange: range, allowHostPortsOutsideRange: node.spec.allowHostPortsOutsideRange }, ready: false, get cluster() { return registry.cluster; }, key };
    entry.events = runtime.events().subscribe({ next: (ev) => this.onEvent(name, ev), error: () => undefined });
    this.entries.set(name, entry);
    return entry;
  }

  remove(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    e.events?.unsubscribe();
    void e.runtime.close();
    this.entries.delete(name);
  }

  close(): void {
    for (const name of [...this.entries.keys()]) this.remove(name);
  }
}
