import yaml from 'js-yaml';
import { CliError } from '../cli-error.js';

// -o yaml | json | name, as kubectl prints them: keys sorted (kubectl marshals through Go maps),
// JSON indented by four, several objects wrapped in a v1 List.

export type ObjectFormat = 'yaml' | 'json' | 'name';

export function parseFormat(output: string | undefined): ObjectFormat | 'table' | 'wide' {
  if (!output) return 'table';
  if (output === 'yaml' || output === 'json' || output === 'name' || output === 'wide') return output;
  throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: json,name,wide,yaml`);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export function asList(items: unknown[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

export function formatObject(obj: unknown, format: 'yaml' | 'json'): string {
  if (format === 'json') return JSON.stringify(sortKeys(obj), null, 4) + '\n';
  return yaml.dump(obj, { sortKeys: true, lineWidth: -1, noRefs: true, noArrayIndent: true, quotingType: '"' });
}
