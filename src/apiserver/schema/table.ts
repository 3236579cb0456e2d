import type { PrinterColumn, ResourceDef } from './resource-def.js';
import { evalJsonPath } from '../../util/jsonpath.js';
import { humanDuration } from '../../util/human-duration.js';

// Server-side printing: a meta.k8s.io/v1 Table built from additionalPrinterColumns, the way the
// apiextensions-apiserver's table convertor does it, which is what `kubectl get` (and `get -w`,
// `-o wide`) renders against a real cluster. kubectl prints cells as they come: the server turns
// `date` columns into ages ("5m", or "in 8s" for a time ahead) and sends every column; kubectl
// drops priority > 0 unless -o wide.

export interface TableOptions {
  includeObject?: 'None' | 'Object' | 'Metadata';
  listMeta?: object;
  /** Accepted for symmetry with kubectl's -o wide; every column is sent and kubectl hides priority > 0. */
  wide?: boolean;
  /** The clock for `date` cells (tests). */
  now?: Date;
}

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** How client-go's JSONPath printer prints one value: strings bare, everything else as JSON. */
function printed(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function cell(column: PrinterColumn, obj: object, now: Date): unknown {
  if (column.cell) return column.cell(obj);
  let values: unknown[];
  try {
    values = evalJsonPath(obj, column.jsonPath);
  } catch {
    return null;
  }
  // Like the real convertor, only the first result counts.
  if (!values.length) return null;
  const v = values[0];
  if (v === null) return null;
  if (column.type === 'string') return printed(v);
  switch (column.type) {
    case 'integer':
      return typeof v === 'number' ? Math.trunc(v) : null;
    case 'number':
      return typeof v === 'number' ? v : null;
    case 'boolean':
      return typeof v === 'boolean' ? v : null;
    case 'date': {
      if (typeof v !== 'string') return null;
      const t = Date.parse(v);
      if (!RFC3339.test(v) || Number.isNaN(t)) return '<invalid>';
      // Beyond what Kubernetes does (it shows <invalid>): a time ahead reads "in 8s", for Next Retry.
      return t - now.getTime() > 1000 ? `in ${humanDuration(t - now.getTime())}` : humanDuration(now.getTime() - t);
    }
    default:
      return null;
  }
}

export function tableColumns(def: ResourceDef) {
  const columns = def.printerColumns.map((c) => ({
    name: c.name,
    type: c.type,
    format: c.format ?? '',
    description: c.description ?? `Custom resource definition column (in JSONPath format): ${c.jsonPath}`,
    priority: c.priority ?? 0,
  }));
  return def.nameColumnLast ? [...columns, { ...NAME_COLUMN, priority: 1 }] : [NAME_COLUMN, ...columns];
}

/** A meta.k8s.io/v1 Table of `objects`: Name first (last for nameColumnLast), then the printer columns, one row per object. */
export function toTable(def: ResourceDef, objects: object[], opts: TableOptions = {}): object {
  const include = opts.includeObject ?? 'Metadata';
  const now = opts.now ?? new Date();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.listMeta ?? {},
    columnDefinitions: tableColumns(def),
    rows: objects.map((obj) => {
      const meta = (obj as { metadata?: { name?: string } }).metadata ?? {};
      const cells = def.printerColumns.map((c) => cell(c, obj, now));
      const row: Record<string, unknown> = { cells: def.nameColumnLast ? [...cells, meta.name ?? ''] : [meta.name ?? '', ...cells] };
      if (include === 'Object') row.object = obj;
      else if (include === 'Metadata') {
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: meta };
      }
      return row;
    }),
  };
}
