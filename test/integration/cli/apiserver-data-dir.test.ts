import { expect } from 'chai';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { okube } from '../../support/okube-cli.js';

// `okube apiserver` keeps its CA key and token only in a directory no one else can open: it
// refuses a shared or foreign one with one line and a non-zero exit, before it trusts anything
// found there.

describe('okube apiserver: the data dir must be private', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'okube-apiserver-dir-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a data dir open to other users, saying how to fix it', async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    const r = await okube(['apiserver', '--etcd-endpoints', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '--data-dir', shared]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.equal(`error: --data-dir ${shared} is open to other users (mode 0755); chmod 700 it or give a private directory\n`);
  });

  it('creates a missing data dir 0700', async () => {
    const fresh = join(dir, 'fresh');
    const r = await okube(['apiserver', '--etcd-endpoints', 'http://127.0.0.1:9', '--listen', '127.0.0.1:0', '--data-dir', fresh, '--token-auth-file', join(dir, 'missing.csv')]);
    // It gets past the data dir (created private) and stops at the next problem, the token file.
    expect(statSync(fresh).mode & 0o777).to.equal(0o700);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(/--token-auth-file .*missing\.csv: ENOENT/);
  });
});
