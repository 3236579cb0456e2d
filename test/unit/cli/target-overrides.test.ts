import { expect } from 'chai';
import { Agent, type RequestOptions } from 'node:https';
import type { ApiTarget } from '../../../src/cli/kube/kubeconfig-static.js';
import { withOverrides } from '../../../src/cli/kube/target-overrides.js';

// --server and --token over a kubeconfig's target (pure: what a request's options become).

const certTarget = (): ApiTarget => {
  const agent = new Agent({ cert: 'CERT', key: 'KEY', ca: 'CA' });
  return {
    server: 'https://10.0.0.1:6443',
    identity: 'ca',
    async apply(o) {
      Object.assign(o, { ca: 'CA', cert: 'CERT', key: 'KEY', agent });
    },
  };
};

describe('--server and --token over the kubeconfig', () => {
  it('leaves the target as it is without either', () => {
    const t = certTarget();
    expect(withOverrides(t, {})).to.equal(t);
  });

  it('sends the token as the only credential: no client certificate beside it, the CA kept', async () => {
    const o: RequestOptions = { headers: { Accept: 'application/json' } };
    await withOverrides(certTarget(), { token: ' abc \n' }).apply(o);
    expect(o.headers).to.deep.equal({ Accept: 'application/json', Authorization: 'Bearer abc' });
    expect(o).to.not.have.property('cert');
    expect(o).to.not.have.property('key');
    expect(o.agent).to.equal(undefined);
    expect(o.ca).to.equal('CA');
  });

  it('takes a bare host:port as https, keeps the identity, and refuses what is not a URL', () => {
    const t = withOverrides(certTarget(), { server: '127.0.0.1:7443' });
    expect(t.server).to.equal('https://127.0.0.1:7443');
    expect(t.identity).to.equal('ca');
    expect(withOverrides(certTarget(), { server: 'http://h:80/' }).server).to.equal('http://h');
    expect(() => withOverrides(certTarget(), { server: 'ftp://h' })).to.throw('must be an http or https URL');
  });

  it('does not reuse the kubeconfig server\'s https agent for another server', async () => {
    const o: RequestOptions = {};
    await withOverrides(certTarget(), { server: 'http://127.0.0.1:8080' }).apply(o);
    expect(o.agent).to.equal(undefined);
    expect(() => withOverrides(certTarget(), { server: 'ftp://h' })).to.throw('must be an http or https URL');
    expect(() => withOverrides(certTarget(), { token: '  ' })).to.throw('--token: the token is empty');
  });
});
