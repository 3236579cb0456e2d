import { expect } from 'chai';
import { chooseProtocol, exitStatus, failureStatus, frame, parseResize, resizeMessage, statusOutcome, unframe } from '../../../src/api/remote-command.js';

// Kubernetes' channel protocol, both ends: framing, the subprotocol chosen, and the exit Status.

describe('remote command protocol', () => {
  it('chooses v5 over v4 and nothing when neither is offered', () => {
    expect(chooseProtocol(['v4.channel.k8s.io', 'v5.channel.k8s.io'])).to.equal('v5.channel.k8s.io');
    expect(chooseProtocol(['channel.k8s.io', 'v4.channel.k8s.io'])).to.equal('v4.channel.k8s.io');
    expect(chooseProtocol(['channel.k8s.io', 'base64.channel.k8s.io'])).to.equal(undefined);
  });

  it('frames data behind its stream byte and splits a message back; an empty message is nothing', () => {
    const m = frame(2, 'err\n');
    expect([...m]).to.deep.equal([2, ...Buffer.from('err\n')]);
    expect(unframe(m)).to.deep.equal({ stream: 2, data: Buffer.from('err\n') });
    expect(unframe(Buffer.alloc(0))).to.equal(undefined);
  });

  it('ends with Success for exit code 0, and NonZeroExitCode with an ExitCode cause otherwise, as the kubelet words it', () => {
    expect(exitStatus(['true'], 0)).to.deep.equal({ metadata: {}, status: 'Success' });
    expect(exitStatus(['sh', '-c', 'exit 3'], 3)).to.deep.equal({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('reads the exit code back from either Status, and the message of any other failure', () => {
    expect(statusOutcome(exitStatus(['x'], 0))).to.deep.equal({ exitCode: 0 });
    expect(statusOutcome(exitStatus(['x'], 137))).to.deep.equal({ exitCode: 137 });
    expect(statusOutcome(failureStatus('engine gone'))).to.deep.equal({ error: 'engine gone' });
    expect(statusOutcome({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: 'x' }] } })).to.deep.equal({ error: 'the exec ended without an exit status' });
    expect(statusOutcome(null)).to.deep.equal({ error: 'the exec ended without an exit status' });
  });

  it("takes a resize as client-go's TerminalSize and ignores one that is not a size", () => {
    expect(parseResize(resizeMessage(30, 100).subarray(1))).to.deep.equal({ rows: 30, columns: 100 });
    expect(parseResize(Buffer.from('{"Width":0,"Height":10}'))).to.equal(undefined);
    expect(parseResize(Buffer.from('not json'))).to.equal(undefined);
    expect(parseResize(Buffer.from('{"Width":"80","Height":24.5}'))).to.equal(undefined);
  });
});
