import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

// client-node 1.x builds a new https.Agent for every API call, so each call opens a new TCP
// connection and does a full TLS handshake — CPU on both ends, and a socket per request. This
// keeps one keep-alive agent per distinct TLS identity (server, CA, client cert, verification)
// and hands it back to every call, like client-go's shared transport.
//
// The lookup runs on every request, so it must be cheap: the cluster is matched by object
// identity (client-node hands back the same object each call) and the options by value, a
// Buffer by a byte compare (client-node decodes the CA and client cert afresh per call, so
// identity would never match; hashing them cost ~2.5 % of the controllers' CPU at 10,000 Tasks).
// A rotated certificate differs in its bytes, so it gets an agent of its own.

type CreateAgent = (cluster: unknown, agentOptions: Record<string, unknown>) => Agent;

/** Bounded: a rotating client certificate must not grow the pool without end. */
const MAX_AGENTS = 8;

interface Pooled {
  cluster: unknown;
  options: Record<string, unknown>;
  agent: Agent;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  // Rare (an array of CAs): compared by content, Buffers included.
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The same options: the same keys with values, undefined ones ignored (client-node sets many keys to undefined). */
export function sameAgentOptions(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  for (const k in a) if (!sameValue(a[k], b[k])) return false;
  for (const k in b) if (!(k in a) && b[k] !== undefined) return false;
  return true;
}

/** Makes every API call through `kc` reuse pooled keep-alive connections. Returns `kc`. */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: CreateAgent };
  const create = target.createAgent.bind(kc);
  // Most recently used first: the usual lookup is one compare.
  const pool: Pooled[] = [];
  target.createAgent = (cluster, agentOptions) => {
    const i = pool.findIndex((p) => p.cluster === cluster && sameAgentOptions(p.options, agentOptions));
    if (i === 0) return pool[0].agent;
    if (i > 0) {
      const [hit] = pool.splice(i, 1);
      pool.unshift(hit);
      return hit.agent;
    }
    const agent = create(cluster, { ...agentOptions, keepAlive: true });
    pool.unshift({ cluster, options: { ...agentOptions }, agent });
    if (pool.length > MAX_AGENTS) pool.pop()!.agent.destroy();
    return agent;
  };
  return kc;
}
