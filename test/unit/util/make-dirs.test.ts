import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirs } from '../../../src/util/make-dirs.js';

// mkdir -p, also where Node 20's recursive mkdirSync never returns (a path under /proc).

describe('makeDirs', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'okube-make-dirs-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const code = (f: () => void): string | undefined => {
    try {
      f();
      return undefined;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code;
    }
  };

  it('creates every missing level with the mode, and accepts one that exists', () => {
    const deep = join(dir, 'a', 'b', 'c');
    makeDirs(deep, 0o700);
    for (const d of [join(dir, 'a'), join(dir, 'a', 'b'), deep]) expect(statSync(d).mode & 0o777, d).to.equal(0o700);
    mkdirSync(join(dir, 'open'), { mode: 0o755 });
    makeDirs(join(dir, 'open'), 0o700);
    expect(statSync(join(dir, 'open')).mode & 0o777, 'an existing directory is left as it is').to.equal(0o755);
  });

  it('fails as mkdir fails: a file in the way, a file at the path, a dangling symlink', () => {
    writeFileSync(join(dir, 'file'), 'x');
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    expect(code(() => makeDirs(join(dir, 'file', 'sub')))).to.equal('ENOTDIR');
    expect(code(() => makeDirs(join(dir, 'file')))).to.equal('EEXIST');
    expect(code(() => makeDirs(join(dir, 'dangling', 'sub')))).to.equal('ENOENT');
  });

  it('returns ENOENT for a path under /proc, where recursive mkdirSync spins forever', () => {
    expect(code(() => makeDirs(`/proc/okube-make-dirs-${process.pid}/data`))).to.equal('ENOENT');
  });
});
