import { expect } from 'chai';
import { hostPathViolations } from '../../../src/api/host-paths.js';
import type { TaskSpec } from '../../../src/api/types.js';

// Which hostPath volumes a Node allows: under spec.allowedHostPaths only, read-only where it says so.

const spec = (path: string, readOnly = false): TaskSpec => ({ image: 'i', volumes: [{ name: 'h', hostPath: { path } }], volumeMounts: [{ name: 'h', mountPath: '/m', readOnly }] });

describe('hostPathViolations', () => {
  it('refuses every hostPath on a Node without allowedHostPaths, naming the field', () => {
    expect(hostPathViolations(spec('/etc'), {}, 'n1')).to.deep.equal([{ field: 'spec.volumes[0].hostPath.path', message: "Forbidden: /etc is not under node n1's spec.allowedHostPaths (none)" }]);
  });

  it('allows the prefix itself and paths under it, not a sibling sharing its first letters', () => {
    const node = { allowedHostPaths: [{ pathPrefix: '/srv/data/' }] };
    expect(hostPathViolations(spec('/srv/data'), node, 'n')).to.deep.equal([]);
    expect(hostPathViolations(spec('/srv/data/app/x'), node, 'n')).to.deep.equal([]);
    expect(hostPathViolations(spec('/srv/database'), node, 'n')).to.have.length(1);
  });

  it('refuses a path that climbs out of its prefix with ..', () => {
    expect(hostPathViolations(spec('/srv/data/../../etc'), { allowedHostPaths: [{ pathPrefix: '/srv/data' }] }, 'n')[0].message).to.include("may not contain '..'");
  });

  it('under a read-only prefix allows only read-only mounts', () => {
    const node = { allowedHostPaths: [{ pathPrefix: '/logs', readOnly: true }] };
    expect(hostPathViolations(spec('/logs/app', true), node, 'n')).to.deep.equal([]);
    expect(hostPathViolations(spec('/logs/app', false), node, 'n')[0].message).to.include('read-only');
  });

  it('ignores other volume kinds', () => {
    expect(hostPathViolations({ image: 'i', volumes: [{ name: 'e', emptyDir: {} }] }, {}, 'n')).to.deep.equal([]);
  });
});
