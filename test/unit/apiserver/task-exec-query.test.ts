import { expect } from 'chai';
import { execQuery, upgradeProblem, type Upgrade } from '../../../src/apiserver/task-exec.js';
import { authorizerVerb } from '../../../src/apiserver/auth/attributes.js';
import { parseRequest } from '../../../src/apiserver/request-info.js';

// tasks/exec: PodExecOptions from the query string, what a request must be to become a
// WebSocket of the channel protocol, and the RBAC verb it is authorized with.

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { reason: string; message: string });
  }
  throw new Error('no error');
};
const upgrade = {} as Upgrade;
const handshake = { upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-protocol': 'v4.channel.k8s.io, v5.channel.k8s.io' };

describe('tasks/exec request', () => {
  it('reads the repeated command and the stream flags', () => {
    expect(execQuery(new URLSearchParams('command=sh&command=-c&command=echo%20hi&stdin=true&stdout=1&tty=true&container=x'))).to.deep.equal({ command: ['sh', '-c', 'echo hi'], stdin: true, stdout: true, stderr: false, tty: true });
  });

  it('refuses no command and no stream with the 400 kube-apiserver gives', () => {
    expect(refusal(() => execQuery(new URLSearchParams('stdout=true')))).to.include({ reason: 'BadRequest', message: 'you must specify at least 1 command' });
    expect(refusal(() => execQuery(new URLSearchParams('command=ls')))).to.include({ reason: 'BadRequest', message: 'you must specify at least one of stdin, stdout, stderr' });
  });

  it('accepts a WebSocket handshake that offers a channel subprotocol, and says what is wrong with any other', () => {
    expect(upgradeProblem(handshake, upgrade)).to.equal(undefined);
    expect(upgradeProblem({}, undefined)).to.equal('Upgrade request required');
    expect(upgradeProblem({ upgrade: 'SPDY/3.1' }, upgrade)).to.equal('unable to upgrade connection: okube serves exec over WebSocket only, not SPDY/3.1');
    expect(upgradeProblem({ ...handshake, 'sec-websocket-key': 'short' }, upgrade)).to.match(/not a valid WebSocket handshake/);
    expect(upgradeProblem({ ...handshake, 'sec-websocket-protocol': 'channel.k8s.io' }, upgrade)).to.match(/offered no subprotocol okube speaks/);
  });

  it('is authorized as create, whether it comes as a GET (WebSocket) or a POST', () => {
    const lookup = () => ({ namespaced: true });
    for (const method of ['GET', 'POST']) expect(authorizerVerb(parseRequest(method, '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t/exec?command=ls', undefined, lookup), method)).to.equal('create');
    expect(authorizerVerb(parseRequest('GET', '/apis/okube.dev/v1alpha1/namespaces/a/tasks/t/log', undefined, lookup), 'GET')).to.equal('get');
  });
});
