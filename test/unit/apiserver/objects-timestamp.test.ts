import { expect } from 'chai';
import { nowTimestamp } from '../../../src/apiserver/objects.js';

// nowTimestamp formats the current second once and reuses the text within that second.

describe('nowTimestamp', () => {
  it('formats a given time as RFC 3339 with seconds precision', () => {
    expect(nowTimestamp(new Date('2026-03-04T05:06:07.999Z'))).to.equal('2026-03-04T05:06:07Z');
  });

  it('gives the next second its own text, not the previous one remembered', () => {
    expect(nowTimestamp(new Date('2026-03-04T05:06:07.500Z'))).to.equal('2026-03-04T05:06:07Z');
    expect(nowTimestamp(new Date('2026-03-04T05:06:08.000Z'))).to.equal('2026-03-04T05:06:08Z');
  });

  it('without an argument is the current second', () => {
    const before = Math.floor(Date.now() / 1000);
    const got = Date.parse(nowTimestamp()) / 1000;
    const after = Math.floor(Date.now() / 1000);
    expect(got).to.be.within(before, after);
  });

  it('a given time in another second is formatted for itself, and the current second still reads as now', () => {
    nowTimestamp();
    expect(nowTimestamp(new Date('2001-01-01T00:00:00Z'))).to.equal('2001-01-01T00:00:00Z');
    const before = Math.floor(Date.now() / 1000);
    const got = Date.parse(nowTimestamp()) / 1000;
    expect(got).to.be.within(before, Math.floor(Date.now() / 1000));
  });
});
