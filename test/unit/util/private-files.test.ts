import { expect } from 'chai';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/util/atomic-write.js';
import { ensurePrivateDir } from '../../../src/util/private-dir.js';
import { isOkubeError } from '../../../src/util/errors.js';
import { writeKubeconfig } from '../../../src/apiserver/kubeconfig.js';

// Credentials land only in private directories and private files.

describe('private files and directories', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'okube-private-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a kubeconfig 0600 over an existing world-readable file, leaving no temporary file', () => {
    const p = join(dir, 'kubeconfig');
    writeFileSync(p, 'old', { mode: 0o644 });
    chmodSync(p, 0o644);
    writeKubeconfig(p, { server: 'https://127.0.0.1:1', token: 't' });
    expect(statSync(p).mode & 0o777).to.equal(0o600);
    expect(readFileSync(p, 'utf8')).to.include('token: t');
    expect(readdirSync(dir)).to.deep.equal(['kubeconfig']);
  });

  it('replaces a symlink at the target instead of writing through it', () => {
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'keep');
    symlinkSync(victim, join(dir, 'link'));
    writeFileAtomic(join(dir, 'link'), 'secret');
    expect(readFileSync(victim, 'utf8')).to.equal('keep');
    expect(readFileSync(join(dir, 'link'), 'utf8')).to.equal('secret');
  });

  it('creates a missing data dir 0700 and accepts it again', () => {
    const d = join(dir, 'data');
    ensurePrivateDir(d);
    expect(statSync(d).mode & 0o777).to.equal(0o700);
    expect(() => ensurePrivateDir(d)).to.not.throw();
  });

  it('refuses a data dir open to group or others, saying how to fix it', () => {
    const d = join(dir, 'shared');
    mkdirSync(d);
    chmodSync(d, 0o755);
    expect(() => ensurePrivateDir(d)).to.throw(/open to other users \(mode 0755\); chmod 700/);
    try {
      ensurePrivateDir(d);
    } catch (err) {
      expect(isOkubeError(err, 'ConfigError')).to.equal(true);
    }
  });

  it('refuses a symlink as the data dir', () => {
    const real = join(dir, 'real');
    mkdirSync(real, { mode: 0o700 });
    symlinkSync(real, join(dir, 'link'));
    expect(() => ensurePrivateDir(join(dir, 'link'))).to.throw(/not a directory/);
  });

  it('refuses a data dir owned by another user', function () {
    if (process.getuid?.() !== 0) this.skip();
    const d = join(dir, 'foreign');
    mkdirSync(d, { mode: 0o700 });
    // chown needs root; the test env runs as root.
    chownSync(d, 65534, 65534);
    expect(() => ensurePrivateDir(d)).to.throw(/owned by uid 65534/);
  });
});
