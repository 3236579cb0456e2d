import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarFiles } from '../../../src/runtime/tar.js';
import { OkubeError } from '../../../src/util/errors.js';

// The ustar writer for volume files, checked by extracting with the system's tar.

describe('tarFiles', () => {
  it('extracts with tar to the files, their directories, contents and modes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'okube-tar-'));
    try {
      const archive = tarFiles([
        { path: 'a.txt', content: Buffer.from('alpha'), mode: 0o644 },
        { path: 'sub/deeper/key.pem', content: Buffer.from('x'.repeat(700)), mode: 0o400 },
      ]);
      expect(archive.length % 512).to.equal(0);
      const r = spawnSync('tar', ['-x', '-C', dir], { input: archive });
      expect(r.status, r.stderr.toString()).to.equal(0);
      expect(readFileSync(join(dir, 'a.txt'), 'utf8')).to.equal('alpha');
      expect(readFileSync(join(dir, 'sub/deeper/key.pem'), 'utf8')).to.equal('x'.repeat(700));
      expect(statSync(join(dir, 'sub/deeper/key.pem')).mode & 0o777).to.equal(0o400);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an absolute path or one climbing out', () => {
    expect(() => tarFiles([{ path: '/etc/passwd', content: Buffer.alloc(0), mode: 0o644 }])).to.throw(OkubeError);
    expect(() => tarFiles([{ path: '../x', content: Buffer.alloc(0), mode: 0o644 }])).to.throw(OkubeError);
  });
});
