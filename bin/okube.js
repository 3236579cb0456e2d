#!/usr/bin/env node
// The published entry point: run the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';

// Loggers are created as modules load, so the level must be known before anything is imported.
const i = process.argv.findIndex((a) => a === '--log-level' || a.startsWith('--log-level='));
if (i > 0) process.env.OKUBE_LOG_LEVEL = process.argv[i].includes('=') ? process.argv[i].split('=')[1] : process.argv[i + 1];

register();
await import('../src/cli/main.ts');
