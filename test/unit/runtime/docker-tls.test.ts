import { expect } from 'chai';
import { nodeTls, tlsFromSecretData } from '../../../src/runtime/docker-tls.js';
import type { Node } from '../../../src/api/types.js';
import { isOkubeError } from '../../../src/util/errors.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('TLS material from a Secret', () => {
  it("reads Docker's file names (ca.pem, cert.pem, key.pem)", () => {
    const tls = tlsFromSecretData({ 'ca.pem': b64('CA'), 'cert.pem': b64('CERT'), 'key.pem': b64('KEY') }, 'secret');
    expect([tls.ca, tls.cert, tls.key].map(String)).to.deep.equal(['CA', 'CERT', 'KEY']);
  });

  it('reads a kubernetes.io/tls Secret (ca.crt, tls.crt, tls.key)', () => {
    const tls = tlsFromSecretData({ 'ca.crt': b64('CA'), 'tls.crt': b64('CERT'), 'tls.key': b64('KEY') }, 'secret');
    expect([tls.ca, tls.cert, tls.key].map(String)).to.deep.equal(['CA', 'CERT', 'KEY']);
  });

  it('says what is missing when there is no client certificate', () => {
    try {
      tlsFromSecretData({ 'ca.pem': b64('CA') }, 'Secret default/docker-tls of node n');
      expect.fail('should throw');
    } catch (err) {
      expect(isOkubeError(err, 'ConfigError')).to.equal(true);
      expect((err as Error).message).to.match(/^Secret default\/docker-tls of node n has no client certificate and key/);
    }
  });
});

describe("a Node's engine TLS", () => {
  const node = (tls?: Node['spec']['tls']): Node => ({ apiVersion: 'okube.dev/v1alpha1', kind: 'Node', metadata: { name: 'n' }, spec: { dockerHost: 'tcp://h:2376', ...(tls ? { tls } : {}) } }) as Node;
  const never = async () => {
    throw new Error('no Secret should be read');
  };

  it('is none without spec.tls, and the files as they are', async () => {
    expect(await nodeTls(node(), never)).to.equal(undefined);
    expect(await nodeTls(node({ caFile: '/c', certFile: '/t', keyFile: '/k' }), never)).to.deep.equal({ caFile: '/c', certFile: '/t', keyFile: '/k' });
  });

  it("reads the Secret it names (namespace default unless given) through the caller's reader", async () => {
    const asked: string[] = [];
    const tls = await nodeTls(node({ secretName: 'docker-tls' }), async (ns, name, what) => {
      asked.push(`${ns}/${name}: ${what}`);
      return { 'cert.pem': b64('CERT'), 'key.pem': b64('KEY') };
    });
    expect(asked).to.deep.equal(['default/docker-tls: Secret default/docker-tls of node n']);
    expect([tls?.cert, tls?.key].map(String)).to.deep.equal(['CERT', 'KEY']);
  });
});
