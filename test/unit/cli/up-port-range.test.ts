import { expect } from 'chai';
import { parsePortRange } from '../../../src/cli/up.js';

describe('okube up --proxy-port-range', () => {
  it('parses START-END', () => {
    expect(parsePortRange('18000-18999')).to.deep.equal({ start: 18000, end: 18999 });
  });

  it('rejects a reversed or malformed range with a one-line error', () => {
    expect(() => parsePortRange('19000-18000')).to.throw(/--proxy-port-range "19000-18000": expected START-END/);
    expect(() => parsePortRange('abc')).to.throw(/expected START-END/);
  });
});
