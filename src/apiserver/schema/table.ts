import type { PrinterColumn, ResourceDef } from './resource-def.js';
import { evalJsonPath, parseJsonPath } from './jsonpath.js';

// Server-side printing: a meta.k8s.io/v1 Table built from additionalPrinterColumns, which is what
// `kubectl get` (and `get -w`, `-o wide`) renders against a real cluster.

export interface TableOptions {
  includeObject?: 'None' | 'Object' | 'Metadata';
  listMeta?: object;
  /** Accepted for symmetry with kubectl's -o wide; every column is sent and kubectl hides priority > 0. */
  wide?: boolean;
}

const NAME_COLUMN = { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 };

/** Kubernetes' short human duration: 45s, 3m20s, 12m, 5h3m, 3d4h, 40d. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 ? `${m}m${s % 60}s` : `${m}m`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 8) return m % 60 ? `${h}h${m % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(h / 24);
  if (d < 8) return h % 24 ? `${d}d${h % 24}h` : `${d}d`;
  return d < 365 * 2 ? `${d}d` : `${Math.floor(d / 365)}y`;
}

/** A date cell the way kubectl shows it against a real cluster: the age, or "in 8s" ahead. */
function dateCell(value: string, now: number): string {
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  return t > now ? `in ${humanDuration(t - now)}` : humanDuration(now - t);
}

function cell(column: PrinterColumn, obj: object): unknown {
  let values: unknown[];
  try {
    values = evalJsonPath(obj, parseJsonPath(column.jsonPath));
  } catch {
    return null;
  }
  if (!values.length) return null;
  const v = values[0];
  if (v === null || v === undefined) return null;
  switch (column.type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : Number.parseInt(String(v), 10) || null;
    case 'number':
      return typeof v === 'number' ? v : Number(v);
    case 'boolean':
      return typeof v === 'boolean' ? v : String(v) === 'true';
    case 'date':
      return dateCell(String(v), Date.now());
    default:
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

export function tableColumns(def: ResourceDef) {
  return [
    NAME_COLUMN,
    ...def.printerColumns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
}

export function toTable(def: ResourceDef, objects: object[], opts: TableOptions = {}): object {
  const include = opts.includeObject ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta ?? {},
    columnDefinitions: tableColumns(def),
    rows: objects.map((obj) => {
      const meta = (obj as { metadata?: { name?: string } }).metadata ?? {};
      const row: Record<string, unknown> = { cells: [meta.name ?? '', ...def.printerColumns.map((c) => cell(c, obj))] };
      if (include === 'Object') row.object = obj;
      else if (include === 'Metadata') {
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta };
      }
      return row;
    }),
  };
}
