import { expect } from 'chai';
import type { Agent } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { reuseConnections, sameAgentOptions } from '../../../src/client/connection-pool.js';

// The per-request agent lookup: the same TLS identity gets the same agent, without hashing.

function fakeKc() {
  const made: Array<Record<string, unknown>> = [];
  const kc = {
    createAgent: (_cluster: unknown, options: Record<string, unknown>) => {
      made.push(options);
      const agent = { destroyed: false, destroy: () => (agent.destroyed = true) };
      return agent as unknown as Agent;
    },
  };
  reuseConnections(kc as unknown as KubeConfig);
  return { made, createAgent: kc.createAgent as (c: unknown, o: Record<string, unknown>) => Agent };
}

const ca = (s: string) => Buffer.from(s);

describe('connection pool', () => {
  it('gives the same agent for a CA decoded afresh on each call (equal bytes, new Buffer)', () => {
    const { made, createAgent } = fakeKc();
    const cluster = { server: 'https://a' };
    const a = createAgent(cluster, { ca: ca('CA1'), cert: undefined });
    const b = createAgent(cluster, { ca: ca('CA1'), cert: undefined });
    expect(b).to.equal(a);
    expect(made).to.have.length(1);
    expect(made[0].keepAlive).to.equal(true);
  });

  it('gives another agent for other CA bytes (a rotated certificate)', () => {
    const { createAgent } = fakeKc();
    const cluster = { server: 'https://a' };
    expect(createAgent(cluster, { ca: ca('CA1') })).to.not.equal(createAgent(cluster, { ca: ca('CA2') }));
  });

  it('gives another agent for another cluster object', () => {
    const { createAgent } = fakeKc();
    expect(createAgent({ server: 'https://a' }, { ca: ca('CA1') })).to.not.equal(createAgent({ server: 'https://b' }, { ca: ca('CA1') }));
  });

  it('gives another agent when verification is turned off', () => {
    const { createAgent } = fakeKc();
    const cluster = { server: 'https://a' };
    expect(createAgent(cluster, { ca: ca('CA1') })).to.not.equal(createAgent(cluster, { ca: ca('CA1'), rejectUnauthorized: false }));
  });

  it('keeps at most 8 agents, destroying the least recently used', () => {
    const { createAgent } = fakeKc();
    const cluster = { server: 'https://a' };
    const first = createAgent(cluster, { ca: ca('CA0') }) as unknown as { destroyed: boolean };
    for (let i = 1; i <= 8; i++) createAgent(cluster, { ca: ca(`CA${i}`) });
    expect(first.destroyed).to.equal(true);
  });

  it('treats a key set to undefined as absent', () => {
    expect(sameAgentOptions({ ca: ca('x'), key: undefined }, { ca: ca('x') })).to.equal(true);
    expect(sameAgentOptions({ ca: ca('x') }, { ca: ca('x'), key: ca('k') })).to.equal(false);
  });
});
