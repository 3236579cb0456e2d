import { expect } from 'chai';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { Node } from '../../../src/api/types.js';
import { loadKubeConfig } from '../../../src/client/kubeconfig.js';
import { NODES, ResourceClient } from '../../../src/client/resource-client.js';
import { mutualTls } from '../../support/tls.js';

// A real HTTPS server standing in for the API, counting the TLS connections clients open.

describe('API connections', () => {
  const tls = mutualTls(['127.0.0.1']);
  let server: Server;
  let url: string;
  let connections = 0;

  before(async () => {
    server = createServer({ key: tls.serverKeyPem, cert: tls.serverCertPem }, (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'okube.dev/v1alpha1', kind: 'NodeList', metadata: { resourceVersion: '1' }, items: [] }));
    });
    server.on('secureConnection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const twentyLists = async (client: ResourceClient<Node>) => {
    const before = connections;
    for (let i = 0; i < 20; i++) await client.list();
    return connections - before;
  };

  it('okube clients reuse one keep-alive connection for sequential calls', async () => {
    const kc = loadKubeConfig({ server: url, token: 't', caPem: tls.caPem });
    expect(await twentyLists(new ResourceClient<Node>(kc, NODES))).to.equal(1);
  });

  it('a bare client-node KubeConfig opens a connection per call (why okube pools them)', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: url, caData: Buffer.from(tls.caPem).toString('base64') }],
      users: [{ name: 'u', token: 't' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    expect(await twentyLists(new ResourceClient<Node>(kc, NODES))).to.equal(20);
  });
});
