// `npm run build`: compiles src/ to dist/ (ES modules with source maps, tsconfig.build.json),
// bundles the CLI into dist/bundle/ (below), and stamps dist/ with the hash of its inputs
// (hack/dist-stamp.mjs). dist/ is rebuilt from scratch so a source file deleted since the last
// build leaves nothing behind; when the stamp already matches the tree the build is skipped
// (`--force` rebuilds anyway).
//
// The bundle is what bin/okube.js runs: esbuild joins tsc's output for the CLI (every command,
// split into chunks so a command loads only its own) with the pure-JavaScript packages in
// BUNDLED (below). Node resolves, reads and links each ES module separately,
// which was most of a client command's start-up; dependencies that read files relative to
// themselves or start workers (etcd3's protos, pino's transports, …) stay external and load from
// node_modules as before. The chunks sit two folders below the package root, as tsc's files do,
// so `new URL('../../crds', import.meta.url)` means the same in both.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtStamp, sourceStamp, STAMP_FILE } from './dist-stamp.mjs';

/**
 * Packages bundled into the CLI; every other dependency is loaded from node_modules at run time.
 * Beside the two every command needs, the ones `okube up` loads that are made of many small
 * modules and read no files of their own: rxjs (ES modules: only the operators okube uses are
 * kept), client-node (~1000 ES modules, with its own dependencies), ajv, prom-client, cel-js and
 * the patch libraries, and dockerode (below). Not etcd3/gRPC (they read .proto files next to
 * their code) and pino (its transports run in worker threads).
 */
const BUNDLED = new Set(['commander', 'js-yaml', 'rxjs', '@kubernetes/client-node', 'ajv', 'ajv-formats', 'prom-client', '@marcbachmann/cel-js', 'fast-json-patch', 'json-merge-patch', 'dockerode']);

/**
 * dockerode is bundled with docker-modem, minus what okube never runs but Node would load at
 * start-up: docker-modem loads ssh2 for ssh:// engines (~0.3 s of CPU; okube accepts only
 * unix:// and tcp://, see src/runtime/docker-runtime.ts), so ssh2 becomes a stub that fails
 * if ever used; dockerode loads its BuildKit session module, and with it gRPC, for image builds
 * with credentials, so that module loads from node_modules on its first use. Both of dockerode's
 * gRPC modules read .proto files next to their code, so they stay in node_modules.
 */
const SSH2_STUB = `class Client { constructor() { throw new Error('ssh:// Docker hosts are not supported by okube: use unix:// or tcp://'); } }
module.exports = { Client };`;
const LAZY_SESSION = `module.exports = function withSession(...args) { return require('dockerode/lib/session.js')(...args); };`;
const dockerodeParts = {
  name: 'dockerode-parts',
  setup(build) {
    const inDockerode = (importer) => /[\\/]node_modules[\\/]dockerode[\\/]lib[\\/]/.test(importer);
    build.onResolve({ filter: /^ssh2$/ }, () => ({ path: 'ssh2', namespace: 'okube-stub' }));
    build.onResolve({ filter: /^\.\/session$/ }, (args) => (inDockerode(args.importer) ? { path: 'session', namespace: 'okube-stub' } : undefined));
    build.onResolve({ filter: /^\.\/buildkit$/ }, (args) => (inDockerode(args.importer) ? { path: 'dockerode/lib/buildkit.js', external: true } : undefined));
    build.onResolve({ filter: /^dockerode\/lib\// }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /^ssh2$/, namespace: 'okube-stub' }, () => ({ contents: SSH2_STUB, loader: 'js' }));
    build.onLoad({ filter: /^session$/, namespace: 'okube-stub' }, () => ({ contents: LAZY_SESSION, loader: 'js' }));
  },
};

const repo = resolve(fileURLToPath(new URL('..', import.meta.url)));
const stamp = sourceStamp(repo);
if (!process.argv.includes('--force') && builtStamp(repo) === stamp) {
  process.stdout.write('dist/ is up to date\n');
  process.exit(0);
}

const dist = join(repo, 'dist');
const fail = (message, code = 1) => {
  rmSync(dist, { recursive: true, force: true });
  process.stderr.write(`error: ${message}; dist/ removed\n`);
  process.exit(code);
};
rmSync(dist, { recursive: true, force: true });
const require = createRequire(import.meta.url);
let tsc;
let esbuild;
try {
  tsc = require.resolve('typescript/bin/tsc');
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('error: building okube needs its dev dependencies (typescript, esbuild): run `npm ci` first\n');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '-p', join(repo, 'tsconfig.build.json')], { stdio: 'inherit' });
if (result.status !== 0) fail('tsc failed', result.status ?? 1);

const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
try {
  await esbuild.build({
    entryPoints: { okube: join(dist, 'cli', 'main.js') },
    outdir: join(dist, 'bundle'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: `node${process.versions.node.split('.')[0]}`,
    // tsc's source maps are read in, so stack traces (at debug level) still point into src/.
    sourcemap: true,
    external: Object.keys(pkg.dependencies ?? {}).filter((d) => !BUNDLED.has(d)),
    // commander is CommonJS: its require() of Node built-ins needs a require in an ES module.
    banner: { js: "import { createRequire as __okubeCreateRequire } from 'node:module'; const require = __okubeCreateRequire(import.meta.url);" },
    plugins: [dockerodeParts],
    logLevel: 'warning',
  });
} catch (err) {
  fail(`esbuild failed: ${err instanceof Error ? err.message : String(err)}`);
}
writeFileSync(join(dist, STAMP_FILE), `${stamp}\n`);
process.stdout.write('built dist/\n');
