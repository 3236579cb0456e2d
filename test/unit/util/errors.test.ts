import { expect } from 'chai';
import { OkubeError, isOkubeError } from '../../../src/util/errors.js';

describe('OkubeError', () => {
  it('carries a stable code that isOkubeError matches', () => {
    const err = new OkubeError('Conflict', 'changed underneath');
    expect(isOkubeError(err, 'Conflict')).to.equal(true);
    expect(isOkubeError(err, 'NotFound')).to.equal(false);
  });
});
