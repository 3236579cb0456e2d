import { posix } from 'node:path';
import { OkubeError } from '../util/errors.js';
import type { FileEntry } from './runtime.js';

// A minimal ustar archive of regular files (and the directories leading to them), the body of
// Docker's PUT /containers/{id}/archive: enough to write secret and configMap volume files
// without a tar dependency. Paths are relative; owner root; times are the given mtime.

const BLOCK = 512;

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, type: '0' | '5', mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new OkubeError('RuntimeError', `tar: path too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\u000000', 257, 'binary');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

/** The archive of these files, with every parent directory as an entry (mode 0755). */
export function tarFiles(files: FileEntry[], mtime = Date.now()): Buffer {
  const parts: Buffer[] = [];
  const dirs = new Set<string>();
  for (const f of files) {
    const path = posix.normalize(f.path);
    if (path.startsWith('/') || path.startsWith('..')) throw new OkubeError('RuntimeError', `tar: path must be relative: ${f.path}`);
    const segments = path.split('/');
    for (let i = 1; i < segments.length; i++) {
      const d = segments.slice(0, i).join('/');
      if (dirs.has(d)) continue;
      dirs.add(d);
      parts.push(header(`${d}/`, 0, 0o755, '5', mtime));
    }
    parts.push(header(path, f.content.length, f.mode, '0', mtime), f.content);
    const pad = (BLOCK - (f.content.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(BLOCK * 2, 0));
  return Buffer.concat(parts);
}
