import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { assertBuilt, okubeBin, REPO_ROOT } from '../../support/okube-bin.js';

// The CLI bundle (hack/build.mjs) keeps what okube never runs out of a process's start-up:
// docker-modem's ssh2 (okube's Nodes are unix:// or tcp://) and dockerode's BuildKit session
// module with gRPC. These run the built CLI, or load one of its chunks, in a fresh Node with
// test/support/loaded-packages.cjs preloaded, and read which packages it loaded from node_modules.

const PRELOAD = join(REPO_ROOT, 'test', 'support', 'loaded-packages.cjs');

/** Runs a command to its end: its stderr (the exit code does not matter here). */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO_ROOT, timeout: 60_000, env }, (_err, _stdout, stderr) => resolve({ stderr: String(stderr) }));
  });
}

/** Runs node with `args` (after the preload): the packages the process loaded, and its stderr. */
function packagesLoaded(args: string[]): Promise<{ loaded: string[]; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'okube-loaded-'));
  const out = join(dir, 'packages.json');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--require', PRELOAD, ...args], { cwd: REPO_ROOT, timeout: 60_000, env: { ...process.env, OKUBE_TEST_LOADED_PACKAGES: out } }, (_err, _stdout, stderr) => {
      try {
        resolve({ loaded: JSON.parse(readFileSync(out, 'utf8')) as string[], stderr: String(stderr) });
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('the CLI bundle: packages loaded at start-up', function () {
  this.timeout(90_000);

  it('okube controllers loads neither ssh2 nor gRPC', async () => {
    // It loads the controllers, then stops at the missing token file, which it reads after.
    const { loaded, stderr } = await packagesLoaded([okubeBin(), 'controllers', '--server', 'https://127.0.0.1:1', '--token-file', '/nonexistent', '--certificate-authority', '/nonexistent']);
    expect(stderr, 'the controllers were loaded and ran up to reading the token').to.include("no such file or directory, open '/nonexistent'");
    expect(loaded).to.not.include('ssh2');
    expect(loaded).to.not.include('@grpc/grpc-js');
    expect(loaded).to.not.include('@grpc/proto-loader');
  });

  it('okube up\'s control plane loads no ssh2 (gRPC only through etcd3)', async () => {
    assertBuilt();
    const dir = join(REPO_ROOT, 'dist', 'bundle');
    const chunk = readdirSync(dir).find((f) => f.startsWith('control-plane-') && f.endsWith('.js'));
    if (!chunk) throw new Error('no control-plane chunk in dist/bundle');
    const { loaded } = await packagesLoaded(['--input-type=module', '-e', `await import(${JSON.stringify(join(dir, chunk))});`]);
    expect(loaded).to.include('etcd3');
    expect(loaded).to.not.include('ssh2');
  });

  // A client command reads a static kubeconfig itself and talks raw HTTPS (src/cli/kube/connection.ts):
  // loading client-node would cost it about a second of CPU.
  it('okube get, top, cordon and drain load no chunk holding client-node', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'okube-modules-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n');
      const marker = 'CoordinationV1ApiRequestFactory'; // a class of client-node's generated API
      const withClientNode = readdirSync(join(REPO_ROOT, 'dist', 'bundle')).filter((f) => f.endsWith('.js') && readFileSync(join(REPO_ROOT, 'dist', 'bundle', f), 'utf8').includes(marker));
      expect(withClientNode, 'the bundle still has client-node somewhere (for the controllers)').to.not.deep.equal([]);
      for (const args of [['get', 'tasks'], ['top', 'nodes'], ['cordon', 'n1'], ['drain', 'n1']]) {
        const list = join(dir, `${args[0]}.txt`);
        const { stderr } = await run(process.execPath, ['--import', join(REPO_ROOT, 'test', 'support', 'loaded-modules.mjs'), okubeBin(), ...args, '--kubeconfig', kubeconfig], { ...process.env, KUBECACHEDIR: join(dir, 'cache'), OKUBE_TEST_LOADED_MODULES: list });
        expect(stderr, args.join(' ')).to.include('127.0.0.1:1 was refused');
        const chunks = readFileSync(list, 'utf8').split('\n').filter((u) => u.includes('/dist/bundle/')).map((u) => u.slice(u.lastIndexOf('/') + 1));
        expect(chunks.length, args.join(' ')).to.be.greaterThan(1);
        expect(chunks.filter((c) => withClientNode.includes(c)), args.join(' ')).to.deep.equal([]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
