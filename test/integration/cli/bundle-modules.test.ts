import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { assertBuilt, REPO_ROOT } from '../../support/okube-bin.js';

// The CLI bundle (hack/build.mjs) keeps what okube never runs out of a process's start-up:
// docker-modem's ssh2 (okube's Nodes are unix:// or tcp://) and dockerode's BuildKit session
// module with gRPC. This loads a command's chunk in a fresh Node and lists the packages Node
// read from node_modules.

const execFileP = promisify(execFile);

/** The packages under node_modules that importing the bundle chunk of `command` loaded. */
async function packagesLoadedBy(command: string): Promise<string[]> {
  assertBuilt();
  const dir = join(REPO_ROOT, 'dist', 'bundle');
  const chunk = readdirSync(dir).find((f) => f.startsWith(`${command}-`) && f.endsWith('.js'));
  if (!chunk) throw new Error(`no ${command} chunk in dist/bundle`);
  const script = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(join(dir, chunk))});
    const names = new Set();
    for (const file of Object.keys(createRequire(import.meta.url).cache)) {
      const m = /node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(file);
      if (m) names.add(m[1].replace('\\\\', '/'));
    }
    process.stdout.write(JSON.stringify([...names]));`;
  const { stdout } = await execFileP(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, timeout: 60_000 });
  return JSON.parse(stdout) as string[];
}

describe('the CLI bundle: modules loaded at start-up', function () {
  this.timeout(90_000);

  it('okube controllers loads neither ssh2 nor gRPC', async () => {
    const loaded = await packagesLoadedBy('controllers');
    expect(loaded).to.not.include('ssh2');
    expect(loaded).to.not.include('@grpc/grpc-js');
    expect(loaded).to.not.include('@grpc/proto-loader');
  });

  it('okube up\'s control plane loads no ssh2 (gRPC only through etcd3)', async () => {
    const loaded = await packagesLoadedBy('control-plane');
    expect(loaded).to.not.include('ssh2');
    expect(loaded).to.include('etcd3');
  });
});
