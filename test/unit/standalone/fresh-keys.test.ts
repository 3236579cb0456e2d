import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshKeyCount } from '../../../src/standalone/fresh-keys.js';

// How many keys okube up starts making before it loads the rest of itself.

describe('fresh data dir keys', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'okube-fresh-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const touch = (...path: string[]) => {
    mkdirSync(join(dir, ...path.slice(0, -1)), { recursive: true });
    writeFileSync(join(dir, ...path), 'x');
  };
  const servingCerts = () => ['ca.crt', 'ca.key', 'apiserver.crt', 'apiserver.key'].forEach((f) => touch('pki', f));
  const etcdCerts = () => ['ca.crt', 'server.crt', 'server.key', 'peer.crt', 'peer.key', 'client.crt', 'client.key'].forEach((f) => touch('etcd', 'pki', f));

  it('a fresh data dir needs five with the embedded etcd, two with an external one', () => {
    expect(freshKeyCount(dir, true)).to.equal(5);
    expect(freshKeyCount(dir, false)).to.equal(2);
  });

  it('a data dir with its certificates needs none', () => {
    servingCerts();
    etcdCerts();
    expect(freshKeyCount(dir, true)).to.equal(0);
  });

  it("etcd's three when only they are missing, and all five when the CA is new (etcd's are issued again)", () => {
    servingCerts();
    expect(freshKeyCount(dir, true)).to.equal(3);
    rmSync(join(dir, 'pki'), { recursive: true });
    etcdCerts();
    expect(freshKeyCount(dir, true)).to.equal(5);
  });
});
