import { expect } from 'chai';
import { splitWatch } from '../../../src/cli/commands/rollout.js';

// okube rollout status takes kubectl's boolean -w in each spelling; commander hands an optional
// flag value the next argument, which splitWatch gives back when it is not a boolean.

describe('okube rollout status -w', () => {
  it('watches by default', () => {
    expect(splitWatch(['tasksets/web'], true)).to.deep.equal({ args: ['tasksets/web'], watch: true });
  });

  it('reads -w=false, --watch=false and -w false as no watch', () => {
    for (const v of ['=false', 'false', '0']) expect(splitWatch(['tasksets/web'], v), v).to.deep.equal({ args: ['tasksets/web'], watch: false });
  });

  it('reads -w=true as watch', () => {
    expect(splitWatch(['tasksets/web'], '=true')).to.deep.equal({ args: ['tasksets/web'], watch: true });
  });

  it('gives a resource argument that followed -w back to the arguments, in front', () => {
    expect(splitWatch([], 'tasksets/web')).to.deep.equal({ args: ['tasksets/web'], watch: true });
    expect(splitWatch(['web'], 'taskset')).to.deep.equal({ args: ['taskset', 'web'], watch: true });
  });
});
