import { createHash } from 'node:crypto';
import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';

// client-node 1.x builds a new https.Agent for every API call, so each call opens a new TCP
// connection and does a full TLS handshake — CPU on both ends, and a socket per request. This
// keeps one keep-alive agent per distinct TLS identity (server, CA, client cert, verification)
// and hands it back to every call, like client-go's shared transport.

type CreateAgent = (cluster: unknown, agentOptions: Record<string, unknown>) => Agent;

/** Bounded: a rotating client certificate must not grow the pool without end. */
const MAX_AGENTS = 8;

function identity(cluster: unknown, options: Record<string, unknown>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(cluster ?? null));
  for (const k of Object.keys(options).sort()) {
    const v = options[k];
    h.update(`\0${k}=`);
    h.update(Buffer.isBuffer(v) ? v : typeof v === 'string' ? v : JSON.stringify(v ?? null));
  }
  return h.digest('hex');
}

/** Makes every API call through `kc` reuse pooled keep-alive connections. Returns `kc`. */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createAgent: CreateAgent };
  const create = target.createAgent.bind(kc);
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, agentOptions) => {
    const key = identity(cluster, agentOptions);
    let agent = agents.get(key);
    if (!agent) {
      agent = create(cluster, { ...agentOptions, keepAlive: true });
      if (agents.size >= MAX_AGENTS) {
        const [oldest, old] = agents.entries().next().value as [string, Agent];
        agents.delete(oldest);
        old.destroy();
      }
      agents.set(key, agent);
    }
    return agent;
  };
  return kc;
}
