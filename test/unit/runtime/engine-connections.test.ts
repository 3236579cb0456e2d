import { expect } from 'chai';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { engineAgent, KEPT_CONNECTION_IDLE_MS } from '../../../src/runtime/engine-connections.js';

describe('engineAgent', () => {
  let server: Server;
  beforeEach(async () => {
    server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("keeps a free connection longer than the Node heartbeat's 10 s period", () => {
    const agent = engineAgent(false) as unknown as { keepAlive: boolean; destroy(): void };
    expect(agent.keepAlive).to.equal(true);
    expect(KEPT_CONNECTION_IDLE_MS).to.be.greaterThan(10_000);
    agent.destroy();
  });

  // docker-modem inspects every request's options, agent included, with showHidden and no depth limit.
  it('shows itself in one short line to util.inspect while it holds a kept connection', async () => {
    const agent = engineAgent(false);
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      get({ host: '127.0.0.1', port, agent }, (res) => { res.resume(); res.on('end', resolve); }).on('error', reject);
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(Object.values(agent.freeSockets).flat()).to.have.length(1);
    const shown = inspect({ agent }, { showHidden: true, depth: null });
    expect(shown).to.not.include('\n');
    expect(shown.length).to.be.lessThan(100);
    agent.destroy();
  });

  it('is an https agent for an engine behind TLS', () => {
    const agent = engineAgent(true);
    expect(agent.constructor.name).to.equal('Agent');
    expect((agent as unknown as { protocol: string }).protocol).to.equal('https:');
    agent.destroy();
  });
});
