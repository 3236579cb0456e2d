import { expect } from 'chai';
import { dryRunMode, sentFormat } from '../../../src/cli/commands/manifest-objects.js';

// The flag values of apply and create, checked before anything is read or sent.

describe('manifest command flags', () => {
  it('--dry-run takes none and server, refuses client with what to use instead, and names the values otherwise', () => {
    expect([dryRunMode('none'), dryRunMode('server')]).to.deep.equal(['none', 'server']);
    expect(() => dryRunMode('client')).to.throw('use --dry-run=server');
    expect(() => dryRunMode('all')).to.throw('Invalid dry-run value (all). Must be "none", "server", or "client".');
  });

  it('-o takes yaml, json and name; a table format is refused with the allowed ones', () => {
    expect(['yaml', 'json', 'name'].map(sentFormat)).to.deep.equal(['yaml', 'json', 'name']);
    expect(() => sentFormat('wide')).to.throw('allowed formats are: json,name,yaml');
  });
});
