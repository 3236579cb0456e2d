import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockAddress, lockDataDir } from '../../../src/standalone/data-dir-lock.js';

describe('data dir lock', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'okube-lock-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('on Linux lives in the abstract namespace, one address per data dir', () => {
    const a = lockAddress('/var/lib/okube', 'linux');
    expect(a.startsWith('\0')).to.equal(true);
    expect(lockAddress('/var/lib/okube', 'linux')).to.equal(a);
    expect(lockAddress('/var/lib/okube2', 'linux')).not.to.equal(a);
  });

  it('elsewhere is a socket file in the data dir', () => {
    expect(lockAddress('/Users/me/.okube', 'darwin')).to.equal('/Users/me/.okube/okube-up.sock');
  });

  it('refuses a second holder, naming the pid of the first, and is free again once released', async () => {
    const lock = await lockDataDir(dir);
    try {
      await lockDataDir(dir).then(
        () => expect.fail('a second lock was granted'),
        (err: Error) => expect(err.message).to.equal(`data dir ${dir} is in use by another okube up (pid ${process.pid}): stop it first, or pick another data dir with --data-dir`),
      );
    } finally {
      await lock.release();
    }
    await (await lockDataDir(dir)).release();
  });
});
