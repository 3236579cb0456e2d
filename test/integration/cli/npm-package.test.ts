import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/util/free-port.js';
import { uniqueName } from '../../support/env.js';
import { assertBuilt, REPO_ROOT } from '../../support/okube-bin.js';
import { startUp, type UpProcess } from '../../support/okube-cli.js';

// What `npm pack` ships is what a user installs: the tarball installed with
// `npm install -g --prefix DIR` (production dependencies from the registry or npm's cache, none of
// this checkout's node_modules) gives an `okube` that runs from outside the checkout, compiled
// JavaScript only, and brings `okube up` to ready against the test Docker engine.

describe('the npm package', function () {
  this.timeout(600_000);
  let dir: string;
  let prefix: string;
  let okubeCmd: string;
  let up: UpProcess | undefined;

  const run = (cmd: string, args: string[], cwd = dir) => {
    const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 480_000 });
    expect(r.status, `${cmd} ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    return r.stdout;
  };

  before(function () {
    assertBuilt();
    dir = mkdtempSync(join(tmpdir(), 'okube-npm-package-'));
    prefix = join(dir, 'prefix');
    // The build is checked above; --ignore-scripts keeps prepack from rebuilding dist/ mid-run.
    run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], REPO_ROOT);
    const tarball = readdirSync(dir).find((f) => /^okube-.*\.tgz$/.test(f));
    expect(tarball, 'npm pack wrote no okube-*.tgz').to.be.a('string');
    run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(dir, tarball!)]);
    okubeCmd = join(prefix, 'bin', 'okube');
  });

  after(async () => {
    await up?.stop('SIGINT');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('holds dist/ and crds/ but no TypeScript sources, and pulls neither tsx nor typescript', () => {
    const installed = join(prefix, 'lib', 'node_modules', 'okube');
    expect(existsSync(join(installed, 'dist', 'cli', 'main.js')), 'dist/cli/main.js').to.equal(true);
    expect(readdirSync(join(installed, 'crds')).filter((f) => f.endsWith('.yaml')).length).to.be.greaterThan(0);
    expect(existsSync(join(installed, 'src')), 'src/').to.equal(false);
    expect(existsSync(join(installed, 'node_modules', 'tsx')), 'tsx').to.equal(false);
    expect(existsSync(join(installed, 'node_modules', 'typescript')), 'typescript').to.equal(false);
  });

  it('installs an okube that prints its version', () => {
    const version = run(okubeCmd, ['--version']).trim();
    expect(version).to.match(/^\d+\.\d+\.\d+/);
  });

  it('installs an okube whose `okube up` comes up ready with a temp data dir and port', async () => {
    const nodeName = uniqueName('npmpkg');
    up = await startUp({ command: okubeCmd, cwd: dir, dataDir: join(dir, 'data'), port: await freePort(), nodeName });
    expect(up.stdout()).to.contain(`node:       ${nodeName} Ready`);
    const nodes = run(okubeCmd, ['get', 'nodes', '--kubeconfig', up.kubeconfig]);
    expect(nodes).to.match(new RegExp(`^${nodeName}\\s+True\\s`, 'm'));
    expect(await up.stop('SIGINT')).to.equal(0);
    up = undefined;
  });
});
