import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { kubeCacheRoot, serverFolderName } from './cache-root.js';
import type { ApiResource } from './discovery.js';
import { makeDirs } from '../../util/make-dirs.js';

// The server's discovery kept on disk between okube commands, as kubectl keeps its own: without
// it every command asks the server what resources exist before doing anything (two to ten
// requests, each a TLS handshake on both sides) where kubectl with a warm cache asks nothing.
//
// Contract:
// - Where: $KUBECACHEDIR (else ~/.kube/cache) /discovery/<host_port>/okube-resources.json — the
//   folder kubectl uses for the same server (same name rule), so clearing kubectl's discovery
//   cache clears okube's; the file name is okube's own, kubectl never reads it.
// - Fresh for DISCOVERY_TTL_MS after it was written (kubectl used 10 minutes until 1.26, 6 hours
//   since); older, written in the future, for another server URL or another server at that URL
//   (the kubeconfig's CA differs: a cluster recreated on the same port), of another format
//   version, or unreadable in any way (truncated, not JSON, wrong shape), it is ignored as if absent.
// - Never trusted past a miss: the client refreshes it when a name or kind is not in it
//   (client-options.ts) and removes it when the server answers 404 for a resource it listed.
// - Writes are atomic (temporary file, then rename) and best effort: a read-only or missing home
//   costs only the cache, never the command.

export const DISCOVERY_TTL_MS = 10 * 60_000;
const FORMAT = 1;
const FILE = 'okube-resources.json';

interface CacheFile {
  format: number;
  server: string;
  /** A hash of the server's identity (its CA), '' when the kubeconfig names none. */
  identity: string;
  writtenAt: number;
  resources: ApiResource[];
}

/** kubectl's folder for a server's discovery: the URL without scheme, odd characters as `_`. */
export function discoveryCacheDir(server: string, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(kubeCacheRoot(env, home), 'discovery', serverFolderName(server));
}

export function discoveryCacheFile(server: string, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return join(discoveryCacheDir(server, env, home), FILE);
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function isResource(r: unknown): r is ApiResource {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return (
    ['group', 'version', 'plural', 'singular', 'kind'].every((k) => typeof o[k] === 'string') &&
    typeof o.namespaced === 'boolean' &&
    isStrings(o.shortNames) &&
    isStrings(o.verbs)
  );
}

/** What a cache file records of a server's identity: a hash, not the CA itself. */
export function identityHash(identity: string | undefined): string {
  return identity ? createHash('sha256').update(identity).digest('hex') : '';
}

/** The resources a cache file's text holds for the server at `now`, or undefined when it must not be used. */
export function parseDiscoveryCache(text: string, server: string, identity: string, now: number): ApiResource[] | undefined {
  let doc: Partial<CacheFile>;
  try {
    doc = JSON.parse(text) as Partial<CacheFile>;
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || doc.format !== FORMAT || doc.server !== server || doc.identity !== identity) return undefined;
  const age = now - (typeof doc.writtenAt === 'number' ? doc.writtenAt : Number.NaN);
  if (!(age >= 0 && age < DISCOVERY_TTL_MS)) return undefined;
  if (!Array.isArray(doc.resources) || doc.resources.length === 0 || !doc.resources.every(isResource)) return undefined;
  return doc.resources;
}

export function formatDiscoveryCache(server: string, identity: string, resources: ApiResource[], now: number): string {
  const doc: CacheFile = { format: FORMAT, server, identity, writtenAt: now, resources };
  return JSON.stringify(doc);
}

/** The on-disk cache of one server's discovery. */
export class DiscoveryCache {
  readonly file: string;
  private readonly identity: string;

  constructor(
    readonly server: string,
    identity?: string,
    env: NodeJS.ProcessEnv = process.env,
    home = homedir(),
    private readonly now: () => number = Date.now,
  ) {
    this.file = discoveryCacheFile(server, env, home);
    this.identity = identityHash(identity);
  }

  read(): ApiResource[] | undefined {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return undefined;
    }
    return parseDiscoveryCache(text, this.server, this.identity, this.now());
  }

  write(resources: ApiResource[]): void {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      makeDirs(dirname(this.file), 0o750);
      writeFileSync(tmp, formatDiscoveryCache(this.server, this.identity, resources, this.now()), { mode: 0o640 });
      renameSync(tmp, this.file);
    } catch {
      this.remove(tmp);
    }
  }

  invalidate(): void {
    this.remove(this.file);
  }

  private remove(file: string): void {
    try {
      rmSync(file, { force: true });
    } catch {
      // Best effort, like write: a stale entry still expires with its TTL.
    }
  }
}
