import yaml from 'js-yaml';
import { CliError } from '../cli-error.js';
import { customColumnCells, parseCustomColumns, parseTemplate, renderTemplate, type CustomColumn } from './jsonpath-template.js';
import { TablePrinter } from './table.js';

// -o yaml | json | name | jsonpath=… | custom-columns=…, as kubectl prints them: keys sorted
// (kubectl marshals through Go maps), JSON indented by four, several objects wrapped in a v1 List.

type Template = ReturnType<typeof parseTemplate>;

export type ObjectFormat = 'yaml' | 'json' | 'name' | { template: Template } | { columns: CustomColumn[]; printer: TablePrinter };

const ALLOWED = 'custom-columns,json,jsonpath,name,wide,yaml';

export function parseFormat(output: string | undefined): ObjectFormat | 'table' | 'wide' {
  if (!output) return 'table';
  if (output === 'yaml' || output === 'json' || output === 'name' || output === 'wide') return output;
  const eq = output.indexOf('=');
  const [kind, arg] = eq < 0 ? [output, undefined] : [output.slice(0, eq), output.slice(eq + 1)];
  if (kind === 'jsonpath') {
    if (!arg) throw new CliError('template format specified but no template given');
    return { template: parseTemplate(arg) };
  }
  if (kind === 'custom-columns') return { columns: parseCustomColumns(arg ?? ''), printer: new TablePrinter() };
  throw new CliError(`unable to match a printer suitable for the output format "${output}", allowed formats are: ${ALLOWED}`);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export function asList(items: unknown[]): object {
  return { apiVersion: 'v1', items, kind: 'List', metadata: { resourceVersion: '' } };
}

/** The object (or each item of a list) without metadata.managedFields, as kubectl prints -o yaml|json unless --show-managed-fields. */
function omitManagedFields(v: unknown): unknown {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return v;
  const o = v as { items?: unknown; metadata?: unknown };
  const out: Record<string, unknown> = { ...o };
  if (Array.isArray(o.items)) out.items = o.items.map(omitManagedFields);
  if (o.metadata && typeof o.metadata === 'object' && 'managedFields' in o.metadata) {
    const { managedFields: _omitted, ...meta } = o.metadata as Record<string, unknown>;
    out.metadata = meta;
  }
  return out;
}

export function formatObject(obj: unknown, format: 'yaml' | 'json', showManagedFields = false): string {
  const shown = showManagedFields ? obj : omitManagedFields(obj);
  if (format === 'json') return JSON.stringify(sortKeys(shown), null, 4) + '\n';
  return yaml.dump(shown, { sortKeys: true, lineWidth: -1, noRefs: true, noArrayIndent: true, quotingType: '"' });
}

type Named = { metadata?: { name?: string } };

/**
 * Objects in a non-table format: one List for yaml, json and jsonpath (kubectl's template sees
 * the List), one line or row per object for name and custom-columns. `header` false: the rows of
 * a watch after the first listing.
 */
export function formatObjects(items: Named[], format: ObjectFormat, kind: string, opts: { single?: boolean; header?: boolean; showManagedFields?: boolean } = {}): string {
  if (format === 'name') return items.map((o) => `${kind}/${o.metadata?.name ?? ''}\n`).join('');
  const whole = opts.single && items.length === 1 ? items[0] : asList(items);
  if (format === 'yaml' || format === 'json') return formatObject(whole, format, opts.showManagedFields);
  if ('template' in format) return renderTemplate(format.template, whole);
  const rows = items.map((o) => customColumnCells(format.columns, o));
  return format.printer.lines(opts.header === false ? rows : [format.columns.map((c) => c.header), ...rows]);
}

/** One watch event's object, as kubectl -w prints it in that format. */
export function formatWatched(obj: Named, format: ObjectFormat, kind: string, showManagedFields?: boolean): string {
  if (format === 'yaml') return `---\n${formatObject(obj, 'yaml', showManagedFields)}`;
  return formatObjects([obj], format, kind, { single: true, header: false, showManagedFields });
}
