import { expect } from 'chai';
import { commandVerb } from '../../../src/metrics/proxy.js';

describe('proxy metrics verb label', () => {
  it('names a Runtime API command by its verb or target state', () => {
    const cmds = ['add server be/a 1.2.3.4:5', 'enable server be/a', 'set server be/a state drain', 'set server be/a addr 1.2.3.4 port 5', 'del server be/a'];
    expect(cmds.map(commandVerb)).to.deep.equal(['add', 'enable', 'drain', 'addr', 'del']);
  });
});
