import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sourceStamp, staleReason, STAMP_FILE } from '../../../hack/dist-stamp.mjs';
import { REPO_ROOT } from '../../support/okube-bin.js';

// okube runs compiled JavaScript: bin/okube.js without a dist/ says to build in one line, and a
// dist/ stamped from other sources than the tree's is reported stale rather than run.

describe('the compiled CLI', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'okube-built-cli-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('bin/okube.js without dist/ exits 1 with one line telling to run npm run build', () => {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(REPO_ROOT, 'bin', 'okube.js'), join(dir, 'bin', 'okube.js'));
    const r = spawnSync(process.execPath, [join(dir, 'bin', 'okube.js'), 'get', 'tasks'], { encoding: 'utf8' });
    expect(r.status).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr.trimEnd().split('\n')).to.have.length(1);
    expect(r.stderr).to.contain('run `npm run build`');
  });

  it('dist/ is missing, current, then stale once a source file changes', () => {
    mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) writeFileSync(join(dir, f), '{}');
    writeFileSync(join(dir, 'src', 'cli', 'main.ts'), 'export const a = 1;\n');
    expect(staleReason(dir)).to.match(/^dist\/ is missing.*npm run build/);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', STAMP_FILE), `${sourceStamp(dir)}\n`);
    expect(staleReason(dir)).to.equal(undefined);
    writeFileSync(join(dir, 'src', 'cli', 'main.ts'), 'export const a = 2;\n');
    expect(staleReason(dir)).to.match(/^dist\/ is stale.*npm run build/);
  });

  it('a new source file also makes dist/ stale', () => {
    mkdirSync(join(dir, 'src'), { recursive: true });
    for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json']) writeFileSync(join(dir, f), '{}');
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', STAMP_FILE), `${sourceStamp(dir)}\n`);
    writeFileSync(join(dir, 'src', 'b.ts'), 'export {};\n');
    expect(staleReason(dir)).to.match(/^dist\/ is stale/);
  });
});
