import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type yaml from 'js-yaml';
import { loadAllKubeYaml } from '../../util/kube-yaml.js';
import { CliError } from '../cli-error.js';
import { JsonStreamError, looksLikeJson, parseJsonStream } from './json-stream.js';

// Manifests from -f FILE|DIR|URL|- (several -f allowed): multi-document YAML or JSON, Lists
// expanded, each object remembering where it came from so an error can point at it.

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Source {
  file: string;
  /** 1-based document number within the file. */
  document: number;
}

export interface SourcedManifest {
  object: Manifest;
  source: Source;
}

const EXTENSIONS = /\.(ya?ml|json)$/i;

function filesOf(path: string, recursive: boolean): string[] {
  if (path === '-') return ['-'];
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new CliError(`the path "${path}" does not exist`);
  }
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path).sort()) {
    const full = join(path, entry);
    const s = statSync(full);
    if (s.isDirectory()) {
      if (recursive) out.push(...filesOf(full, true));
    } else if (EXTENSIONS.test(entry)) out.push(full);
  }
  return out;
}

/** Which document (1-based) of `text` holds 0-based `line`: documents are split by "---" lines. */
function documentAt(text: string, line: number): number {
  const lines = text.split('\n').slice(0, line + 1);
  let doc = 1;
  let seen = false;
  for (const l of lines.slice(0, line)) {
    if (/^---(\s|$)/.test(l)) {
      if (seen) doc++;
      seen = true;
    } else if (l.trim() && !l.trim().startsWith('#')) seen = true;
  }
  return doc;
}

export function parseManifests(text: string, file: string): SourcedManifest[] {
  let docs: unknown[];
  try {
    docs = looksLikeJson(text) ? parseJsonStream(text) : loadAllKubeYaml(text, file);
  } catch (err) {
    if (err instanceof JsonStreamError) throw new CliError(`error parsing ${file} (document ${err.document}, line ${err.line + 1}): ${err.message}`);
    const e = err as yaml.YAMLException;
    const line = e.mark?.line ?? 0;
    throw new CliError(`error parsing ${file} (document ${documentAt(text, line)}, line ${line + 1}): ${e.reason ?? e.message}`);
  }
  const out: SourcedManifest[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const source = { file, document: i + 1 };
    const where = `${file} (document ${i + 1})`;
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`error validating ${where}: expected an object with apiVersion and kind`);
    const o = doc as Manifest & { items?: unknown[] };
    const missing = [!o.apiVersion && 'apiVersion not set', !o.kind && 'kind not set'].filter(Boolean);
    if (missing.length) throw new CliError(`error validating ${where}: [${missing.join(', ')}]`);
    if (o.kind.endsWith('List') && Array.isArray(o.items)) {
      for (const item of o.items) out.push({ object: item as Manifest, source });
      return;
    }
    if (!o.metadata || typeof o.metadata !== 'object') o.metadata = {};
    out.push({ object: o, source });
  });
  return out;
}

const URL_PATH = /^https?:\/\//i;

/** A manifest at an http(s) URL, as kubectl reads `-f https://…` (only a 200 is a manifest). */
async function readUrl(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new CliError(`unable to read URL "${url}": ${cause}`);
  }
  if (res.status !== 200) throw new CliError(`unable to read URL "${url}", server reported ${res.status} ${res.statusText}, status code=${res.status}`);
  return res.text();
}

export async function readManifests(paths: string[], verb: string, recursive = false): Promise<SourcedManifest[]> {
  if (!paths.length) throw new CliError('must specify -f (a file, directory, URL or - for stdin)');
  const out: SourcedManifest[] = [];
  for (const p of paths) {
    if (URL_PATH.test(p)) {
      out.push(...parseManifests(await readUrl(p), p));
      continue;
    }
    const files = filesOf(p, recursive);
    for (const f of files) {
      let text: string;
      try {
        text = f === '-' ? readFileSync(0, 'utf8') : readFileSync(f, 'utf8');
      } catch (err) {
        throw new CliError(`cannot read ${f}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
      out.push(...parseManifests(text, f === '-' ? 'STDIN' : f));
    }
  }
  if (!out.length) throw new CliError(`no objects passed to ${verb}`);
  return out;
}
