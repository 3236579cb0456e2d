#!/usr/bin/env node
// The published entry point: runs the compiled CLI in dist/ — the bundle in dist/bundle/, one
// file per command plus shared chunks (`npm run build` makes it, hack/build.mjs says why; the npm
// package ships it). A git checkout holds TypeScript only, so without a build this says so in one
// line instead of compiling at run time.
import { existsSync } from 'node:fs';

const main = new URL('../dist/bundle/okube.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('error: okube is not built (no dist/bundle/okube.js): run `npm run build` in the okube checkout\n');
  process.exit(1);
}

// Loggers are created as modules load, so the level must be known before anything is imported.
const i = process.argv.findIndex((a) => a === '--log-level' || a.startsWith('--log-level='));
if (i > 0) process.env.OKUBE_LOG_LEVEL = process.argv[i].includes('=') ? process.argv[i].split('=')[1] : process.argv[i + 1];
// Stack traces (shown at debug level) point into src/ through dist/'s source maps.
if (/^(debug|trace)$/.test(process.env.OKUBE_LOG_LEVEL ?? '')) process.setSourceMapsEnabled(true);

await import(main.href);
