import { expect } from 'chai';
import { diffBackend } from '../../../src/proxy/diff.js';
import type { CurrentServer } from '../../../src/proxy/runtime-state.js';

const cur = (name: string, state: CurrentServer['state'], port = 32001): CurrentServer => ({ backend: 'be', name, address: '127.0.0.2', port, state });
const want = (name: string, ready: boolean, port = 32001) => ({ name, address: '127.0.0.2', port, ready });

describe('proxy backend diff', () => {
  it('adds a ready endpoint and enables it (HAProxy adds servers in maintenance)', () => {
    expect(diffBackend('be', [], [want('a', true)])).to.deep.equal(['add server be/a 127.0.0.2:32001', 'enable server be/a']);
  });

  it('adds a not-ready endpoint and leaves it in maintenance', () => {
    expect(diffBackend('be', [], [want('a', false)])).to.deep.equal(['add server be/a 127.0.0.2:32001']);
  });

  it('drains a ready server whose endpoint turns unready', () => {
    expect(diffBackend('be', [cur('a', 'ready')], [want('a', false)])).to.deep.equal(['set server be/a state drain']);
  });

  it('readies a drained or maintenance server whose endpoint turns ready', () => {
    expect(diffBackend('be', [cur('a', 'drain'), cur('b', 'maint')], [want('a', true), want('b', true)])).to.deep.equal(['set server be/a state ready', 'set server be/b state ready']);
  });

  it('puts a server that left the slice in maintenance, then deletes it', () => {
    expect(diffBackend('be', [cur('a', 'ready')], [])).to.deep.equal(['set server be/a state maint', 'del server be/a']);
  });

  it('moves a server whose host port changed', () => {
    expect(diffBackend('be', [cur('a', 'ready', 32001)], [want('a', true, 32005)])).to.deep.equal(['set server be/a addr 127.0.0.2 port 32005']);
  });

  it('sends nothing when the backend already matches', () => {
    expect(diffBackend('be', [cur('a', 'ready'), cur('b', 'drain')], [want('a', true), want('b', false)])).to.deep.equal([]);
  });
});
