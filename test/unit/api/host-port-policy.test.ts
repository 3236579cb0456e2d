import { expect } from 'chai';
import { DEFAULT_PORT_RANGE, portRangeOf, refusedHostPortMessage, refusedHostPorts } from '../../../src/api/host-port-policy.js';

describe('host port policy of a Node', () => {
  const ports = [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81, hostPort: 30001 }, { containerPort: 82 }];

  it('refuses fixed hostPorts outside the portRange, not hostPort 0 nor ports inside', () => {
    expect(refusedHostPorts({ ports }, { portRange: { start: 30000, end: 30100 } })).to.deep.equal([0]);
  });

  it('uses the default range when the Node names none', () => {
    expect(portRangeOf({})).to.deep.equal(DEFAULT_PORT_RANGE);
    expect(refusedHostPorts({ ports }, {})).to.deep.equal([0]);
  });

  it('accepts any port on a Node that allows ports outside its range', () => {
    expect(refusedHostPorts({ ports }, { allowHostPortsOutsideRange: true })).to.deep.equal([]);
  });

  it('names the port, the Node, its range and the field that would allow it', () => {
    expect(refusedHostPortMessage(8080, 'n1', { portRange: { start: 30000, end: 30100 } })).to.equal(
      "hostPort 8080 is outside node n1's portRange 30000-30100, and the Node does not set spec.allowHostPortsOutsideRange",
    );
  });
});
