import { expect } from 'chai';
import { tlsFromSecretData } from '../../../src/runtime/docker-tls.js';
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
